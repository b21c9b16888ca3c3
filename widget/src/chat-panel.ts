// The chat panel, loaded on first open so the first load stays small: header, rooms, the message list
// with its scrolling rules, composer, members, guest and rename forms. <chat-widget> renders it inside
// its own shadow root and hands it the session and a few actions; parts are re-exported to the page.
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { RoomEvent } from '@parley/sdk';
import { roomName, type ChatSession, type RoomView } from './chat-session.js';
import type { Catalog } from './i18n.js';
import { closeIcon, downIcon, muteIcon, peopleIcon, sendIcon, soundIcon, userIcon } from './icons.js';
import { renderTimeline } from './message-list.js';
import { panelStyles } from './panel-styles.js';

/** What the panel may ask of the widget that owns it. */
export interface PanelActions {
  close(): void;
  toggleSound(): void;
  /** Signs in as a guest; rejects with a message to show. */
  signIn(name: string): Promise<void>;
  rename(name: string): Promise<void>;
  selectRoom(id: string): void;
}

/** Distance from the bottom (px) that still counts as "at the bottom". */
const BOTTOM_SLACK = 32;
/** Distance from the top (px) at which older history starts loading. */
const TOP_TRIGGER = 80;
const MAX_ROWS = 5;

export class ChatPanel extends LitElement {
  static override styles = panelStyles;

  static override properties = {
    session: { attribute: false },
    actions: { attribute: false },
    t: { attribute: false },
    locale: { attribute: false },
    floating: { attribute: false },
    needGuest: { attribute: false },
    soundOn: { attribute: false },
    showSound: { attribute: false },
    rev: { attribute: false },
    _rows: { state: true },
    _renaming: { state: true },
    _showMembers: { state: true },
    _newBelow: { state: true },
    _announce: { state: true },
    _busy: { state: true },
    _formError: { state: true },
  };

  declare session: ChatSession;
  declare actions: PanelActions;
  declare t: Catalog;
  declare locale: string;
  declare floating: boolean;
  declare needGuest: boolean;
  declare soundOn: boolean;
  declare showSound: boolean;
  /** Bumped by the widget on every session change, so the panel renders again. */
  declare rev: number;
  declare private _rows: number;
  declare private _renaming: boolean;
  declare private _showMembers: boolean;
  declare private _newBelow: number;
  declare private _announce: string;
  declare private _busy: boolean;
  declare private _formError: string;

  /** Whether the message list shows its newest message. */
  atBottom = true;
  private _loadingOlder = false;
  private _lastTop = 0;
  private _renderedFirst: number | undefined;
  private _shownRoom: string | undefined;

  constructor() {
    super();
    this.rev = 0;
    this._rows = 1;
    this._renaming = false;
    this._showMembers = false;
    this._newBelow = 0;
    this._announce = '';
    this._busy = false;
    this._formError = '';
  }

  /** Focuses the first thing to type into. */
  focusFirst(): void {
    (this._part('guest-name') ?? this._part('input'))?.focus();
  }

  /** A message from someone else arrived in `view`: announce it, and count it if scrolled up. */
  noteIncoming(view: RoomView, event: RoomEvent): void {
    if (view.id !== this.session.active) return;
    this._announce = `${event.name}: ${event.body ?? ''}`;
    if (!this.atBottom) this._newBelow++;
  }

  protected override update(changed: PropertyValues<this>): void {
    // Measure the list before Lit touches it, so the view can stick to the bottom or keep its place.
    const list = this._part('messages');
    const before = list && { height: list.scrollHeight, top: list.scrollTop };
    super.update(changed);
    const after = this._part('messages');
    const current = this.session.current;
    // The timeline is mutated in place, so compare with what the previous render showed.
    const first = current?.timeline.firstSeq;
    const grewAbove = first !== this._renderedFirst;
    this._renderedFirst = first;
    if (!after) return;
    if (current?.id !== this._shownRoom || !before || list !== after) {
      this._shownRoom = current?.id;
      this.atBottom = true;
      after.scrollTop = after.scrollHeight;
    } else if (this.atBottom) {
      after.scrollTop = after.scrollHeight;
    } else if (grewAbove) {
      // Older history went in above: keep the messages the reader was looking at in place.
      after.scrollTop = before.top + (after.scrollHeight - before.height);
    }
    // Programmatic scrolls do not always produce a scroll event before the reader's next one.
    this._lastTop = after.scrollTop;
  }

  protected override updated(): void {
    const current = this.session.current;
    if (current) this.session.markRead(current);
  }

