// <parley-voice-player>: a voice message in the timeline, a lazy chunk loaded with the first one.
// Play and pause, the waveform as a slider (click or drag to a point, arrow keys, Home and End), the
// speed (1×, 1.5×, 2×) and the time. The length comes from the message (`duration`), not from the
// audio element: MediaRecorder's WebM has no duration in its header, so the element reports Infinity.
import { LitElement, css, html, nothing, svg } from 'lit';
import type { VoiceWords } from './i18n.js';
import { icon } from './icons.js';
import { clock } from './format.js';
import { renderBars } from './waveform.js';

const RATES = [1, 1.5, 2] as const;
const playIcon = icon(svg`<path d="M7 4v16l13-8z"/>`);
const pauseIcon = icon(svg`<path d="M8 5v14M16 5v14"/>`);

/** The player playing now: starting another pauses it. */
let playing: VoicePlayer | undefined;

/**
 * @csspart voice-player - the whole player.
 * @csspart voice-play - play / pause.
 * @csspart voice-wave - the waveform, a slider over the recording.
 * @csspart voice-time - the time played, or the length before playing.
 * @csspart voice-speed - the playback speed.
 */
export class VoicePlayer extends LitElement {
  static override properties = {
    src: { attribute: false },
    load: { attribute: false },
    duration: { attribute: false },
    waveform: { attribute: false },
    t: { attribute: false },
    _playing: { state: true },
    _pos: { state: true },
    _rate: { state: true },
    _failed: { state: true },
    _loaded: { state: true },
  };

  /** Where the audio is; empty: asked of `load`. */
  declare src: string;
  /**
   * Fetches a download URL (signed and expiring, section 24): asked once the player is shown, and
   * once more if the audio then fails to load (the URL may have expired meanwhile).
   */
  declare load: (() => Promise<string>) | undefined;
  /** Length, ms. */
  declare duration: number;
  declare waveform: number[];
  declare t: VoiceWords;
  declare private _playing: boolean;
  /** Position, ms. */
  declare private _pos: number;
  /** Index in RATES. */
  declare private _rate: number;
  declare private _failed: boolean;
  private _dragging = false;
  /** The URL `load` gave, and whether it was asked again after a failure. */
  declare private _loaded: string;
  private _asked = 0;

  constructor() {
    super();
    this.src = '';
    this.duration = 0;
    this.waveform = [];
    this._playing = false;
    this._pos = 0;
    this._rate = 0;
    this._failed = false;
    this._loaded = '';
  }

  override willUpdate(): void {
    if (!this.src && this.load && !this._asked) this._ask();
  }

  private _ask(): void {
    this._asked++;
    this.load!().then(
      (url) => (this._loaded = url),
      () => (this._failed = true),
    );
  }

  private _onError(): void {
    // A stored URL may have expired while the message sat on screen: one fresh one before giving up.
    if (!this.src && this.load && this._asked < 2) this._ask();
    else this._failed = true;
  }

