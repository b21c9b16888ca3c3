// The emoji picker and the `:shortcode:` lookups, a lazy chunk. Data and search come from the
// `emoji-picker-element` database (IndexedDB, fed from the Parley server's /emoji/<lang>.json); the
// picker itself is a Lit element, since that package's own element needs inline styles a strict CSP forbids.
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import Database from 'emoji-picker-element/database.js';
import type { NativeEmoji } from 'emoji-picker-element/shared.js';
import type { EmojiWords } from './i18n.js';

/** The categories shown, in order (emojibase group numbers; 2 holds the skin-tone components). */
const GROUPS = [0, 1, 3, 4, 5, 6, 7, 8, 9] as const;
/** A category's button shows one of its emoji. */
const GROUP_ICONS: Record<number, string> = { 0: '😀', 1: '👋', 3: '🐱', 4: '🍎', 5: '🏠', 6: '⚽', 7: '💡', 8: '❤️', 9: '🏁' };
const COLUMNS = 8;
const RECENT = 16;
/** Most suggestions in the `:shortcode:` list. */
const MAX_SUGGESTIONS = 6;

const databases = new Map<string, Database>();

/** The emoji database for `lang` fed from `server`; one per page and data file. */
export function emojiDatabase(server: string, lang: string): Database {
  const file = lang.toLowerCase().startsWith('pt') ? 'pt' : 'en';
  const url = new URL(`/emoji/${file}.json`, server).href;
  let db = databases.get(url);
  if (!db) {
    db = new Database({ dataSource: url, locale: `parley-${file}` });
    databases.set(url, db);
  }
  return db;
}

/** An emoji as it would be inserted: the reader's skin tone where it has one. */
export function withTone(e: NativeEmoji, tone: number): string {
  return (tone && e.skins?.find((s) => s.tone === tone)?.unicode) || e.unicode;
}

/** A suggestion of the `:shortcode:` list: the emoji and the shortcode that matched. */
export interface Suggestion {
  emoji: string;
  shortcode: string;
}

/** Emoji whose shortcode starts with `query` (then contains it), in the reader's skin tone. */
export async function suggestShortcodes(db: Database, query: string): Promise<Suggestion[]> {
  const q = query.toLowerCase();
  const [found, tone] = await Promise.all([db.getEmojiBySearchQuery(q), db.getPreferredSkinTone()]);
  const scored: Array<Suggestion & { score: number }> = [];
  for (const e of found as NativeEmoji[]) {
    const codes = e.shortcodes ?? [];
    const shortcode = codes.find((c) => c.startsWith(q)) ?? codes.find((c) => c.includes(q));
    if (shortcode) scored.push({ emoji: withTone(e, tone), shortcode, score: shortcode === q ? 0 : shortcode.startsWith(q) ? 1 : 2 });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.shortcode.length - b.shortcode.length)
    .slice(0, MAX_SUGGESTIONS)
    .map(({ emoji, shortcode }) => ({ emoji, shortcode }));
}

/** The emoji of a complete `:shortcode:`, in the reader's skin tone, or undefined. */
export async function emojiFor(db: Database, shortcode: string): Promise<string | undefined> {
  const [e, tone] = await Promise.all([db.getEmojiByShortcode(shortcode.toLowerCase()), db.getPreferredSkinTone()]);
  return e && 'unicode' in e ? withTone(e, tone) : undefined;
}

/** Counts a use of `emoji`, for the picker's recently used row. */
export function noteUse(db: Database, emoji: string): void {
  void db.incrementFavoriteEmojiCount(emoji).catch(() => {});
}

/**
 * The picker: search, skin tone, recently used, categories and a grid moved through with the arrow
 * keys. Focus starts in the search field; Escape closes.
 *
 * @fires emoji-pick - `{ emoji }`, the emoji chosen (with the chosen skin tone)
 * @fires emoji-close - the reader closed the picker (Escape)
 */
