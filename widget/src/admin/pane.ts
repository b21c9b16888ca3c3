// What every pane of the admin console shares: the client, the words, the look, and one polite live
// region that says what an action did (or why it failed) in words.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { AdminError, type AdminClient } from './client.js';
import type { ConsoleLang, Words } from './words.js';

/** What GET /admin/api/me answers. */
export interface ConsoleInfo {
  user: { id: string; name: string };
  features: { bots: boolean; webhooks: boolean; devSignIn: boolean };
  limits: { maxSlowSeconds: number; maxFilterWords: number; maxReason: number; maxName: number };
  protection: { guestLinkDelayMs: number; floodMessages: number; floodWindowMs: number; floodMuteMs: number; filterWords: number };
}

export const paneStyles = css`
  :host { display: block; }
  h2 { font-size: 1.25rem; margin: 0 0 12px; }
  h3 { font-size: 1.05rem; margin: 20px 0 8px; }
  p { margin: 4px 0 8px; }
  .help { color: var(--muted); font-size: 0.92rem; }
  form, .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 8px 0; }
  label { display: flex; flex-direction: column; gap: 2px; font-size: 0.92rem; }
  input, select, textarea, button { font: inherit; color: inherit; }
  input, select, textarea { padding: 6px 8px; border: 1px solid var(--border); border-radius: 6px; background: var(--field); min-width: 0; }
  textarea { width: min(28rem, 100%); min-height: 6rem; }
  button { padding: 6px 12px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--on-accent); cursor: pointer; }
  button.quiet { background: transparent; color: var(--accent-text); }
  button.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
  button:disabled { opacity: 0.6; cursor: default; }
  :is(button, input, select, textarea, a):focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: start; padding: 6px 8px; border-bottom: 1px solid var(--border); vertical-align: top; }
  th { font-weight: 600; font-size: 0.9rem; }
  ul.plain { list-style: none; padding: 0; margin: 0; }
  ul.plain > li { padding: 8px 0; border-bottom: 1px solid var(--border); }
  .card > h3:first-child { margin-top: 0; }
  label.wide { flex-basis: 100%; }
  figure { margin: 0; }
  .card { border: 1px solid var(--border); border-radius: 8px; padding: 12px 14px; margin: 12px 0; background: var(--card); }
  .status { min-height: 1.5em; font-weight: 600; position: sticky; bottom: 0; padding: 4px 0; margin: 0; background: var(--bg); }
  .status.error { color: var(--danger-text); }
  .tag { display: inline-block; font-size: 0.8rem; padding: 0 6px; border-radius: 4px; background: var(--tag); margin-inline-start: 4px; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  code, .mono { font-family: ui-monospace, monospace; font-size: 0.9em; word-break: break-all; }
  @media (max-width: 640px) {
    table.stack thead { display: none; }
    table.stack tr { display: block; border-bottom: 1px solid var(--border); padding: 6px 0; }
    table.stack td { display: block; border: 0; padding: 2px 0; }
    table.stack td[data-label]::before { content: attr(data-label) ': '; font-weight: 600; }
  }
`;

export abstract class Pane extends LitElement {
  static override properties = {
    client: { attribute: false },
    t: { attribute: false },
    lang: {},
    info: { attribute: false },
    _status: { state: true },
    _error: { state: true },
    _busy: { state: true },
  };
  declare client: AdminClient;
  declare t: Words;
  declare lang: ConsoleLang;
  declare info: ConsoleInfo;
  declare protected _status: string;
  declare protected _error: boolean;
  declare protected _busy: boolean;

  constructor() {
    super();
    this._status = '';
    this._error = false;
    this._busy = false;
  }

  /** Runs an action, saying `done` (or why it failed) in the live region; false when it failed. */
  protected async act(fn: () => Promise<unknown>, done: string | (() => string)): Promise<boolean> {
    this._busy = true;
    this._error = false;
    this._status = this.t.loading;
    try {
      await fn();
      this._status = typeof done === 'string' ? done : done();
      return true;
    } catch (err) {
      // The credential expired or was revoked: the console goes back to its sign-in.
      if (err instanceof AdminError && err.status === 401) this.dispatchEvent(new CustomEvent('admin-unauthorized', { bubbles: true, composed: true }));
      this._error = true;
      this._status = this.t.failed(err instanceof AdminError ? err.message : String(err));
      return false;
    } finally {
      this._busy = false;
    }
  }

  /** The live region every pane ends with. */
  protected statusLine(): TemplateResult {
    return html`<p class="status ${this._error ? 'error' : ''}" role="status" aria-live="polite">${this._status || nothing}</p>`;
  }

  protected time(ms: number): string {
    return new Date(ms).toLocaleString(this.lang);
  }

  /** The value of the named control of a form. */
  protected field(form: HTMLFormElement, name: string): string {
    const el = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null;
    return el?.value ?? '';
  }
}

/** Seconds of a duration choice ('' for without end). */
export function durationSeconds(choice: string): number | undefined {
  const n = Number(choice);
  return choice === '' || !Number.isFinite(n) || n <= 0 ? undefined : n;
}

export function durationOptions(t: Words): TemplateResult {
  return html`<option value="600">${t.duration10m}</option><option value="3600">${t.duration1h}</option><option value="86400">${t.duration1d}</option><option value="">${t.durationForever}</option>`;
}
