// <parley-call>: calls in the widget, its own lazy chunk, loaded at the first ring or call button. The
// incoming-call sheet (with a ringtone when sound is on), the in-call view (videos, mute, camera,
// screen share, device picker, connection quality), and a small picture-in-picture view while the
// chat panel is closed. Media and signalling are the SDK's Call; this only draws it.
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { Call, CallPeer, CallQuality, RingContext } from '@parley/sdk';
import type { ChatSession } from './chat-session.js';
import { CALL_WORDS, type CallWords } from './call-words.js';
import { callLength, type Lang } from './lang.js';
import { closeIcon, muteIcon, phoneIcon, soundIcon, videoIcon } from './icons.js';

/** How often the ringtone sounds while a call rings, ms. */
const RING_EVERY_MS = 1500;

/**
 * @fires call-idle - Nothing left to show (no ring, no call, no message): the widget may drop the element.
 * @csspart call-incoming - The incoming-call sheet; `call-accept`, `call-accept-audio`, `call-decline` its buttons.
 * @csspart call-view - The in-call view; `call-remote`, `call-remote-screen` (a shared screen), `call-self` its videos, `call-status`, `call-quality`,
 *   `call-mute`, `call-camera`, `call-screen`, `call-devices`, `call-hangup` its parts.
 * @csspart call-pip - The small view while the chat panel is closed.
 * @csspart call-error - Why a call could not start (permission denied, no device...).
 */
export class ParleyCall extends LitElement {
  static override properties = {
    session: { attribute: false },
    lang: { attribute: false },
    ring: { attribute: false },
    soundOn: { attribute: false },
    minimized: { attribute: false },
    _call: { state: true },
    _message: { state: true },
    _quality: { state: true },
    _devices: { state: true },
    _showDevices: { state: true },
    _tick: { state: true },
  };

  declare session: ChatSession;
  declare lang: Lang;
  /** The ring on screen, if any. */
  declare ring: RingContext | undefined;
  declare soundOn: boolean;
  /** The chat panel is closed: show the call small. */
  declare minimized: boolean;
  declare private _call: Call | undefined;
  declare private _message: string | undefined;
  declare private _quality: CallQuality;
  declare private _devices: MediaDeviceInfo[];
  declare private _showDevices: boolean;
  declare private _tick: number;
  private _ringTimer: ReturnType<typeof setInterval> | undefined;
  private _clock: ReturnType<typeof setInterval> | undefined;
  /** What each other connection sends, by session: its voice and camera in one stream, a shared screen in another. */
  private readonly _streams = new Map<string, MediaStream[]>();
  private _answeredAt = 0;
  /** Something was on screen at the last update. */
  private _shown = false;
  /** A call is being placed or answered (media asked for, server asked). */
  private _entering = false;

  constructor() {
    super();
    this.ring = undefined;
    this.soundOn = true;
    this.minimized = false;
    this._quality = 'unknown';
    this._devices = [];
    this._showDevices = false;
    this._tick = 0;
  }

  private get _w(): CallWords {
    return CALL_WORDS[this.lang] ?? CALL_WORDS.en;
  }

  /** Whether a call is going on here. */
  get busy(): boolean {
    return !!this._call;
  }

  /** Calls the other members of `room`. */
  async place(room: string, video: boolean): Promise<void> {
    if (this._call) return;
    await this._enter(() => this.session.placeCall(room, { audio: true, video }));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._stopRinging();
    clearInterval(this._clock);
  }

  protected override updated(changed: PropertyValues<this>): void {
    const ringing = !!this.ring && !this._call;
    if (ringing && this.soundOn) this._startRinging();
    else this._stopRinging();
    // A new ring takes focus to its answer button, like any alert dialog.
    if (changed.has('ring') && ringing) (this.renderRoot.querySelector('[part~="call-accept"]') as HTMLElement | null)?.focus();
    // Idle again after showing something (not before the first ring or call is even shown).
    const showing = !!this.ring || !!this._call || !!this._message || this._entering;
    if (!showing && this._shown) this.dispatchEvent(new CustomEvent('call-idle', { bubbles: true, composed: true }));
    this._shown = showing;
  }

  protected override render(): TemplateResult | typeof nothing {
    const w = this._w;
    if (this._call) return this.minimized ? this._renderPip(this._call) : this._renderCall(this._call);
    if (this.ring) return this._renderIncoming(this.ring);
    if (this._message) {
      return html`<div part="call-error" class="sheet" role="alert">
        <p>${this._message}</p>
        <button class="btn" type="button" @click=${() => (this._message = undefined)}>${w.dismiss}</button>
      </div>`;
    }
    return nothing;
  }

