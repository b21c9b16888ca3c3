// <chat-search>: the search view, its own lazy chunk, loaded the first time the header's search button
// is pressed. Matches are marked with <mark> around Lit text bindings, from the server's ranges: no
// markup from the server, no innerHTML. Picking a result fires `search-pick`; the panel opens it.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import type { Highlight, SearchHit } from '@parley/sdk';
import type { ChatSession } from './chat-session.js';
import { fullLabel } from './format.js';
import type { Catalog } from './i18n.js';
import { roomName } from './room-name.js';

/** Wait after the last keystroke before searching (the server allows a few searches per second). */
const DEBOUNCE_MS = 350;

/** `body` as text nodes, with the highlighted ranges inside <mark>; ranges out of order or bounds are skipped. */
export function markMatches(body: string, ranges: readonly Highlight[]): (string | TemplateResult)[] {
  const out: (string | TemplateResult)[] = [];
  let at = 0;
  for (const h of ranges) {
    if (h.at < at || h.len < 1 || h.at + h.len > body.length) continue;
    out.push(body.slice(at, h.at), html`<mark part="search-match">${body.slice(h.at, h.at + h.len)}</mark>`);
    at = h.at + h.len;
  }
  out.push(body.slice(at));
  return out;
}

type Status = 'idle' | 'searching' | 'done' | 'failed';

/**
 * @fires search-pick - `detail` is the SearchHit picked.
 * @fires search-close - Escape or the close button.
 * @csspart search-input, search-results, search-result, search-match, search-more, search-status
 */
export class ChatSearch extends LitElement {
  static override styles = css`
    :host { display: flex; flex-direction: column; min-height: 0; flex: 1; }
    form { display: flex; gap: 6px; padding: 8px 10px; border-bottom: 1px solid var(--parley-border, #ddd); }
    input { flex: 1; font: inherit; padding: 6px 8px; border: 1px solid var(--parley-border, #ccc); border-radius: 6px; background: var(--parley-bg, #fff); color: inherit; }
    button { font: inherit; cursor: pointer; }
    .close { border: 0; background: none; color: inherit; padding: 4px 8px; }
    ul { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; }
    li button { display: block; width: 100%; text-align: left; border: 0; border-bottom: 1px solid var(--parley-border, #eee); background: none; color: inherit; padding: 8px 12px; }
    li button:hover, li button:focus-visible { background: var(--parley-hover, rgba(0, 0, 0, 0.05)); outline: 2px solid var(--parley-accent, #2563eb); outline-offset: -2px; }
    .where { display: block; font-size: 0.8em; opacity: 0.75; margin-bottom: 2px; }
    .text { display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; overflow-wrap: anywhere; white-space: pre-wrap; }
    mark { background: var(--parley-mark, #fde68a); color: inherit; border-radius: 2px; padding: 0 1px; }
    .status { padding: 12px; margin: 0; opacity: 0.85; }
    .status[data-status='failed'] { color: var(--parley-error, #b91c1c); opacity: 1; }
    .more { margin: 8px auto; display: block; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--parley-border, #ccc); background: none; color: inherit; }
  `;

  static override properties = {
    session: { attribute: false },
    t: { attribute: false },
    lang: { attribute: false },
    _query: { state: true },
    _status: { state: true },
    _error: { state: true },
    _results: { state: true },
    _next: { state: true },
  };

  declare session: ChatSession;
  declare t: Catalog;
  declare lang: string;
  declare private _query: string;
  declare private _status: Status;
  declare private _error: string;
  declare private _results: SearchHit[];
  declare private _next: string | undefined;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every new search, so an answer to an older one is dropped. */
  private _generation = 0;

  constructor() {
    super();
    this._query = '';
    this._status = 'idle';
    this._error = '';
    this._results = [];
    this._next = undefined;
  }