  protected override render(): TemplateResult {
    const { session: s, t } = this;
    const view = s.current;
    const title = view ? roomName(view) : t.title;
    const online = view?.members?.filter((m) => m.state !== 'offline').length ?? 0;
    return html`<div class="frame" role=${this.floating ? 'dialog' : 'region'} aria-label=${title} @keydown=${this._onKey}>
      <header part="header">
        <div class="heading">
          <h2>${title}</h2>
          <span part="status" class="status" data-state=${s.status} role="status">${t.status[s.status]}</span>
        </div>
        ${view
          ? html`<button
              part="members-toggle"
              class="icon-btn"
              type="button"
              aria-label=${`${t.members}: ${online} ${t.presence.online}`}
              aria-expanded=${this._showMembers ? 'true' : 'false'}
              aria-controls="members"
              @click=${() => (this._showMembers = !this._showMembers)}
            >
              ${peopleIcon}<span class="count" aria-hidden="true">${online || ''}</span>
            </button>`
          : nothing}
        ${s.user
          ? html`<button part="rename" class="icon-btn" type="button" aria-label=${t.rename} aria-expanded=${this._renaming ? 'true' : 'false'} @click=${this._toggleRename}>
              ${userIcon}
            </button>`
          : nothing}
        ${this.showSound
          ? html`<button part="sound-toggle" class="icon-btn" type="button" aria-label=${t.soundOn} aria-pressed=${this.soundOn ? 'true' : 'false'} @click=${() => this.actions.toggleSound()}>
              ${this.soundOn ? soundIcon : muteIcon}
            </button>`
          : nothing}
        ${this.floating
          ? html`<button part="close" class="icon-btn" type="button" aria-label=${t.closeChat} @click=${() => this.actions.close()}>${closeIcon}</button>`
          : nothing}
      </header>
      ${this._renaming && s.user ? this._renderRename(s.user.name) : nothing}
      ${s.rooms.size && !this.needGuest ? this._renderRooms() : nothing}
      <div class="main">
        ${this.needGuest ? this._renderGuest() : view ? this._renderRoom(view) : html`<p class="empty">${t.status[s.status]}</p>`}
      </div>
      ${view && !this.needGuest ? this._renderComposer() : nothing}
      <div class="sr-only" aria-live="polite">${this._announce}</div>
    </div>`;
  }

  private _renderRooms(): TemplateResult {
    const { session: s, t } = this;
    return html`<nav part="room-list" class="rooms" aria-label=${t.rooms}>
      ${[...s.rooms.values()].map(
        (r) => html`<button
          part="room"
          class="room"
          type="button"
          data-room=${r.id}
          aria-current=${r.id === s.active ? 'true' : 'false'}
          aria-label=${r.unread ? `${roomName(r)} (${t.unread(r.unread)})` : roomName(r)}
          @click=${() => this._selectRoom(r.id)}
        >
          <span>${roomName(r)}</span>
          ${r.unread ? html`<span part="room-unread" class="room-unread" aria-hidden="true">${r.unread}</span>` : nothing}
        </button>`,
      )}
    </nav>`;
  }

  private _renderRoom(view: RoomView): TemplateResult {
    const { session: s, t } = this;
    const tl = view.timeline;
    const typing = [...view.typing.entries()].filter(([id]) => id !== s.user?.id).map(([, name]) => name);
    return html`<div part="messages" class="messages" role="log" aria-live="off" aria-label=${t.messagesLabel} tabindex="0" @scroll=${this._onScroll}>
        ${tl.loaded && tl.more ? html`<div class="older">${this._loadingOlder ? t.loadingOlder : ''}</div>` : nothing}
        ${tl.loaded && !tl.events.length && !tl.pending.length ? html`<p class="empty">${t.noMessages}</p>` : nothing}
        ${renderTimeline(tl, { self: s.user?.id, t, lang: this.locale, retry: (entry) => void s.retry(view, entry).catch(() => {}) })}
      </div>
      ${this._newBelow > 0
        ? html`<button part="new-messages" class="jump" type="button" @click=${this._jumpToLatest}>${downIcon}${t.newMessages} (${this._newBelow})</button>`
        : nothing}
      <div class="typing">${typing.length ? html`<span part="typing">${t.typing(typing)}</span>` : nothing}</div>
      <div id="members" class="members" ?hidden=${!this._showMembers}>
        <h3 id="members-title">${t.members}</h3>
        <ul part="members" aria-labelledby="members-title">
          ${(view.members ?? []).map(
            (m) => html`<li part="member" class="member" data-user=${m.user} data-presence=${m.state}>
              <span class="dot" data-presence=${m.state}></span>
              <span class="name">${m.user === s.user?.id ? `${m.name} (${t.you})` : m.name || m.user}</span>
              <small>${t.presence[m.state]}</small>
            </li>`,
          )}
        </ul>
      </div>`;
  }

  private _renderComposer(): TemplateResult {
    const { t } = this;
    return html`<form part="composer" class="composer" @submit=${this._onSubmit}>
      <textarea
        part="input"
        rows=${this._rows}
        maxlength="4000"
        aria-label=${t.messagePlaceholder}
        placeholder=${t.messagePlaceholder}
        @keydown=${this._onInputKey}
        @input=${this._onInput}
        @blur=${() => this.session.typing(false)}
      ></textarea>
      <button part="send" class="send" type="submit" aria-label=${t.send}>${sendIcon}</button>
    </form>`;
  }