  private _renderIncoming(ring: RingContext): TemplateResult {
    const w = this._w;
    const label = w.incoming(ring.name, ring.video);
    return html`<div part="call-incoming" class="sheet incoming" role="alertdialog" aria-label=${label} aria-describedby="ring-text">
      <p id="ring-text" class="who">${label}</p>
      <div class="row">
        <button part="call-accept" class="btn accept" type="button" @click=${() => this._answer(ring, ring.video)}>
          ${ring.video ? videoIcon : phoneIcon}<span>${ring.video ? w.acceptVideo : w.accept}</span>
        </button>
        ${ring.video
          ? html`<button part="call-accept-audio" class="btn" type="button" @click=${() => this._answer(ring, false)}>${phoneIcon}<span>${w.acceptAudio}</span></button>`
          : nothing}
        <button part="call-decline" class="btn danger" type="button" @click=${() => this._decline(ring)}>${closeIcon}<span>${w.decline}</span></button>
      </div>
    </div>`;
  }

  private _renderCall(call: Call): TemplateResult {
    const w = this._w;
    const me = this.session.user?.id;
    const others = call.peers.filter((p) => p.user !== me);
    const title = w.callWith(others.map((p) => p.name).join(', ') || this.session.roomTitle(call.room) || call.room);
    const media = call.media;
    const canShare = typeof navigator.mediaDevices?.getDisplayMedia === 'function';
    return html`<section part="call-view" class="view" role="dialog" aria-label=${title}>
      <p part="call-status" class="status" role="status" aria-live="polite">${this._statusText(call, others)}</p>
      <div class="grid" data-count=${others.length}>
        ${others.map((p) => this._renderPeer(p))}
        ${media.video || media.screen ? html`<video part="call-self" class="self" .srcObject=${call.localStream ?? null} autoplay playsinline muted aria-label=${w.you}></video>` : nothing}
      </div>
      <p part="call-quality" class="quality" data-quality=${this._quality}>${w.quality[this._quality]}</p>
      <div class="controls" role="toolbar" aria-label=${title}>
        <button part="call-mute" class="btn round" type="button" aria-label=${w.mute} aria-pressed=${media.audio ? 'false' : 'true'} @click=${() => this._try(() => call.setMuted(media.audio))}>
          ${media.audio ? soundIcon : muteIcon}
        </button>
        <button part="call-camera" class="btn round" type="button" aria-label=${w.camera} aria-pressed=${media.video ? 'true' : 'false'} @click=${() => this._try(() => call.setCamera(!media.video))}>
          ${videoIcon}
        </button>
        ${canShare
          ? html`<button part="call-screen" class="btn round" type="button" aria-label=${w.screen} aria-pressed=${media.screen ? 'true' : 'false'} @click=${() => this._try(() => call.shareScreen(!media.screen))}>
              <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2"><rect x="3" y="4" width="18" height="12" rx="2"/><path d="M8 20h8M12 16v4"/></svg>
            </button>`
          : nothing}
        <button part="call-devices" class="btn round" type="button" aria-label=${w.devices} aria-expanded=${this._showDevices ? 'true' : 'false'} @click=${this._toggleDevices}>⚙</button>
        <button part="call-hangup" class="btn round danger" type="button" aria-label=${w.hangUp} @click=${() => void call.hangUp()}>${phoneIcon}</button>
      </div>
      ${this._showDevices ? this._renderDevices(call) : nothing}
    </section>`;
  }

  private _renderPeer(p: CallPeer): TemplateResult {
    const { main, screen } = this._media(p.session);
    // The video element also plays the person's voice: without a picture it stays, under their initial;
    // a shared screen plays beside it (muted: it has no sound), the camera then small in a corner.
    return html`<figure class="peer" data-status=${p.status} data-video=${p.video || p.screen ? 'on' : 'off'} data-screen=${screen ? 'on' : 'off'}>
      <video part="call-remote" .srcObject=${main ?? null} autoplay playsinline aria-label=${p.name}></video>
      ${screen ? html`<video part="call-remote-screen" class="screen" .srcObject=${screen} autoplay playsinline muted aria-label=${this._w.screenOf(p.name)}></video>` : nothing}
      ${p.video || p.screen ? nothing : html`<span class="initial" aria-hidden="true">${[...p.name][0]?.toUpperCase() ?? '?'}</span>`}
      <figcaption>${p.name}${p.audio ? nothing : html` <span class="muted" role="img" aria-label=${this._w.muted(p.name)}>${muteIcon}</span>`}</figcaption>
    </figure>`;
  }

  /** The stream with the person's voice (and camera), and a shared screen: another stream with a picture. */
  private _media(session: string): { main?: MediaStream; screen?: MediaStream } {
    const streams = this._streams.get(session) ?? [];
    const main = streams.find((s) => s.getAudioTracks().length > 0) ?? streams[0];
    const screen = streams.find((s) => s !== main && s.getVideoTracks().length > 0);
    return { ...(main ? { main } : {}), ...(screen ? { screen } : {}) };
  }

