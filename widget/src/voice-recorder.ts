// <parley-voice-recorder>: the composer's microphone button and the recording bar, a lazy chunk loaded
// with the composer where the browser can record. Hold to talk and release to send; a short press
// (or Enter/Space) records hands-free until Stop and send; sliding away or Escape cancels. The level
// meter reads the microphone through an AnalyserNode; the waveform is computed from the decoded
// recording once it stops (waveform.ts). It records what MediaRecorder gives: Opus in WebM in
// Chromium, Opus in Ogg in Firefox, and MP4 (AAC, or Opus where supported) in Safari.
import { LitElement, css, html, nothing, svg, type PropertyValues } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { VoiceLimits } from '@parley/sdk';
import type { VoiceWords } from './i18n.js';
import { icon, sendIcon } from './icons.js';
import { clock } from './format.js';
import { analyse, levelsToWaveform } from './waveform.js';

/** A finished recording, as `voice-recorded` hands it over. */
export interface VoiceRecording {
  blob: Blob;
  /** The container MediaRecorder wrote, e.g. `audio/webm;codecs=opus`. */
  type: string;
  /** Ms, from the decoded audio (or the clock when the browser cannot decode its own recording). */
  duration: number;
  waveform: number[];
}

/** A press shorter than this (ms) is a tap: it locks the recording instead of sending it on release. */
const TAP_MS = 350;
/** Sliding this far (px) from where the press started cancels. */
const CANCEL_PX = 80;
/** How often the timer and the level meter move, ms. */
const TICK_MS = 50;
/** The recording stops this long (ms) before the limit, so that what is sent stays within it. */
const LIMIT_MARGIN_MS = 150;
/** Preferred containers, best first: Opus wherever the browser can write it. */
const TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4;codecs=opus', 'audio/webm', 'audio/mp4'];

/** The container this browser records voice in, or undefined when it cannot record. */
export function recordingType(): string | undefined {
  if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) return undefined;
  return TYPES.find((t) => MediaRecorder.isTypeSupported(t)) ?? '';
}

const micIcon = icon(svg`<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3"/>`);
const trashIcon = icon(svg`<path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3"/>`);

type Phase = 'idle' | 'starting' | 'holding' | 'locked' | 'finishing';

/** What is open while recording: released all at once by `_release()`. */
interface Capture {
  stream: MediaStream;
  recorder: MediaRecorder;
  chunks: Blob[];
  audio: AudioContext;
  analyser: AnalyserNode;
  timer: ReturnType<typeof setInterval>;
  started: number;
  /** Levels (0..1) sampled every tick: the waveform when the browser cannot decode the recording. */
  levels: number[];
}

/**
 * @fires voice-recorded - `{detail: VoiceRecording}` a recording to send.
 * @fires voice-state - `{detail: {recording: boolean}}` recording started or ended (the panel gives it the composer's width).
 * @fires voice-problem - `{detail: {message: string}}` why nothing was recorded or why it stopped, in words.
 * @csspart voice-button - the microphone button.
 * @csspart voice-bar - the bar shown while recording: time, level meter, cancel and send.
 * @csspart voice-time - the time recorded and the limit.
 * @csspart voice-level - the level meter.
 * @csspart voice-cancel - cancels the recording (hands-free).
 * @csspart voice-send - stops and sends (hands-free).
 */
export class VoiceRecorder extends LitElement {
  static override properties = {
    t: { attribute: false },
    maxMs: { attribute: false },
    _phase: { state: true },
    _elapsed: { state: true },
    _level: { state: true },
    _slide: { state: true },
    _said: { state: true },
  };

  declare t: VoiceWords;
  /** The longest recording, ms (`welcome.limits.maxVoiceMs`); 0: VoiceLimits.maxVoiceMs. */
  declare maxMs: number;
  declare private _phase: Phase;
  declare private _elapsed: number;
  declare private _level: number;
  /** How far the pointer slid towards cancelling, 0..1. */
  declare private _slide: number;
  /** The live region's text. */
  declare private _said: string;
  private _capture: Capture | undefined;
  private _press: { x: number; y: number; at: number } | undefined;
  /** Decided while the microphone was still being opened: lock (a tap) or cancel once it is. */
  private _then: 'lock' | 'cancel' | undefined;