  private _renderGuest(): TemplateResult {
    const { t } = this;
    return html`<form part="guest-form" class="guest" @submit=${this._onGuestSubmit}>
      <p>${t.guestPrompt}</p>
      <label for="guest-name">${t.guestName}</label>
      <input part="guest-name" id="guest-name" name="name" required maxlength="64" autocomplete="nickname" />
      ${this._formError ? html`<p class="error" role="alert">${this._formError}</p>` : nothing}
      <button part="guest-submit" class="primary" type="submit" ?disabled=${this._busy}>${t.guestSubmit}</button>
    </form>`;
  }

  private _renderRename(name: string): TemplateResult {
    const { t } = this;
    return html`<form class="sheet" @submit=${this._onRename}>
      <label for="rename-input">${t.renameLabel}</label>
      <input id="rename-input" name="name" required maxlength="64" .value=${name} />
      ${this._formError ? html`<p class="error" role="alert">${this._formError}</p>` : nothing}
      <div class="row">
        <button class="primary" type="submit" ?disabled=${this._busy}>${t.save}</button>
        <button class="secondary" type="button" @click=${this._toggleRename}>${t.cancel}</button>
      </div>
    </form>`;
  }

  private async _onGuestSubmit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const name = this._part<HTMLInputElement>('guest-name')?.value.trim();
    if (name) await this._runForm(() => this.actions.signIn(name));
  }

  private async _onRename(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const name = (e.target as HTMLFormElement).querySelector('input')?.value.trim();
    if (!name) return;
    if (await this._runForm(() => this.actions.rename(name))) this._renaming = false;
  }

  /** Runs a form's action with the button disabled; shows the failure message under the form. */
  private async _runForm(action: () => Promise<void>): Promise<boolean> {
    this._busy = true;
    this._formError = '';
    try {
      await action();
      return true;
    } catch (err) {
      this._formError = (err as Error).message;
      return false;
    } finally {
      this._busy = false;
    }
  }

  private _toggleRename(): void {
    this._renaming = !this._renaming;
    this._formError = '';
    if (this._renaming) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#rename-input')?.focus());
  }

  private _onKey(e: KeyboardEvent): void {
    if (e.key !== 'Escape' || !this.floating) return;
    e.stopPropagation();
    if (this._renaming) this._toggleRename();
    else this.actions.close();
  }

  private _onInputKey(e: KeyboardEvent): void {
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    this._submitDraft();
  }

  private _onInput(e: InputEvent): void {
    const area = e.target as HTMLTextAreaElement;
    this._rows = Math.min(MAX_ROWS, area.value.split('\n').length);
    this.session.typing(area.value.trim().length > 0);
  }

  private _onSubmit(e: SubmitEvent): void {
    e.preventDefault();
    this._submitDraft();
  }

  private _submitDraft(): void {
    const area = this._part<HTMLTextAreaElement>('input');
    if (!area || !area.value.trim()) return;
    const text = area.value;
    area.value = '';
    this._rows = 1;
    this.atBottom = true;
    this.session.typing(false);
    // A failure shows on the message itself (with Retry); chat-error tells the host.
    this.session.send(text).catch(() => {});
  }

  private _selectRoom(id: string): void {
    this._newBelow = 0;
    this.actions.selectRoom(id);
  }

  private _onScroll(e: Event): void {
    const el = e.target as HTMLElement;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK;
    if (atBottom !== this.atBottom) {
      this.atBottom = atBottom;
      if (atBottom) this._newBelow = 0;
      this.requestUpdate();
    }
    // Only a reader moving up asks for history: layout settling or new content may also fire scroll.
    const up = el.scrollTop < this._lastTop;
    this._lastTop = el.scrollTop;
    const view = this.session.current;
    if (up && el.scrollTop < TOP_TRIGGER && view && view.timeline.more && !this._loadingOlder) {
      this._loadingOlder = true;
      this.requestUpdate();
      void this.session
        .loadOlder(view)
        .catch(() => false)
        .finally(() => {
          this._loadingOlder = false;
          this.requestUpdate();
        });
    }
  }

  private _jumpToLatest(): void {
    const list = this._part('messages');
    this.atBottom = true;
    this._newBelow = 0;
    if (list) list.scrollTop = list.scrollHeight;
    this._part('input')?.focus();
  }

  private _part<T extends HTMLElement = HTMLElement>(name: string): T | null {
    return this.renderRoot?.querySelector<T>(`[part~="${name}"]`) ?? null;
  }
}

if (!customElements.get('parley-chat-panel')) customElements.define('parley-chat-panel', ChatPanel);

declare global {
  interface HTMLElementTagNameMap {
    'parley-chat-panel': ChatPanel;
  }
}