export class EmojiPicker extends LitElement {
  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      gap: 6px;
      padding: 8px;
      width: 100%;
      box-sizing: border-box;
      max-height: 280px;
      background: var(--_bg, #fff);
      color: var(--_fg, #111);
      border: 1px solid var(--_border, #ccc);
      border-radius: 12px;
      box-shadow: 0 6px 24px rgb(0 0 0 / 0.18);
      font: inherit;
    }
    .top {
      display: flex;
      gap: 6px;
    }
    input,
    select {
      font: inherit;
      font-size: 0.9em;
      min-width: 0;
      padding: 4px 8px;
      border: 1px solid var(--_border, #ccc);
      border-radius: 8px;
      background: transparent;
      color: inherit;
    }
    input {
      flex: 1;
    }
    .groups {
      display: flex;
      justify-content: space-between;
    }
    .groups button,
    .grid button {
      font-size: 1.25em;
      line-height: 1;
      padding: 4px;
      border: 0;
      border-radius: 6px;
      background: transparent;
      cursor: pointer;
    }
    .groups button[aria-pressed='true'] {
      background: color-mix(in srgb, var(--_accent, #2563eb) 18%, transparent);
    }
    button:focus-visible,
    input:focus-visible,
    select:focus-visible {
      outline: 2px solid var(--_accent, #2563eb);
      outline-offset: 1px;
    }
    .grid button:hover {
      background: color-mix(in srgb, currentColor 10%, transparent);
    }
    .scroll {
      overflow-y: auto;
      min-height: 0;
      flex: 1;
    }
    .label {
      margin: 4px 2px;
      font-size: 0.75em;
      font-weight: 600;
      color: var(--_muted, #666);
    }
    .grid {
      display: grid;
      grid-template-columns: repeat(${COLUMNS}, 1fr);
    }
    .note {
      margin: 8px 2px;
      font-size: 0.85em;
      color: var(--_muted, #666);
    }
  `;

  static override properties = {
    db: { attribute: false },
    words: { attribute: false },
    _group: { state: true },
    _query: { state: true },
    _tone: { state: true },
    _emoji: { state: true },
    _recent: { state: true },
    _state: { state: true },
    _active: { state: true },
  };

  declare db: Database;
  declare words: EmojiWords;
  declare private _group: number;
  declare private _query: string;
  declare private _tone: number;
  declare private _emoji: NativeEmoji[];
  declare private _recent: NativeEmoji[];
  declare private _state: 'loading' | 'ready' | 'failed';
  /** Index of the grid button that takes Tab focus (roving tabindex). */
  declare private _active: number;
  /** Bumped per lookup, so an answer to an older query is dropped. */
  private _lookup = 0;

  constructor() {
    super();
    this._group = 0;
    this._query = '';
    this._tone = 0;
    this._emoji = [];
    this._recent = [];
    this._state = 'loading';
    this._active = 0;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this._init();
  }

  /** Moves focus to the search field. */
  override focus(): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector('input')?.focus());
  }

  private async _init(): Promise<void> {
    try {
      await this.db.ready();
      const [tone, recent] = await Promise.all([this.db.getPreferredSkinTone(), this.db.getTopFavoriteEmoji(RECENT)]);
      this._tone = tone;
      this._recent = recent.filter((e): e is NativeEmoji => 'unicode' in e);
      this._state = 'ready';
      await this._load();
    } catch {
      this._state = 'failed';
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('_query' as keyof EmojiPicker) || changed.has('_group' as keyof EmojiPicker)) this._active = 0;
  }

  private async _load(): Promise<void> {
    const n = ++this._lookup;
    const q = this._query.trim();
    const found = (q ? await this.db.getEmojiBySearchQuery(q) : await this.db.getEmojiByGroup(this._group)).filter((e): e is NativeEmoji => 'unicode' in e);
    if (n === this._lookup) this._emoji = found;
  }

  protected override render(): TemplateResult {
    const w = this.words;
    const searching = this._query.trim() !== '';
    return html`<div class="top">
        <input type="search" aria-label=${w.search} placeholder=${w.search} .value=${this._query} @input=${this._onSearch} @keydown=${this._onSearchKey} />
        <select aria-label=${w.skinTone} .value=${String(this._tone)} @change=${this._onTone}>
          ${w.tones.map((name, tone) => html`<option value=${tone} ?selected=${tone === this._tone}>${['✋', '✋🏻', '✋🏼', '✋🏽', '✋🏾', '✋🏿'][tone]} ${name}</option>`)}
        </select>
      </div>
      <div class="groups" role="group" aria-label=${w.picker}>
        ${GROUPS.map(
          (g) => html`<button type="button" aria-label=${w.groups[g] ?? ''} title=${w.groups[g] ?? ''} aria-pressed=${!searching && g === this._group ? 'true' : 'false'} @click=${() => this._showGroup(g)}>
            ${GROUP_ICONS[g]}
          </button>`,
        )}
      </div>
      <div class="scroll" @keydown=${this._onGridKey}>
        ${this._state === 'loading'
          ? html`<p class="note" role="status">${w.loading}</p>`
          : this._state === 'failed'
            ? html`<p class="note" role="alert">${w.failed}</p>`
            : html`${!searching && this._recent.length ? this._grid(w.recent, this._recent, 0) : nothing}
              ${this._emoji.length
                ? this._grid(searching ? w.search : (w.groups[this._group] ?? ''), this._emoji, !searching ? this._recent.length : 0)
                : html`<p class="note" role="status">${w.none}</p>`}`}
      </div>`;
  }

  /** One labelled grid of emoji; `offset` numbers its buttons after the grids above it. */
  private _grid(label: string, list: NativeEmoji[], offset: number): TemplateResult {
    // Not a heading: the picker sits inside the panel's outline, and the group's own label says it.
    return html`<div class="label" aria-hidden="true">${label}</div>
      <div class="grid" role="group" aria-label=${label}>
        ${list.map((e, i) => {
          const emoji = withTone(e, this._tone);
          return html`<button type="button" data-emoji=${emoji} data-index=${offset + i} tabindex=${offset + i === this._active ? '0' : '-1'} aria-label=${e.annotation} title=${`${e.annotation}${e.shortcodes?.[0] ? ` :${e.shortcodes[0]}:` : ''}`} @click=${() => this._pick(e)}>
            ${emoji}
          </button>`;
        })}
      </div>`;
  }

  private _pick(e: NativeEmoji): void {
    noteUse(this.db, e.unicode);
    this.dispatchEvent(new CustomEvent('emoji-pick', { detail: { emoji: withTone(e, this._tone) }, bubbles: true, composed: true }));
  }

  private _showGroup(g: number): void {
    this._group = g;
    this._query = '';
    void this._load();
  }

  private _onSearch(e: InputEvent): void {
    this._query = (e.target as HTMLInputElement).value;
    void this._load();
  }

  private _onTone(e: Event): void {
    this._tone = Number((e.target as HTMLSelectElement).value);
    void this.db.setPreferredSkinTone(this._tone).catch(() => {});
  }

  private _onSearchKey(e: KeyboardEvent): void {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      this._focusCell(0);
    } else if (e.key === 'Enter') {
      // Enter in the search picks the first match, as in most pickers.
      e.preventDefault();
      this.renderRoot.querySelector<HTMLButtonElement>('.grid button')?.click();
    } else this._maybeClose(e);
  }

  /** Arrow keys move through the emoji (rows of COLUMNS), Home/End to the ends; up from the top row goes back to the search. */
  private _onGridKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    if (this._maybeClose(e) || !target.matches('.grid button')) return;
    const i = Number(target.dataset.index);
    const last = this.renderRoot.querySelectorAll('.grid button').length - 1;
    const step: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS };
    let next: number | undefined;
    if (e.key in step) next = i + step[e.key]!;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = last;
    if (next === undefined) return;
    e.preventDefault();
    if (next < 0) this.renderRoot.querySelector('input')?.focus();
    else this._focusCell(Math.min(next, last));
  }

  private _focusCell(i: number): void {
    this._active = i;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`.grid button[data-index="${i}"]`)?.focus());
  }

  private _maybeClose(e: KeyboardEvent): boolean {
    if (e.key !== 'Escape') return false;
    e.preventDefault();
    e.stopPropagation();
    this.dispatchEvent(new CustomEvent('emoji-close', { bubbles: true, composed: true }));
    return true;
  }
}

if (!customElements.get('parley-emoji-picker')) customElements.define('parley-emoji-picker', EmojiPicker);

declare global {
  interface HTMLElementTagNameMap {
    'parley-emoji-picker': EmojiPicker;
  }
}