  constructor() {
    super();
    this.maxMs = 0;
    this._phase = 'idle';
    this._elapsed = 0;
    this._level = 0;
    this._slide = 0;
    this._said = '';
  }

  static override styles = css`
    :host { display: flex; align-items: center; gap: 6px; flex: none; }
    :host([recording]) { flex: 1; min-width: 0; }
    button { font: inherit; color: inherit; background: none; border: 0; padding: 0; margin: 0; cursor: pointer; }
    :focus-visible { outline: 2px solid var(--_accent, #2563eb); outline-offset: 2px; }
    .mic, .round { width: 40px; height: 40px; border-radius: 50%; display: grid; place-items: center; flex: none; }
    /* The whole press is the recorder's: no scrolling, text selection or long-press menu on phones. */
    .mic { touch-action: none; user-select: none; -webkit-user-select: none; -webkit-touch-callout: none; color: var(--_muted, #666); }
    .mic:hover { color: var(--_fg, inherit); }
    /* Held: the button turns red with a halo, inside the composer (a scaled button would leave the panel). */
    .mic[data-phase='holding'], .mic[data-phase='starting'] { background: var(--_danger, #dc2626); color: var(--_on-danger, #fff);
      box-shadow: 0 0 0 4px color-mix(in srgb, var(--_danger, #dc2626) 25%, transparent); }
    .mic[data-phase='locked'], .mic[data-phase='finishing'] { display: none; }
    .send { background: var(--_accent, #2563eb); color: var(--_accent-fg, #fff); }
    .cancel { color: var(--_danger, #dc2626); }
    .bar { flex: 1; min-width: 0; display: flex; align-items: center; gap: 8px; min-height: 40px; padding: 0 12px; border-radius: 20px;
           border: 1px solid var(--_border, #ccc); background: var(--_bg, transparent); }
    .dot { width: 10px; height: 10px; border-radius: 50%; background: var(--_danger, #dc2626); flex: none; animation: blink 1s steps(2, start) infinite; }
    @keyframes blink { to { visibility: hidden; } }
    @media (prefers-reduced-motion: reduce) { .dot { animation: none; } }
    .time { font-variant-numeric: tabular-nums; flex: none; }
    .meter { flex: 1; min-width: 24px; height: 6px; border-radius: 3px; background: color-mix(in srgb, var(--_muted, #888) 25%, transparent); overflow: hidden; }
    .fill { display: block; height: 100%; width: 100%; background: var(--_accent, #2563eb); transform-origin: left; transition: transform 50ms linear; }
    .hint { flex: 2; min-width: 0; font-size: 0.8em; color: var(--_muted, #666); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this._onKey, true);
    // A panel closed mid-recording must not leave the microphone on.
    if (this._phase !== 'idle') this.cancel(false);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('_phase' as keyof VoiceRecorder)) return;
    const recording = this._phase !== 'idle';
    if (recording === this.hasAttribute('recording')) return;
    this.toggleAttribute('recording', recording);
    // Escape cancels wherever focus is (a held button never takes focus), before the panel sees it.
    if (recording) window.addEventListener('keydown', this._onKey, true);
    else window.removeEventListener('keydown', this._onKey, true);
    this.dispatchEvent(new CustomEvent('voice-state', { detail: { recording }, bubbles: true, composed: true }));
  }

  override render() {
    const { t } = this;
    const phase = this._phase;
    const live = html`<span class="sr-only" role="status">${this._said}</span>`;
    const mic = html`<button
      part="voice-button"
      class="mic"
      type="button"
      data-phase=${phase}
      aria-label=${t.record}
      title=${t.record}
      @pointerdown=${this._onPointerDown}
      @pointermove=${this._onPointerMove}
      @pointerup=${this._onPointerUp}
      @pointercancel=${() => this._press && this.cancel()}
      @contextmenu=${(e: Event) => e.preventDefault()}
      @click=${this._onClick}
    >
      ${micIcon}
    </button>`;
    // One template in every phase: the button keeps its pointer capture when the bar appears beside it.
    return html`${phase === 'idle' ? nothing : this._renderBar()}${mic}${live}`;
  }

  private get _max(): number {
    return this.maxMs || VoiceLimits.maxVoiceMs;
  }

  private _renderBar() {
    const { t } = this;
    const max = clock(this._max);
    return html`<div part="voice-bar" class="bar" role="group" aria-label=${t.recording}>
        <span class="dot" aria-hidden="true"></span>
        <span part="voice-time" class="time" role="timer" title=${t.limitHint(max)}>${t.elapsed(clock(this._elapsed), max)}</span>
        <span part="voice-level" class="meter" aria-hidden="true"><span class="fill" style=${styleMap({ transform: `scaleX(${this._level.toFixed(3)})`, opacity: String(1 - this._slide * 0.7) })}></span></span>
        ${this._phase === 'locked'
          ? html`<button part="voice-cancel" class="round cancel" type="button" aria-label=${t.cancel} title=${t.cancel} @click=${() => this.cancel()}>${trashIcon}</button>
              <button part="voice-send" class="round send" type="button" aria-label=${t.stopAndSend} title=${t.stopAndSend} @click=${() => void this.finish()}>${sendIcon}</button>`
          : html`<span class="hint" aria-hidden="true">${t.holdHint}</span>`}
      </div>`;
  }

  /** Starts recording; `locked`: hands-free (keyboard, or a tap), else held until the pointer is released. */
  async start(locked: boolean): Promise<void> {
    if (this._phase !== 'idle') return;
    this._phase = 'starting';
    this._then = locked ? 'lock' : undefined;
    this._elapsed = 0;
    this._level = 0;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
    } catch (err) {
      this._phase = 'idle';
      const name = (err as Error).name;
      return this._problem(name === 'NotAllowedError' || name === 'SecurityError' ? this.t.denied : name === 'NotFoundError' ? this.t.noMicrophone : this.t.failed);
    }
    if (this._cancelled() || !this.isConnected) {
      for (const track of stream.getTracks()) track.stop();
      this._phase = 'idle';
      return;
    }
    let capture: Capture;
    try {
      const type = recordingType();
      const recorder = new MediaRecorder(stream, { ...(type && { mimeType: type }), audioBitsPerSecond: 32_000 });
      const audio = new AudioContext();
      const analyser = audio.createAnalyser();
      analyser.fftSize = 1024;
      audio.createMediaStreamSource(stream).connect(analyser);
      capture = { stream, recorder, chunks: [], audio, analyser, timer: setInterval(() => this._tick(), TICK_MS), started: performance.now(), levels: [] };
      recorder.ondataavailable = (e) => e.data.size && capture.chunks.push(e.data);
      recorder.start(250);
    } catch {
      for (const track of stream.getTracks()) track.stop();
      this._phase = 'idle';
      return this._problem(this.t.failed);
    }
    this._capture = capture;
    this._phase = this._then === 'lock' ? 'locked' : 'holding';
    this._said = this.t.recording;
    if (this._phase === 'locked') void this._focusPart('voice-send');
  }

  /** Stops and hands the recording over (`voice-recorded`); `limit`: it reached `maxMs`. */
  async finish(limit = false): Promise<void> {
    const c = this._capture;
    if (!c || this._phase === 'finishing') return;
    this._phase = 'finishing';
    const stopped = new Promise<void>((resolve) => c.recorder.addEventListener('stop', () => resolve(), { once: true }));
    c.recorder.stop();
    await stopped;
    const clockMs = performance.now() - c.started;
    this._release();
    const type = c.recorder.mimeType || c.chunks[0]?.type || 'audio/webm';
    const blob = new Blob(c.chunks, { type });
    const measured = await analyse(blob).catch(() => ({ duration: Math.round(clockMs), waveform: levelsToWaveform(c.levels) }));
    const duration = Math.min(measured.duration, this._max);
    this._phase = 'idle';
    if (duration < VoiceLimits.minVoiceMs || !blob.size) {
      this._said = '';
      return this._problem(this.t.tooShort);
    }
    this._said = this.t.sending;
    if (limit) this._problem(this.t.limitReached(clock(this._max)));
    this.dispatchEvent(new CustomEvent<VoiceRecording>('voice-recorded', { detail: { blob, type, duration, waveform: measured.waveform }, bubbles: true, composed: true }));
    void this._focusPart('voice-button');
  }

  /** Throws the recording away; `focus`: give focus back to the microphone button. */
  cancel(focus = true): void {
    this._press = undefined;
    this._slide = 0;
    if (this._phase === 'starting') {
      this._then = 'cancel';
      return;
    }
    if (!this._capture) return;
    this._capture.recorder.ondataavailable = null;
    if (this._capture.recorder.state !== 'inactive') this._capture.recorder.stop();
    this._release();
    this._phase = 'idle';
    this._said = this.t.cancelled;
    if (focus) void this._focusPart('voice-button');
  }

  /** Turns the microphone off and stops the meter. */
  private _release(): void {
    const c = this._capture;
    if (!c) return;
    this._capture = undefined;
    clearInterval(c.timer);
    for (const track of c.stream.getTracks()) track.stop();
    void c.audio.close().catch(() => {});
  }

  private _tick(): void {
    const c = this._capture;
    if (!c) return;
    const samples = new Float32Array(c.analyser.fftSize);
    c.analyser.getFloatTimeDomainData(samples);
    let peak = 0;
    for (const s of samples) peak = Math.max(peak, Math.abs(s));
    c.levels.push(peak);
    // Speech peaks far below full scale: a gentle curve makes the meter move visibly for a normal voice.
    this._level = Math.min(1, Math.sqrt(peak) * 1.2);
    this._elapsed = performance.now() - c.started;
    if (this._elapsed >= this._max - LIMIT_MARGIN_MS && this._phase !== 'finishing') void this.finish(true);
  }

  private _onPointerDown(e: PointerEvent): void {
    if (e.button !== 0 || this._phase !== 'idle') return;
    e.preventDefault();
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    this._press = { x: e.clientX, y: e.clientY, at: performance.now() };
    void this.start(false);
  }

  private _onPointerMove(e: PointerEvent): void {
    const press = this._press;
    if (!press || this._phase === 'locked') return;
    const distance = Math.hypot(e.clientX - press.x, e.clientY - press.y);
    this._slide = Math.min(1, distance / CANCEL_PX);
    if (distance > CANCEL_PX) this.cancel();
  }

  private _onPointerUp(): void {
    const press = this._press;
    if (!press) return;
    this._press = undefined;
    this._slide = 0;
    const tap = performance.now() - press.at < TAP_MS;
    // Released while the microphone was still opening (a tap, or a permission prompt in between): hands-free.
    if (this._phase === 'starting') this._then = 'lock';
    else if (this._phase === 'holding' && tap) {
      this._phase = 'locked';
      void this._focusPart('voice-send');
    } else if (this._phase === 'holding') void this.finish();
  }

  /** Enter or Space on the button (a click with no pointer): hands-free recording. */
  private _onClick(e: MouseEvent): void {
    if (e.detail === 0 && this._phase === 'idle') void this.start(true);
  }

  private readonly _onKey = (e: KeyboardEvent): void => {
    if (e.key !== 'Escape' || this._phase === 'idle') return;
    // Escape is the recording's, not the floating panel's (which would close).
    e.stopPropagation();
    e.preventDefault();
    this.cancel();
  };

  /** Whether a cancel came while the microphone was opening (read after an await: TypeScript would narrow `_then`). */
  private _cancelled(): boolean {
    return this._then === 'cancel';
  }

  private _problem(message: string): void {
    this.dispatchEvent(new CustomEvent('voice-problem', { detail: { message }, bubbles: true, composed: true }));
  }

  private async _focusPart(name: string): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`[part~="${name}"]`)?.focus();
  }
}

if (!customElements.get('parley-voice-recorder')) customElements.define('parley-voice-recorder', VoiceRecorder);

declare global {
  interface HTMLElementTagNameMap {
    'parley-voice-recorder': VoiceRecorder;
  }
}
