// <parley-bot-actions> and <parley-stream-reply>: a bot message's buttons and selects, and a reply
// that is still being written, loaded with the first of either. Labels and text go through Lit text
// bindings only. Buttons and selects are native controls (keyboard and screen readers for free); what
// a click became (sending, sent to the bot, refused and why) is said in a polite live region.
import { LitElement, css, html, nothing } from 'lit';
import type { LiveStream, MessageAction } from '@parley/sdk';
import type { InteractiveWords } from './i18n.js';

type ClickState = { action: string; status: 'pending' | 'done' | 'failed'; code?: string };

const shared = css`
  :host { display: block; }
  /* The message around keeps its text's white space (and a host page's styles win over :host): reset it inside. */
  .group, .stream { white-space: normal; }
  button, select { font: inherit; font-size: 0.9em; border-radius: 6px; padding: 4px 10px; cursor: pointer;
    border: 1px solid var(--parley-border, rgba(127, 127, 127, 0.4)); background: var(--parley-button-bg, transparent); color: inherit; }
  button:focus-visible, select:focus-visible { outline: 2px solid var(--parley-accent, #2563eb); outline-offset: 1px; }
  button[disabled], select[disabled] { opacity: 0.55; cursor: default; }
  .state { font-size: 0.8em; opacity: 0.85; }
  .state.failed { color: var(--parley-danger, #b91c1c); opacity: 1; }
`;

/**
 * A message's buttons and selects.
 * @csspart bot-actions - the group
 * @csspart bot-button - each button (`data-style`: primary, secondary, danger)
 * @csspart bot-select - each select
 * @csspart bot-action-state - what the last click became
 */
export class BotActions extends LitElement {
  static override properties = { actions: { attribute: false }, act: { attribute: false }, words: { attribute: false }, _click: { state: true } };
  declare actions: readonly MessageAction[];
  /** Sends the click; rejects with an error that has a `code`. */
  declare act: (action: string, value?: string) => Promise<unknown>;
  declare words: InteractiveWords;
  declare private _click: ClickState | undefined;

  static override styles = [
    shared,
    css`
      .group { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-top: 6px; }
      button[data-style='primary'] { background: var(--parley-accent, #2563eb); color: var(--parley-accent-contrast, #fff); border-color: transparent; }
      button[data-style='danger'] { color: var(--parley-danger, #b91c1c); border-color: currentColor; }
    `,
  ];

  private _send(action: string, value?: string): void {
    if (this._click?.status === 'pending') return;
    this._click = { action, status: 'pending' };
    this.act(action, value).then(
      () => (this._click = { action, status: 'done' }),
      (err: unknown) => (this._click = { action, status: 'failed', code: String((err as { code?: unknown })?.code ?? 'internal') }),
    );
  }

  override render() {
    const w = this.words;
    const busy = this._click?.status === 'pending';
    const c = this._click;
    return html`<div part="bot-actions" class="group" role="group" aria-label=${w.group}>
      ${this.actions.map((a) =>
        a.type === 'select'
          ? html`<select part="bot-select" aria-label=${a.label} title=${a.label} ?disabled=${a.disabled || busy}
              @change=${(e: Event) => {
                const el = e.target as HTMLSelectElement;
                if (el.value) this._send(a.id, el.value);
              }}>
              <option value="">${a.label} · ${w.choose}</option>
              ${(a.options ?? []).map((o) => html`<option value=${o.value}>${o.label}</option>`)}
            </select>`
          : a.type === 'button'
            ? html`<button part="bot-button" type="button" data-action=${a.id} data-style=${a.style ?? 'secondary'} ?disabled=${a.disabled || busy} aria-busy=${busy && c?.action === a.id ? 'true' : 'false'}
                @click=${() => this._send(a.id)}>${a.label}</button>`
            : html`<span>${a.label}</span>`,
      )}
      <span part="bot-action-state" class="state ${c?.status === 'failed' ? 'failed' : ''}" role="status" aria-live="polite" data-state=${c?.status ?? nothing}
        >${c ? (c.status === 'pending' ? w.pending : c.status === 'done' ? w.done : w.failed(c.code ?? '')) : ''}</span>
    </div>`;
  }
}

/**
 * A bot's reply as it is being written: its text so far, a caret, and Stop when the reader may stop it.
 * @csspart stream - the reply
 * @csspart stream-caret - the typing caret
 * @csspart stream-stop - the Stop button
 */
export class StreamReply extends LitElement {
  static override properties = { stream: { attribute: false }, canStop: { attribute: false }, stop: { attribute: false }, words: { attribute: false }, _stop: { state: true } };
  declare stream: LiveStream;
  declare canStop: boolean;
  declare stop: () => Promise<unknown>;
  declare words: InteractiveWords;
  declare private _stop: 'pending' | 'done' | 'failed' | undefined;

  static override styles = [
    shared,
    css`
      .text { white-space: pre-wrap; overflow-wrap: anywhere; }
      .caret { display: inline-block; width: 0.5em; margin-left: 1px; background: currentColor; opacity: 0.6; animation: blink 1s steps(2, start) infinite; }
      @keyframes blink { to { visibility: hidden; } }
      @media (prefers-reduced-motion: reduce) { .caret { animation: none; } }
      .row { display: flex; gap: 8px; align-items: center; margin-top: 4px; }
    `,
  ];

  private _onStop(): void {
    this._stop = 'pending';
    this.stop().then(
      () => (this._stop = 'done'),
      () => (this._stop = 'failed'),
    );
  }

  override render() {
    const w = this.words;
    // Screen readers hear the finished message once (the log announces it); while it grows, only that it is being written.
    return html`<div part="stream" class="stream" aria-busy="true">
      <span class="text" dir="auto">${this.stream.text}</span><span part="stream-caret" class="caret" aria-hidden="true">&nbsp;</span>
      <div class="row">
        <span class="state" role="status">${w.writing(this.stream.name)}</span>
        ${this.canStop
          ? html`<button part="stream-stop" type="button" ?disabled=${this._stop === 'pending' || this._stop === 'done'} @click=${this._onStop}>
              ${this._stop === 'pending' || this._stop === 'done' ? w.stopping : w.stop}</button>`
          : nothing}
        ${this._stop === 'failed' ? html`<span class="state failed" role="status">${w.stopFailed}</span>` : nothing}
      </div>
    </div>`;
  }
}

customElements.define('parley-bot-actions', BotActions);
customElements.define('parley-stream-reply', StreamReply);

declare global {
  interface HTMLElementTagNameMap {
    'parley-bot-actions': BotActions;
    'parley-stream-reply': StreamReply;
  }
}