  static override styles = css`
    :host { display: block; width: 16em; max-width: 100%; }
    .player { display: flex; align-items: center; gap: 8px; padding: 4px 0; }
    button { font: inherit; color: inherit; background: none; border: 0; padding: 0; margin: 0; cursor: pointer; }
    :focus-visible { outline: 2px solid var(--_accent, #2563eb); outline-offset: 2px; }
    .play { width: 36px; height: 36px; border-radius: 50%; display: grid; place-items: center; flex: none;
            background: var(--parley-voice-button-bg, var(--_accent, #2563eb)); color: var(--parley-voice-button-fg, var(--_accent-fg, #fff)); }
    .wave { flex: 1; min-width: 0; height: 32px; display: flex; align-items: center; gap: 1px; cursor: pointer; touch-action: none; border-radius: 4px; }
    .bar { flex: 1; min-width: 1px; border-radius: 1px; background: color-mix(in srgb, currentColor 35%, transparent); }
    .bar.on { background: var(--parley-voice-played, var(--_accent, #2563eb)); }
    .side { display: flex; flex-direction: column; align-items: flex-end; gap: 2px; flex: none; font-size: 0.75em; }
    .time { font-variant-numeric: tabular-nums; opacity: 0.8; }
    .speed { font-weight: 650; min-width: 3em; padding: 1px 4px; border-radius: 8px; background: color-mix(in srgb, currentColor 12%, transparent); }
    .failed { font-size: 0.85em; opacity: 0.8; }
  `;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._audio()?.pause();
    if (playing === this) playing = undefined;
  }

  override render() {
    const { t } = this;
    const total = clock(this.duration);
    if (this._failed) return html`<p part="voice-player" class="failed" role="note">${t.unavailable} (${total})</p>`;
    const rate = RATES[this._rate]!;
    const rateText = `${rate}×`;
    const share = this.duration > 0 ? Math.min(1, this._pos / this.duration) : 0;
    return html`<div part="voice-player" class="player" role="group" aria-label=${t.message(total)}>
      <button part="voice-play" class="play" type="button" aria-label=${this._playing ? t.pause : t.play} @click=${this.toggle}>${this._playing ? pauseIcon : playIcon}</button>
      <div
        part="voice-wave"
        class="wave"
        role="slider"
        tabindex="0"
        aria-label=${t.position}
        aria-valuemin="0"
        aria-valuemax=${Math.round(this.duration / 1000)}
        aria-valuenow=${Math.floor(this._pos / 1000)}
        aria-valuetext=${t.positionText(clock(this._pos), total)}
        @pointerdown=${this._onPointerDown}
        @pointermove=${this._onPointerMove}
        @pointerup=${this._onPointerUp}
        @pointercancel=${this._onPointerUp}
        @keydown=${this._onKey}
      >
        ${renderBars(this.waveform, share)}
      </div>
      <div class="side">
        <span part="voice-time" class="time">${this._playing || this._pos > 0 ? clock(this._pos) : total}</span>
        <button part="voice-speed" class="speed" type="button" aria-label=${t.speed(rateText)} @click=${this._nextRate}>${rateText}</button>
      </div>
      <audio
        preload="metadata"
        src=${this.src || this._loaded || nothing}
        @timeupdate=${this._onTime}
        @play=${() => (this._playing = true)}
        @pause=${() => (this._playing = false)}
        @ended=${this._onEnded}
        @error=${this._onError}
      ></audio>
    </div>`;
  }

  /** Plays or pauses; playing pauses any other voice message. */
  async toggle(): Promise<void> {
    const audio = this._audio();
    if (!audio) return;
    if (!audio.paused) return audio.pause();
    if (playing && playing !== this) playing._audio()?.pause();
    playing = this;
    audio.playbackRate = RATES[this._rate]!;
    await audio.play().catch(() => (this._playing = false));
  }

  /** Moves to `ms` (clamped to the recording). */
  seek(ms: number): void {
    const at = Math.max(0, Math.min(this.duration, ms));
    this._pos = at;
    const audio = this._audio();
    if (audio) audio.currentTime = at / 1000;
  }

  private _audio(): HTMLAudioElement | null {
    return this.renderRoot?.querySelector('audio') ?? null;
  }

  private _onTime(e: Event): void {
    if (this._dragging) return;
    this._pos = Math.min(this.duration, (e.target as HTMLAudioElement).currentTime * 1000);
  }

  private _onEnded(): void {
    this._playing = false;
    this.seek(0);
  }

  private _nextRate(): void {
    this._rate = (this._rate + 1) % RATES.length;
    const audio = this._audio();
    if (audio) audio.playbackRate = RATES[this._rate]!;
  }

  /** The point of the recording under the pointer. */
  private _at(e: PointerEvent): number {
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const x = getComputedStyle(e.currentTarget as HTMLElement).direction === 'rtl' ? box.right - e.clientX : e.clientX - box.left;
    return (Math.max(0, Math.min(box.width, x)) / (box.width || 1)) * this.duration;
  }

  private _onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    this._dragging = true;
    try {
      (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    } catch {
      // A synthetic event has no pointer to capture; the drag then ends on this element.
    }
    this._pos = this._at(e);
  }

  private _onPointerMove(e: PointerEvent): void {
    if (this._dragging) this._pos = this._at(e);
  }

  private _onPointerUp(e: PointerEvent): void {
    if (!this._dragging) return;
    this._dragging = false;
    this.seek(e.type === 'pointercancel' ? this._pos : this._at(e));
  }

  private _onKey(e: KeyboardEvent): void {
    const step = Math.max(1000, this.duration / 20);
    const moves: Record<string, number> = { ArrowRight: step, ArrowUp: step, ArrowLeft: -step, ArrowDown: -step, PageUp: this.duration / 5, PageDown: -this.duration / 5 };
    if (e.key === 'Home') this.seek(0);
    else if (e.key === 'End') this.seek(this.duration);
    else if (e.key === ' ' || e.key === 'Enter') void this.toggle();
    else if (e.key in moves) this.seek(this._pos + moves[e.key]!);
    else return;
    e.preventDefault();
  }
}

if (!customElements.get('parley-voice-player')) customElements.define('parley-voice-player', VoicePlayer);

declare global {
  interface HTMLElementTagNameMap {
    'parley-voice-player': VoicePlayer;
  }
}