  private _renderDevices(call: Call): TemplateResult {
    const w = this._w;
    const of = (kind: MediaDeviceKind) => this._devices.filter((d) => d.kind === kind);
    const pick = (kind: 'audioinput' | 'videoinput') => (e: Event) => this._try(() => call.useDevice(kind, (e.target as HTMLSelectElement).value));
    return html`<div class="devices">
      <label>${w.microphone}<select @change=${pick('audioinput')}>${of('audioinput').map((d, i) => html`<option value=${d.deviceId}>${d.label || `${w.microphone} ${i + 1}`}</option>`)}</select></label>
      <label>${w.cameraDevice}<select @change=${pick('videoinput')}>${of('videoinput').map((d, i) => html`<option value=${d.deviceId}>${d.label || `${w.cameraDevice} ${i + 1}`}</option>`)}</select></label>
    </div>`;
  }

  private _renderPip(call: Call): TemplateResult {
    const w = this._w;
    const other = call.peers.find((p) => p.user !== this.session.user?.id);
    return html`<div part="call-pip" class="pip" role="region" aria-label=${w.callWith(other?.name ?? call.room)}>
      <video .srcObject=${(other && this._media(other.session).main) ?? null} autoplay playsinline aria-label=${other?.name ?? ''}></video>
      <span class="status" role="status">${this._statusText(call, call.peers.filter((p) => p.user !== this.session.user?.id))}</span>
      <button part="call-hangup" class="btn round danger" type="button" aria-label=${w.hangUp} @click=${() => void call.hangUp()}>${phoneIcon}</button>
    </div>`;
  }

  private _statusText(call: Call, others: CallPeer[]): string {
    const w = this._w;
    switch (call.phase) {
      case 'ringing':
        return w.calling(others.map((p) => p.name).join(', ') || this.session.roomTitle(call.room) || '');
      case 'connecting':
        return w.connecting;
      case 'reconnecting':
        return w.reconnecting;
      case 'connected':
        return `${w.connected} · ${callLength(this._tick - this._answeredAt)}`;
      default:
        return w.ended.hangup!;
    }
  }

  private async _answer(ring: RingContext, video: boolean): Promise<void> {
    await this._enter(() => this.session.answerCall(ring.call, { audio: true, video }));
  }

  private async _decline(ring: RingContext): Promise<void> {
    this.ring = undefined;
    await this.session.declineCall(ring.call).catch(() => undefined);
  }

  /** Starts or answers a call; a refused microphone or camera, or the server's refusal, becomes a message in words. */
  private async _enter(start: () => Promise<Call>): Promise<void> {
    this._message = undefined;
    this._stopRinging();
    this._entering = true;
    let call: Call;
    try {
      call = await start();
    } catch (err) {
      this.ring = undefined;
      this._message = this._explain(err);
      return;
    } finally {
      this._entering = false;
    }
    this.ring = undefined;
    this._call = call;
    call.on('track', ({ peer, stream }) => {
      const streams = this._streams.get(peer.session) ?? [];
      if (!streams.includes(stream)) {
        streams.push(stream);
        // A screen share that stops leaves its stream without a picture: the view goes back to the camera.
        stream.addEventListener('removetrack', () => this.requestUpdate());
      }
      this._streams.set(peer.session, streams);
      this.requestUpdate();
    });
    call.on('peers', () => this.requestUpdate());
    call.on('quality', ({ quality }) => (this._quality = quality));
    call.on('phase', ({ newPhase }) => {
      if (newPhase === 'connected' && !this._answeredAt) {
        this._answeredAt = Date.now();
        this._clock = setInterval(() => (this._tick = Date.now()), 1000);
        this._tick = this._answeredAt;
      }
      this.requestUpdate();
    });
    call.on('ended', ({ reason }) => {
      clearInterval(this._clock);
      this._call = undefined;
      this._streams.clear();
      this._answeredAt = 0;
      this._showDevices = false;
      this._message = reason === 'hangup' ? undefined : (this._w.ended[reason] ?? this._w.ended.hangup);
    });
  }

  private _explain(err: unknown): string {
    const w = this._w;
    const code = (err as { code?: string } | null)?.code;
    if (code === 'media_denied') return w.denied;
    if (code === 'no_device') return w.noDevice;
    return w.failed((err as Error)?.message ?? String(err));
  }

  /** Runs a change of this side's media, then shows it (or why it failed). */
  private _try(action: () => Promise<void>): void {
    void action().then(
      () => this.requestUpdate(),
      (err: unknown) => (this._message = this._explain(err)),
    );
  }