  /** Focuses the input, once it is rendered (the panel asks right after adding the view). */
  override focus(): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector('input')?.focus());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this._timer);
  }

  protected override render(): TemplateResult {
    const { t } = this;
    return html`<form role="search" aria-label=${t.searchLabel} @submit=${this._onSubmit}>
        <input part="search-input" type="search" aria-label=${t.searchLabel} placeholder=${t.searchPlaceholder} .value=${this._query} @input=${this._onInput} @keydown=${this._onKey} />
        <button part="search-close" class="close" type="button" aria-label=${t.backToRoom} @click=${this._close}>✕</button>
      </form>
      ${this._renderStatus()}
      ${this._results.length
        ? html`<ul part="search-results" aria-label=${t.searchLabel} @keydown=${this._onListKey}>
            ${this._results.map((hit) => this._renderHit(hit))}
          </ul>`
        : nothing}
      ${this._next && this._status === 'done'
        ? html`<button part="search-more" class="more" type="button" @click=${this._more}>${t.searchMore}</button>`
        : nothing}`;
  }

  private _renderStatus(): TemplateResult | typeof nothing {
    const { t } = this;
    const line = (text: string) => html`<p part="search-status" class="status" data-status=${this._status} role=${this._status === 'failed' ? 'alert' : 'status'}>${text}</p>`;
    switch (this._status) {
      case 'idle':
        return line(t.searchHint);
      case 'searching':
        return this._results.length ? nothing : line(t.searching);
      case 'failed':
        return line(this._error);
      case 'done':
        return this._results.length ? nothing : line(t.searchEmpty(this._query.trim()));
    }
  }

  private _renderHit(hit: SearchHit): TemplateResult {
    const view = this.session.rooms.get(hit.room);
    const room = view ? roomName(view) : hit.room;
    const time = fullLabel(hit.ts, this.lang);
    return html`<li>
      <button part="search-result" type="button" data-room=${hit.room} data-seq=${hit.seq} @click=${() => this._pick(hit)}>
        <span class="where">${this.t.searchResultIn(room, hit.name || hit.by, time)}</span>
        <span class="text" dir="auto">${markMatches(hit.body, hit.highlights)}</span>
      </button>
    </li>`;
  }

  private _onInput(e: Event): void {
    this._query = (e.target as HTMLInputElement).value;
    clearTimeout(this._timer);
    this._timer = setTimeout(() => void this._run(), DEBOUNCE_MS);
  }

  private _onSubmit(e: Event): void {
    e.preventDefault();
    clearTimeout(this._timer);
    void this._run();
  }

  private _onKey(e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      e.stopPropagation();
      this._close();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      this.renderRoot.querySelector<HTMLButtonElement>('[part="search-result"]')?.focus();
    }
  }

  /** Up and down move between results; Escape goes back to the input. */
  private _onListKey(e: KeyboardEvent): void {
    const items = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('[part="search-result"]')];
    const i = items.indexOf((this.renderRoot as ShadowRoot).activeElement as HTMLButtonElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = e.key === 'ArrowDown' ? Math.min(items.length - 1, i + 1) : i - 1;
      if (next < 0) this.focus();
      else items[next]?.focus();
    } else if (e.key === 'Escape') {
      e.stopPropagation();
      this.focus();
    }
  }

  private async _run(cursor?: string): Promise<void> {
    const query = this._query.trim();
    const gen = ++this._generation;
    if (!query) {
      this._status = 'idle';
      this._results = [];
      this._next = undefined;
      return;
    }
    if (!cursor) this._results = [];
    this._status = 'searching';
    try {
      const page = await this.session.search(query, cursor);
      if (gen !== this._generation) return;
      this._results = cursor ? [...this._results, ...page.results] : page.results;
      this._next = page.next;
      this._status = 'done';
    } catch (err) {
      if (gen !== this._generation) return;
      this._status = 'failed';
      this._error = this._explain(err);
    }
  }

  private _explain(err: unknown): string {
    const { t } = this;
    const code = (err as { code?: string }).code;
    if (code === 'too_large') return t.searchTooLong(this.session.maxSearchQuery);
    if (code === 'bad_frame') return t.searchNoWords;
    if (code === 'rate_limited') return t.searchSlowDown;
    return t.searchFailed(err instanceof Error ? err.message : String(err));
  }

  private _more(): void {
    void this._run(this._next);
  }

  private _pick(hit: SearchHit): void {
    this.dispatchEvent(new CustomEvent<SearchHit>('search-pick', { detail: hit, bubbles: true, composed: true }));
  }

  private _close(): void {
    this.dispatchEvent(new CustomEvent('search-close', { bubbles: true, composed: true }));
  }
}

if (!customElements.get('chat-search')) customElements.define('chat-search', ChatSearch);

declare global {
  interface HTMLElementTagNameMap {
    'chat-search': ChatSearch;
  }
}