  private async _toggleDevices(): Promise<void> {
    this._showDevices = !this._showDevices;
    if (this._showDevices) this._devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  }

  private _startRinging(): void {
    if (this._ringTimer) return;
    const ring = () => void import('./alerts.js').then((a) => a.chime());
    ring();
    this._ringTimer = setInterval(ring, RING_EVERY_MS);
  }

  private _stopRinging(): void {
    clearInterval(this._ringTimer);
    this._ringTimer = undefined;
  }

  static override styles = css`
    :host {
      position: fixed;
      z-index: 2147483647;
      inset: auto 20px 96px auto;
      width: min(420px, calc(100vw - 40px));
      color: var(--_fg);
      font: inherit;
    }
    .sheet,
    .view,
    .pip {
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      box-shadow: var(--_shadow);
      padding: var(--_pad);
    }
    .who {
      margin: 0 0 12px;
      font-weight: 600;
    }
    .row,
    .controls {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
      justify-content: center;
    }
    .btn {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      border: 1px solid var(--_border);
      background: var(--_surface);
      color: var(--_fg);
      border-radius: 999px;
      padding: 8px 14px;
      font: inherit;
      cursor: pointer;
    }
    .btn:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
    }
    .btn.accept {
      background: #1f7a3a;
      border-color: #1f7a3a;
      color: #fff;
    }
    .btn.danger {
      background: var(--_danger);
      border-color: var(--_danger);
      color: var(--_on-danger);
    }
    .btn.round {
      width: 44px;
      height: 44px;
      padding: 0;
      justify-content: center;
    }
    .btn[aria-pressed='true'] {
      background: var(--_accent);
      color: var(--_accent-fg);
    }
    .status,
    .quality {
      margin: 0 0 8px;
      color: var(--_muted);
      font-size: 0.9em;
    }
    .quality[data-quality='poor'] {
      color: var(--_danger);
    }
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(140px, 1fr));
      gap: 6px;
      position: relative;
      margin-bottom: 8px;
    }
    .peer {
      margin: 0;
      position: relative;
      background: #111;
      border-radius: 10px;
      overflow: hidden;
      aspect-ratio: 4 / 3;
    }
    .initial {
      position: absolute;
      inset: 0;
      margin: auto;
      width: 72px;
      height: 72px;
      border-radius: 50%;
      display: grid;
      place-items: center;
      font-size: 32px;
      background: var(--_accent);
      color: var(--_accent-fg);
    }
    [part~='call-hangup'] svg {
      transform: rotate(135deg);
    }
    .peer video.screen {
      position: absolute;
      inset: 0;
      object-fit: contain;
    }
    .peer[data-screen='on'] video[part~='call-remote'] {
      position: absolute;
      top: 6px;
      right: 6px;
      width: 30%;
      height: auto;
      z-index: 1;
      border-radius: 6px;
    }
    .peer[data-status='reconnecting'] {
      opacity: 0.5;
    }
    .peer video,
    .pip video {
      width: 100%;
      height: 100%;
      object-fit: cover;
      display: block;
    }
    figcaption {
      position: absolute;
      left: 6px;
      bottom: 6px;
      color: #fff;
      background: rgb(0 0 0 / 0.55);
      border-radius: 6px;
      padding: 1px 6px;
      display: flex;
      align-items: center;
      gap: 4px;
    }
    .muted svg {
      width: 14px;
      height: 14px;
    }
    .self {
      position: absolute;
      right: 6px;
      bottom: 6px;
      width: 28%;
      border-radius: 8px;
      border: 2px solid var(--_bg);
      background: #222;
    }
    .devices {
      display: grid;
      gap: 6px;
      margin-top: 10px;
    }
    .devices label {
      display: grid;
      gap: 2px;
      font-size: 0.9em;
    }
    .pip {
      display: grid;
      grid-template-columns: 120px 1fr auto;
      align-items: center;
      gap: 10px;
      padding: 8px;
    }
    .pip video {
      height: 90px;
      border-radius: 8px;
      background: #111;
    }
    /* Phones: the call takes the whole screen, the controls within thumb reach. */
    @media (max-width: 480px) {
      :host {
        inset: 0;
        width: auto;
      }
      .view {
        height: 100%;
        box-sizing: border-box;
        border-radius: 0;
        display: flex;
        flex-direction: column;
      }
      .grid {
        flex: 1;
      }
      .controls {
        padding-bottom: env(safe-area-inset-bottom);
      }
      .sheet {
        border-radius: var(--_radius) var(--_radius) 0 0;
        position: fixed;
        inset: auto 0 0 0;
      }
    }
  `;
}

customElements.define('parley-call', ParleyCall);

declare global {
  interface HTMLElementTagNameMap {
    'parley-call': ParleyCall;
  }
}
