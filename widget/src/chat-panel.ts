// The chat panel, loaded on first open so the first load stays small: header, rooms, the message list
// with its scrolling rules and message actions, a thread view, composer (replies, mentions), members,
// guest and rename forms. <chat-widget> renders it inside its own shadow root and hands it the session
// and a few actions; parts are re-exported to the page.
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { ActTarget, Attachment, Member, MessageAction, MessageView as Message, RoomEvent } from '@parley/sdk';
import type { SearchHit } from '@parley/sdk';
import type { ChatSession, RoomView, ThreadView } from './chat-session.js';
import type { PendingMessage, Timeline } from './timeline.js';
import { roomName } from './room-name.js';
import { messageText } from './format.js';
import { LANGS, type Catalog } from './i18n.js';
import type { Lang } from './lang.js';
import { bellIcon, clipIcon, closeIcon, downIcon, muteIcon, peopleIcon, phoneIcon, searchIcon, sendIcon, soundIcon, userIcon, videoIcon } from './icons.js';
import type { MessageUi, RichRenderer } from './message-actions.js';
import { renderAuthorBadge, renderTimeline } from './message-list.js';
import type { ReceiptContext } from './receipt-line.js';
import { messageStyles } from './message-styles.js';
import type { CommandState } from './commands.js';
import { insertMention, mentionEntities, mentionQuery, suggest, type MentionQuery, type Picked } from './mentions.js';
import { panelStyles } from './panel-styles.js';
import { insertAt, insertShortcode, sameEmoji, shortcodeQuery, type ShortcodeQuery } from './shortcodes.js';
import { QUICK_REACTIONS } from './message-actions.js';

type EmojiChunk = typeof import('./emoji-picker.js');
type VoiceRecording = import('./voice-recorder.js').VoiceRecording;
type UploadTray = import('./upload-tray.js').UploadTray;
type Suggestion = import('./emoji-picker.js').Suggestion;

/** What the panel may ask of the widget that owns it. */
export interface PanelActions {
  close(): void;
  toggleSound(): void;
  /** Signs in as a guest; rejects with the server's `code` and reason. */
  signIn(name: string): Promise<void>;
  rename(name: string): Promise<void>;
  selectRoom(id: string): void;
  /** Calls the other members of `room` (feature `calls`). */
  call(room: string, video: boolean): void;
}

/** Distance from the bottom (px) that still counts as "at the bottom". */
const BOTTOM_SLACK = 32;
/** Distance from the top (px) at which older history starts loading. */
const TOP_TRIGGER = 80;
const MAX_ROWS = 5;
/** The composer shows its character counter from this share of the server's limit on. */
const COUNTER_FROM = 0.9;
/** Longest name (characters) the one-line typing indicator shows whole, so "is typing…" stays visible. */
const TYPING_NAME = 24;

function shorten(name: string): string {
  const chars = [...name];
  return chars.length > TYPING_NAME ? `${chars.slice(0, TYPING_NAME - 1).join('')}…` : name;
}

export class ChatPanel extends LitElement {
  static override styles = [panelStyles, messageStyles];

  static override properties = {
    session: { attribute: false },
    actions: { attribute: false },
    locale: { attribute: false },
    floating: { attribute: false },
    needGuest: { attribute: false },
    soundOn: { attribute: false },
    showSound: { attribute: false },
    markdown: { attribute: false },
    emoji: { attribute: false },
    server: { attribute: false },
    _emojiChunk: { state: true },
    _pickerFor: { state: true },
    _shortcode: { state: true },
    _shortcodes: { state: true },
    _shortcodeIndex: { state: true },
    rev: { attribute: false },
    _rich: { state: true },
    pushWorker: { attribute: false },
    _showNotify: { state: true },
    _callMenu: { state: true },
    _lazyLoaded: { state: true },
    _tray: { state: true },
    _dropping: { state: true },
    _rows: { state: true },
    _renaming: { state: true },
    _showMembers: { state: true },
    _newBelow: { state: true },
    _announce: { state: true },
    _busy: { state: true },
    _formError: { state: true },
    _length: { state: true },
    _refusal: { state: true },
    _menu: { state: true },
    _editing: { state: true },
    _confirming: { state: true },
    _actionError: { state: true },
    _notice: { state: true },
    _replyTo: { state: true },
    _mention: { state: true },
    _mentionIndex: { state: true },
    _searching: { state: true },
    _found: { state: true },
    _cmd: { state: true },
    _cmdIndex: { state: true },
    _recording: { state: true },
  };

  declare session: ChatSession;
  declare actions: PanelActions;
  declare locale: Lang;
  declare floating: boolean;
  declare needGuest: boolean;
  declare soundOn: boolean;
  declare showSound: boolean;
  /** Render bodies as markdown (the rich-text chunk is fetched on first render). */
  declare markdown: boolean;
  /** Offer the emoji picker and `:shortcode:` completion. */
  declare emoji: boolean;
  /** The Parley server's base URL, where the emoji data is (`/emoji/<lang>.json`). */
  declare server: string;
  /** URL of the Web Push service worker on the page's origin. */
  declare pushWorker: string;
  declare private _showNotify: boolean;
  /** The header's call menu is open. */
  declare private _callMenu: boolean;
  /** Lazy parts (notification settings, link cards) loaded so far; a change renders again. */
  declare private _lazyLoaded: number;
  /** The upload tray is shown (files were picked, pasted or dropped). */
  declare private _tray: boolean;
  /** Files are dragged over the panel. */
  declare private _dropping: boolean;
  private readonly _lazy = new Map<string, Promise<unknown>>();
  /** Bumped by the widget on every session change, so the panel renders again. */
  declare rev: number;
  /** The emoji chunk (picker and shortcode lookups), once loaded. */
  declare private _emojiChunk: EmojiChunk | undefined;
  /** Where the open picker's emoji goes: the composer, or a reaction to message `seq`. */
  declare private _pickerFor: 'composer' | number | undefined;
  /** The `:shortcode` being typed, while emoji match it. */
  declare private _shortcode: ShortcodeQuery | undefined;
  declare private _shortcodes: Suggestion[];
  declare private _shortcodeIndex: number;
  private _emojiLoad: Promise<EmojiChunk> | undefined;
  /** Bumped per shortcode lookup, so an answer about older text is dropped. */
  private _shortcodeLookup = 0;
  /** The composer's selection when the picker opened: where a picked emoji goes. */
  private _pickerCaret: [number, number] = [0, 0];
  /** The rich-text renderer once its chunk has loaded; bodies are plain text until then. */
  declare private _rich: RichRenderer | undefined;
  private _richLoad: Promise<unknown> | undefined;
  declare private _rows: number;
  declare private _renaming: boolean;
  declare private _showMembers: boolean;
  declare private _newBelow: number;
  declare private _announce: string;
  declare private _busy: boolean;
  declare private _formError: string;
  /** Length of the draft in UTF-16 code units, the unit of `welcome.limits.maxBody`. */
  declare private _length: number;
  /** Why the draft was not sent (too long), until it is edited back within the limit. */
  declare private _refusal: string;
  /** Seq of the message whose actions menu is open. */
  declare private _menu: number | undefined;
  declare private _editing: number | undefined;
  declare private _confirming: number | undefined;
  declare private _actionError: string;
  /** A short acknowledgement (a report sent, a moderator action done), announced politely. */
  declare private _notice: string;
  /** Seq of the message the draft replies to (shown quoted above the composer). */
  declare private _replyTo: number | undefined;
  /** The `@` being typed in the composer, while members match it. */
  declare private _mention: MentionQuery | undefined;
  declare private _mentionIndex: number;
  /** The search view is open (its chunk loaded). */
  declare private _searching: boolean;
  /**
   * The message a search result led to: highlighted once rendered; with `timeline`, the page around
   * it shown in place of the room's live list (it was too far back to join it).
   */
  declare private _found: { room: string; seq: number; timeline: Timeline | undefined } | undefined;
  private _foundPending = false;
  /** What the `/` autocomplete shows for the draft (bot commands), once its chunk is loaded. */
  declare private _cmd: CommandState | undefined;
  declare private _cmdIndex: number;
  /** The `/` autocomplete's code, loaded the first time a draft starts with `/`. */
  private _commands: typeof import('./commands.js') | undefined;
  /** Escape closed the `/` list: it stays closed until the draft changes. */
  private _cmdDismissed = '';
  /** Members picked into the draft by the `@` list, turned into mention entities on send. */
  private _picked: Picked[] = [];
  /** A voice message is being recorded: the recorder takes the composer's place. */
  declare private _recording: boolean;
  /** Run after the next render: where focus goes once the element it needs exists. */
  private _focusNext: (() => HTMLElement | null | undefined) | undefined;

  get t(): Catalog {
    return LANGS[this.locale] ?? LANGS.en;
  }

  /** Whether the message list shows its newest message. */
  atBottom = true;
  private _loadingOlder = false;
  private _lastTop = 0;
  private _renderedFirst: number | undefined;
  private _shownRoom: string | undefined;
  /** The next render scrolls to the newest message even if the reader was up in the history (they just sent). */
  private _pinNext = false;
  /** Focus was asked for before there was anything to type into (signing in, connecting). */
  private _focusPending = false;

  constructor() {
    super();
    this.rev = 0;
    this.markdown = true;
    this.emoji = true;
    this.server = '';
    this._rich = undefined;
    this._emojiChunk = undefined;
    this._pickerFor = undefined;
    this._shortcode = undefined;
    this._shortcodes = [];
    this._shortcodeIndex = 0;
    this._rows = 1;
    this._renaming = false;
    this._showMembers = false;
    this._showNotify = false;
    this._callMenu = false;
    this._lazyLoaded = 0;
    this.pushWorker = '/parley-sw.js';
    this._newBelow = 0;
    this._announce = '';
    this._busy = false;
    this._formError = '';
    this._length = 0;
    this._refusal = '';
    this._menu = undefined;
    this._editing = undefined;
    this._confirming = undefined;
    this._actionError = '';
    this._notice = '';
    this._replyTo = undefined;
    this._mention = undefined;
    this._mentionIndex = 0;
    this._cmd = undefined;
    this._cmdIndex = 0;
    this._recording = false;
  }

  /** Focuses the first thing to type into; if there is none yet, holds focus in the panel until it renders. */
  focusFirst(): void {
    const target = this._part('guest-name') ?? this._part('input');
    this._focusPending = !target;
    (target ?? this.renderRoot.querySelector<HTMLElement>('.frame'))?.focus();
  }

  /** A message from someone else arrived in `view`: announce it, and count it if scrolled up. */
  noteIncoming(view: RoomView, event: RoomEvent): void {
    if (view.id !== this.session.active) return;
    this._announce = `${event.name}: ${messageText(event, this.t)}`;
    if (!this.atBottom) this._newBelow++;
  }

  protected override willUpdate(): void {
    // A failed load leaves messages as plain text; the next render tries again.
    if (this.markdown && !this._rich && !this._richLoad) {
      this._richLoad = import('./rich-text.js').then(
        (m) => (this._rich = m.renderRich),
        () => (this._richLoad = undefined),
      );
    }
  }

  protected override update(changed: PropertyValues<this>): void {
    // Measure the list before Lit touches it, so the view can stick to the bottom or keep its place.
    const list = this._part('messages');
    const before = list && { height: list.scrollHeight, top: list.scrollTop, end: list.scrollHeight - list.scrollTop - list.clientHeight <= BOTTOM_SLACK };
    const pin = this._pinNext;
    this._pinNext = false;
    super.update(changed);
    const after = this._part('messages');
    const current = this.session.current;
    // The timeline is mutated in place, so compare with what the previous render showed.
    const first = (this.session.thread?.timeline ?? current?.timeline)?.firstSeq;
    const grewAbove = first !== this._renderedFirst;
    this._renderedFirst = first;
    if (!after) return;
    let top: number | undefined;
    const shown = this.session.thread ? `${current?.id}#${this.session.thread.root}` : current?.id;
    if (shown !== this._shownRoom || !before || list !== after) {
      this._shownRoom = shown;
      this.atBottom = true;
      top = after.scrollHeight;
    } else if (pin || (this.atBottom && before.end)) {
      // `atBottom` alone is not enough: a reader's scroll whose event has not fired yet must not be undone.
      top = after.scrollHeight;
    } else if (grewAbove) {
      // Older history went in above: keep the messages the reader was looking at in place.
      top = before.top + (after.scrollHeight - before.height);
    }
    if (top === undefined) return;
    after.scrollTop = top;
    // Programmatic scrolls do not always produce a scroll event before the reader's next one.
    this._lastTop = after.scrollTop;
  }

  protected override updated(): void {
    if (this._foundPending && this._found) this._showFound(this._found.seq);
    if (this._focusNext) {
      const target = this._focusNext();
      this._focusNext = undefined;
      target?.focus();
    }
    const current = this.session.current;
    if (current) this.session.markRead(current);
    if (this._focusPending && (this._part('guest-name') ?? this._part('input'))) {
      // Only while focus is still where focusFirst() left it: a reader who moved on keeps their place.
      const active = document.activeElement;
      if (!active || active === document.body || active === (this.getRootNode() as ShadowRoot).host) this.focusFirst();
      else this._focusPending = false;
    }
  }

  protected override render(): TemplateResult {
    const { session: s, t } = this;
    const view = s.current;
    const title = view ? roomName(view) : t.title;
    const online = view?.members?.filter((m) => m.state !== 'offline').length ?? 0;
    // Before sign-in nothing is offline: the visitor simply has not picked a name yet.
    const state = this.needGuest ? 'signed-out' : s.status;
    // A div, not <header>: inside the page that would be a second `banner` landmark.
    return html`<div
      class="frame ${this._dropping ? 'dropping' : ''}"
      role=${this.floating ? 'dialog' : 'region'}
      aria-label=${title}
      tabindex="-1"
      @keydown=${this._onKey}
      @dragover=${this._onDragOver}
      @dragleave=${this._onDragLeave}
      @drop=${this._onDrop}
    >
      ${this._dropping ? html`<div part="drop-zone" class="drop-zone" aria-hidden="true">${t.files.dropHere}</div>` : nothing}
      <div part="header" class="header">
        <div class="heading">
          <h2 title=${title}>${title}</h2>
          <span part="status" class="status" data-state=${state} role="status">${t.status[state]}</span>
        </div>
        ${view && s.canCall(view) ? this._renderCallMenu(view.id) : nothing}
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
        ${s.features.has('notify_settings') || s.features.has('push')
          ? html`<button part="notify-toggle" class="icon-btn" type="button" aria-label=${t.notify.title} aria-expanded=${this._showNotify ? 'true' : 'false'} @click=${this._toggleNotify}>
              ${bellIcon}
            </button>`
          : nothing}
        ${s.user && s.features.has('search')
          ? html`<button part="search-toggle" class="icon-btn" type="button" aria-label=${t.search} aria-expanded=${this._searching ? 'true' : 'false'} @click=${this._toggleSearch}>
              ${searchIcon}
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
      </div>
      ${this._renaming && s.user ? this._renderRename(s.user.name) : nothing}
      ${this._showNotify && this._lazy.has('notify') && customElements.get('parley-notify-settings')
        ? html`<parley-notify-settings part="notify-settings" .session=${s} .room=${s.active} .t=${t} .worker=${this.pushWorker} .rev=${this.rev}></parley-notify-settings>`
        : nothing}
      ${s.rooms.size && !this.needGuest ? this._renderRooms() : nothing}
      <div class="main">
        ${this.needGuest
          ? this._renderGuest()
          : this._searching
            ? html`<chat-search part="search" exportparts="search-input, search-results, search-result, search-match, search-more, search-status" .session=${s} .t=${t} .lang=${this.locale} @search-pick=${this._onPick} @search-close=${this._closeSearch}></chat-search>`
          : view && this._found?.timeline && this._found.room === view.id
            ? this._renderFound(view, this._found.timeline)
          : view && s.thread?.room === view
            ? this._renderThread(view, s.thread)
            : view
            ? this._renderRoom(view)
            : s.unavailable
              ? html`<p class="empty" role="alert">${t.roomUnavailable(s.unavailable)}</p>`
              : html`<p class="empty">${s.status === 'connected' ? t.noRoom : t.status[s.status]}</p>`}
      </div>
      ${view && !this.needGuest && !this._searching ? this._renderComposer() : nothing}
      <div class="sr-only" aria-live="polite">${this._announce}</div>
    </div>`;
  }

  /** One header button for calls (the header has little room), opening a menu: voice or video. */
  private _renderCallMenu(room: string): TemplateResult {
    const { t } = this;
    const pick = (video: boolean) => () => {
      this._callMenu = false;
      this.actions.call(room, video);
    };
    return html`<div class="call-menu-wrap" @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && this._callMenu && (e.stopPropagation(), (this._callMenu = false))}>
      <button part="call" class="icon-btn" type="button" aria-label=${t.calls.menu} title=${t.calls.menu} aria-haspopup="menu" aria-expanded=${this._callMenu ? 'true' : 'false'} @click=${this._toggleCallMenu}>${phoneIcon}</button>
      ${this._callMenu
        ? html`<div class="call-menu" role="menu" aria-label=${t.calls.menu}>
            <button part="call-audio" role="menuitem" type="button" @click=${pick(false)}>${phoneIcon}<span>${t.calls.audio}</span></button>
            <button part="call-video" role="menuitem" type="button" @click=${pick(true)}>${videoIcon}<span>${t.calls.video}</span></button>
          </div>`
        : nothing}
    </div>`;
  }

  private _toggleCallMenu(): void {
    this._callMenu = !this._callMenu;
    if (this._callMenu) void this.updateComplete.then(() => (this.renderRoot.querySelector('[part~="call-audio"]') as HTMLElement | null)?.focus());
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
          <span class="room-name" title=${roomName(r)}>${roomName(r)}</span>
          ${r.unread ? html`<span part="room-unread" class="room-unread" aria-hidden="true">${r.unread}</span>` : nothing}
        </button>`,
      )}
    </nav>`;
  }

  /** The read receipts of a direct or small room; none where the server shares none. */
  private _receipts(view: RoomView): ReceiptContext | undefined {
    const receipts = this.session.receiptsOf(view);
    if (!receipts) return undefined;
    const names = new Map((view.members ?? []).map((m) => [m.user, m.name] as const));
    return { direct: view.summary?.kind === 'dm', receipts, name: (user) => names.get(user) || user };
  }

  /** Loads a lazy part of the panel once, then renders again. */
  private _load(name: string, load: () => Promise<unknown>): void {
    if (this._lazy.has(name)) return;
    this._lazy.set(name, load().then(() => this._lazyLoaded++, () => this._lazy.delete(name)));
  }

  private readonly _toggleNotify = (): void => {
    this._showNotify = !this._showNotify;
    this._load('notify', () => import('./notify-settings.js'));
  };

  private _linkCard(view: RoomView, m: Message): TemplateResult | typeof nothing {
    if (m.deleted || !this.session.features.has('link_previews') || !/\bhttps?:\/\//i.test(m.body ?? '')) return nothing;
    this._load('link-card', () => import('./link-card.js'));
    if (!customElements.get('parley-link-card')) return nothing;
    return html`<parley-link-card .key=${`${view.id} ${m.seq}`} .load=${() => this.session.linkPreview(view, m.seq)}></parley-link-card>`;
  }

  /** Loads the chunk of bot buttons and streamed replies; true once its elements are defined. */
  private _interactive(): boolean {
    this._load('interactive', () => import('./interactive.js'));
    return !!customElements.get('parley-bot-actions');
  }

  private _botActions(view: RoomView, actions: readonly MessageAction[] | undefined, target: ActTarget): TemplateResult | typeof nothing {
    if (!actions?.length || !this._interactive()) return nothing;
    return html`<parley-bot-actions .actions=${actions} .words=${this.t.interactive} .act=${(action: string, value?: string) => this.session.act(view, target, action, value)}></parley-bot-actions>`;
  }

  private _renderStreams(view: RoomView): TemplateResult[] | typeof nothing {
    const { t } = this;
    if (!view.streams?.length || !this._interactive()) return nothing;
    return view.streams.map(
      (st) => html`<div part="message streaming" class="msg streaming" data-author=${st.by} data-stream=${st.id}>
        <div class="meta"><span class="author" dir="auto">${st.name}</span><span part="bot-badge" class="bot-badge" title=${t.verifiedBot}>✓ ${t.botBadge}</span></div>
        <parley-stream-reply class="stream-body" .stream=${st} .words=${t.interactive} .canStop=${this.session.canStop(view, st)}
          .stop=${() => this.session.act(view, { stream: st.id }, 'stop')}></parley-stream-reply>
      </div>`,
    );
  }

  /**
   * The player of a voice message (its chunk loads with the first one): a stored message plays from a
   * signed download URL, one's own still on its way from the local recording.
   */
  private _voicePlayer(view: RoomView, m: Message | undefined, p: PendingMessage | undefined): TemplateResult | typeof nothing {
    const stored = m?.attachments?.find((a) => a.kind === 'voice');
    const local = p?.voice;
    if (!stored && !local) return nothing;
    this._load('voice-player', () => import('./voice-player.js'));
    if (!customElements.get('parley-voice-player')) return nothing;
    const parts = 'voice-player, voice-play, voice-wave, voice-time, voice-speed';
    return stored
      ? html`<parley-voice-player
          exportparts=${parts}
          .t=${this.t.voice}
          .duration=${stored.duration ?? 0}
          .waveform=${stored.waveform ?? []}
          .load=${() => this.session.fileLink(view, stored.id).then((link) => link?.url ?? Promise.reject(new Error('gone')))}
        ></parley-voice-player>`
      : html`<parley-voice-player exportparts=${parts} .t=${this.t.voice} .duration=${local!.duration} .waveform=${local!.waveform} .src=${local!.url}></parley-voice-player>`;
  }

  /** A message's files, drawn by the attachments chunk once it has loaded (a voice message has its own player). */
  private _attachments(view: RoomView, m: Message): TemplateResult | typeof nothing {
    const items = m.deleted ? [] : (m.attachments ?? []).filter((a) => a.kind !== 'voice');
    if (!items.length) return nothing;
    this._load('attachments', () => import('./attachments.js'));
    if (!customElements.get('parley-attachments')) return nothing;
    return html`<parley-attachments .items=${items} .link=${(id: string) => this.session.fileLink(view, id)} .words=${this.t.files} .lang=${this.locale}></parley-attachments>`;
  }

  private _renderRoom(view: RoomView): TemplateResult {
    const { session: s, t } = this;
    const tl = view.timeline;
    const typing = s.typingIn(view);
    const typingLine = t.typing(typing.map(shorten));
    const pin = view.rules?.pins.length ? tl.find(view.rules.pins[0]!) : undefined;
    return html`${pin && !pin.deleted
        ? html`<button part="pinned" class="pinned" type="button" @click=${() => void this._jumpTo(view, pin.seq)}><span class="pin-label">📌 ${t.pinned}</span> <span class="pin-text" dir="auto">${messageText(pin, t)}</span></button>`
        : nothing}
      <div part="messages" class="messages" role="log" aria-live="off" aria-label=${t.messagesLabel} tabindex="0" @scroll=${this._onScroll} @keydown=${this._onListKey}>
        ${tl.loaded && tl.more ? html`<div class="older">${this._loadingOlder ? t.loadingOlder : ''}</div>` : nothing}
        ${tl.loaded && !tl.events.length && !tl.pending.length ? html`<p class="empty">${t.noMessages}</p>` : nothing}
        ${renderTimeline(tl, { self: s.user?.id, t, lang: this.locale, retry: (entry) => void s.retry(view, entry).catch(() => {}), ui: this._ui(view, true), receipts: this._receipts(view), rich: this._richText(), linkCard: (m) => this._linkCard(view, m), botActions: (m) => this._botActions(view, m.actions, { seq: m.seq }), voice: (m, p) => this._voicePlayer(view, m, p), attachments: (m) => this._attachments(view, m) })}
        ${(view.ephemeral ?? []).map(
          (m) => html`<div part="message ephemeral" class="msg ephemeral" data-author=${m.by}>
            <div class="meta"><span class="author" dir="auto">${m.name}</span>${renderAuthorBadge(m.by, t)}</div>
            <div part="message-body" class="body" dir="auto">${m.body}</div>
            ${this._botActions(view, m.actions, { eph: m.id })}
            <div class="state">${t.onlyYou}</div>
          </div>`,
        )}
        ${this._renderStreams(view)}
      </div>
      ${this._newBelow > 0
        ? html`<button part="new-messages" class="jump" type="button" @click=${this._jumpToLatest}>${downIcon}${t.newMessages} (${this._newBelow})</button>`
        : nothing}
      <div class="typing">${typing.length ? html`<span part="typing" title=${t.typing(typing)}>${typingLine}</span>` : nothing}</div>
      <div id="members" class="members" role="region" aria-labelledby="members-title" tabindex="0" ?hidden=${!this._showMembers}>
        <h3 id="members-title">${t.members}</h3>
        <ul part="members" aria-labelledby="members-title">
          ${(view.members ?? []).map(
            (m) => html`<li part="member" class="member" data-user=${m.user} data-presence=${m.state}>
              <span class="dot" data-presence=${m.state}></span>
              <span class="name" dir="auto" title=${m.name || m.user}>${m.user === s.user?.id ? `${m.name} (${t.you})` : m.name || m.user}</span>
              <small>${t.presence[m.state as keyof typeof t.presence] ?? m.state}</small>
              ${view.rules?.moderator && m.user !== s.user?.id && m.role !== 'owner' ? this._renderMemberActions(view, m.user, m.name || m.user) : nothing}
            </li>`,
          )}
        </ul>
        ${s.receiptRoomSize > 0 && view.summary?.kind !== 'dm' && (view.summary?.members ?? 0) > s.receiptRoomSize
          ? html`<p part="receipts-note" class="receipts-note">${t.seenByLimit(s.receiptRoomSize)}</p>`
          : nothing}
      </div>`;
  }

  /** A thread in place of the room's list: its root, its replies (paged back on scroll), a way back. */
  private _renderThread(view: RoomView, thread: ThreadView): TemplateResult {
    const { session: s, t } = this;
    const root = view.timeline.find(thread.root);
    const tl = thread.timeline;
    const ctx = {
      self: s.user?.id,
      t,
      lang: this.locale,
      retry: (entry: PendingMessage) => void s.retry(view, entry).catch(() => {}),
      rich: this._richText(),
      voice: (m: Message | undefined, p: PendingMessage | undefined) => this._voicePlayer(view, m, p),
      attachments: (m: Message) => this._attachments(view, m),
    };
    const typing = s.typingIn(view, thread.root);
    return html`<div part="thread-bar" class="thread-bar">
        <button part="thread-back" type="button" @click=${this._closeThread}>← ${t.backToRoom}</button>
        <span>${t.thread}</span>
      </div>
      <div part="messages thread" class="messages" role="log" aria-live="off" aria-label=${t.thread} tabindex="0" @scroll=${this._onScroll} @keydown=${this._onListKey}>
        ${root ? html`<div part="thread-root" class="thread-root">${renderTimeline({ events: [root], pending: [] }, { ...ctx, ui: this._ui(view, false) })}</div>` : nothing}
        ${tl.loaded && tl.more ? html`<div class="older">${this._loadingOlder ? t.loadingOlder : ''}</div>` : nothing}
        ${tl.loaded && !tl.events.length && !tl.pending.length ? html`<p class="empty">${t.noReplies}</p>` : nothing}
        ${renderTimeline(tl, { ...ctx, ui: this._ui(view, false) })}
      </div>
      <div class="typing">${typing.length ? html`<span part="typing" title=${t.typing(typing)}>${t.typing(typing.map(shorten))}</span>` : nothing}</div>`;
  }

  private _richText(): RichRenderer | undefined {
    return this.markdown ? this._rich : undefined;
  }

  /** The message actions' state and handlers for `view`; `threads` false inside a thread. */
  private _ui(view: RoomView, threads: boolean): MessageUi {
    const s = this.session;
    const names = new Map((view.members ?? []).map((m) => [m.user, m.name] as const));
    const find = (seq: number) => s.thread?.timeline.find(seq) ?? view.timeline.find(seq);
    return {
      menu: this._menu,
      editing: this._editing,
      confirming: this._confirming,
      error: this._actionError,
      features: s.features,
      names,
      threads,
      find,
      toggleMenu: (seq) => {
        const open = this._menu !== seq;
        this._closeActions();
        this._menu = open ? seq : undefined;
        this._focusNext = () => (open ? this._message(seq)?.querySelector('[role^="menuitem"]') : this._message(seq)?.querySelector('[part~="actions"]'));
      },
      react: (seq, emoji, on) => {
        const fromMenu = this._menu === seq;
        this._closeActions();
        if (fromMenu) this._focusNext = () => this._message(seq)?.querySelector('[part~="actions"]');
        void s.react(view, seq, emoji, on);
      },
      reply: (seq) => {
        this._closeActions();
        this._replyTo = seq;
        this._focusNext = () => this._part('input');
      },
      openThread: (seq) => {
        this._closeActions();
        this._replyTo = undefined;
        this._focusNext = () => this._part('input');
        void s.openThread(view, seq);
      },
      startEdit: (seq) => {
        this._closeActions();
        this._editing = seq;
        this._focusNext = () => {
          const area = this._message(seq)?.querySelector<HTMLTextAreaElement>('[part~="edit-input"]');
          area?.setSelectionRange(area.value.length, area.value.length);
          return area;
        };
      },
      saveEdit: (seq, body) => void this._saveEdit(view, seq, body),
      askDelete: (seq) => {
        this._closeActions();
        this._confirming = seq;
        this._focusNext = () => this._message(seq)?.querySelector('[part~="confirm-delete-yes"]');
      },
      confirmDelete: (seq) => void this._delete(view, seq),
      dismiss: () => {
        const seq = this._menu ?? this._editing ?? this._confirming;
        this._closeActions();
        if (seq !== undefined) this._focusNext = () => this._message(seq)?.querySelector('[part~="actions"]') ?? this._message(seq);
      },
      jump: (seq) => void this._jumpTo(view, seq),
      ...(this.emoji && { moreReactions: (seq: number) => void this._openPicker(seq) }),
      moderator: !!view.rules?.moderator,
      pins: view.rules?.pins ?? [],
      report: (seq) => {
        this._closeActions();
        this._focusNext = () => this._message(seq);
        s.reportMessage(view, seq, this.t.reportReason).then(
          () => (this._notice = this.t.reported),
          (err: Error & { code?: string }) => (this._notice = this._changeError(err)),
        );
      },
      moderate: (seq, action) => {
        this._closeActions();
        this._focusNext = () => this._message(seq);
        s.moderate(view, action, seq).then(
          () => (this._notice = this.t.moderated),
          (err: Error & { code?: string }) => (this._notice = this._changeError(err)),
        );
      },
    };
  }

  private _closeActions(): void {
    this._menu = undefined;
    this._editing = undefined;
    this._confirming = undefined;
    this._actionError = '';
  }

  private async _saveEdit(view: RoomView, seq: number, body: string): Promise<void> {
    const msg = view.timeline.find(seq) ?? this.session.thread?.timeline.find(seq);
    if (!msg || !body.trim() || body === msg.body) {
      if (msg && body === msg.body) this._ui(view, true).dismiss();
      return;
    }
    // Mentions the old text had stay mentions where their text is still there.
    const kept = (msg.mentions ?? []).map((m) => ({ user: m.user, name: (msg.body ?? '').slice(m.at + 1, m.at + m.len) }));
    try {
      await this.session.edit(view, seq, body, mentionEntities(body, [...kept, ...this._picked]));
      this._closeActions();
      this._focusNext = () => this._message(seq);
    } catch (err) {
      this._actionError = this._changeError(err as Error & { code?: string });
    }
  }

  private async _delete(view: RoomView, seq: number): Promise<void> {
    try {
      await this.session.remove(view, seq);
      this._closeActions();
      this._focusNext = () => this._message(seq);
    } catch (err) {
      this._actionError = this._changeError(err as Error & { code?: string });
    }
  }

  /** A refused edit or delete in words. */
  private _changeError(err: Error & { code?: string }): string {
    const t = this.t;
    const known: Record<string, string> = { too_late: t.tooLate, forbidden: t.notYours, not_found: t.gone, network: t.unreachable };
    return known[err.code ?? ''] ?? t.failedBecause(err.message);
  }

  /** Scrolls to and focuses message `seq`, loading older history until it is there. */
  private async _jumpTo(view: RoomView, seq: number): Promise<void> {
    if (!this._message(seq) && !this.session.thread) await this.session.loadUntil(view, seq).catch(() => false);
    await this.updateComplete;
    const el = this._message(seq);
    if (!el) return;
    el.scrollIntoView({ block: 'center' });
    el.focus();
  }

  private _message(seq: number): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>(`[part~="messages"] [part~="message"][data-seq="${seq}"]`);
  }

  /** Up and down arrows move focus between messages; Enter on a message opens its actions. */
  private _onListKey(e: KeyboardEvent): void {
    const list = e.currentTarget as HTMLElement;
    const target = e.target as HTMLElement;
    const onMessage = target.matches('[part~="message"]');
    if (!onMessage && target !== list) return;
    const messages = [...list.querySelectorAll<HTMLElement>('[part~="message"][tabindex]')];
    if (!messages.length) return;
    if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      const i = messages.indexOf(target);
      const next = i < 0 ? messages.length - 1 : Math.max(0, Math.min(messages.length - 1, i + (e.key === 'ArrowUp' ? -1 : 1)));
      e.preventDefault();
      messages[next]!.focus();
      messages[next]!.scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter' && onMessage) {
      e.preventDefault();
      target.querySelector<HTMLElement>('[part~="actions"]')?.click();
    }
  }

  /** Opens the search view, loading its chunk the first time; closes it when open. */
  private async _toggleSearch(): Promise<void> {
    if (this._searching) return this._closeSearch();
    try {
      await import('./search-view.js');
    } catch {
      this._announce = this.t.searchFailed('load_failed');
      return;
    }
    this._searching = true;
    this._focusNext = () => this.renderRoot.querySelector('chat-search');
  }

  private _closeSearch(): void {
    this._searching = false;
    this._focusNext = () => this._part('search-toggle');
  }

  /** A result was picked: its room opens at the message (its thread for a reply), which is then highlighted. */
  private async _onPick(e: CustomEvent<SearchHit>): Promise<void> {
    const hit = e.detail;
    const s = this.session;
    this._searching = false;
    try {
      if (hit.thread !== undefined) {
        await s.openRoom(hit.room);
        const view = s.rooms.get(hit.room);
        if (view) await s.openThread(view, hit.thread);
        this._found = { room: hit.room, seq: hit.seq, timeline: undefined };
      } else {
        const at = await s.openAt(hit.room, hit.seq);
        if (!at) return;
        this._found = { room: hit.room, seq: hit.seq, timeline: at.timeline === at.view.timeline ? undefined : at.timeline };
      }
      this._foundPending = true;
    } catch (err) {
      this._actionError = this.t.searchFailed(err instanceof Error ? err.message : String(err));
    }
  }

  /** Scrolls the found message into view, marks it (`data-found`) and moves focus to it. */
  private _showFound(seq: number): void {
    const el = this.renderRoot.querySelector<HTMLElement>(`.messages [data-seq="${seq}"]`);
    if (!el) return;
    this._foundPending = false;
    for (const old of this.renderRoot.querySelectorAll('[data-found]')) old.removeAttribute('data-found');
    el.setAttribute('data-found', '');
    el.setAttribute('aria-label', `${this.t.foundMessage}: ${el.textContent?.trim() ?? ''}`);
    if (!el.hasAttribute('tabindex')) el.tabIndex = -1;
    el.scrollIntoView({ block: 'center' });
    el.focus({ preventScroll: true });
  }

  /** The page around a found message too old to join the room's list, and a way back to the latest. */
  private _renderFound(view: RoomView, timeline: Timeline): TemplateResult {
    const { session: s, t } = this;
    return html`<div part="found-bar" class="thread-bar">
        <button part="found-back" type="button" @click=${() => (this._found = undefined)}>← ${t.backToLatest}</button>
        <span>${t.viewingFound}</span>
      </div>
      <div part="messages found" class="messages" role="log" aria-live="off" aria-label=${`${roomName(view)}: ${t.viewingFound}`} tabindex="0">
        ${renderTimeline(timeline, { self: s.user?.id, t, lang: this.locale, retry: () => {} })}
      </div>`;
  }

  private _closeThread(): void {
    const root = this.session.thread?.root;
    this.session.closeThread();
    this._replyTo = undefined;
    if (root !== undefined) this._focusNext = () => this._message(root);
  }

  private _renderReplyPreview(view: RoomView): TemplateResult | typeof nothing {
    const { t } = this;
    const quoted: Message | undefined = this._replyTo === undefined ? undefined : (this.session.thread?.timeline.find(this._replyTo) ?? view.timeline.find(this._replyTo));
    if (!quoted) return nothing;
    const name = quoted.by === this.session.user?.id ? t.you : view.members?.find((m) => m.user === quoted.by)?.name || quoted.name || quoted.by;
    return html`<div part="reply-preview" class="reply-preview">
      <span><strong dir="auto">${t.replyingTo(name)}</strong><span class="preview-text" dir="auto">${messageText(quoted, t)}</span></span>
      <button part="reply-cancel" class="icon-btn" type="button" aria-label=${t.cancelReply} @click=${this._cancelReply}>${closeIcon}</button>
    </div>`;
  }

  private _cancelReply(): void {
    this._replyTo = undefined;
    this._focusNext = () => this._part('input');
  }

  /** Members matching the `@` being typed. */
  private _suggestions(): Member[] {
    const view = this.session.current;
    return this._mention && view?.members ? suggest(view.members, this._mention.text, this.session.user?.id) : [];
  }

  private _renderMentions(options: Member[]): TemplateResult | typeof nothing {
    if (!options.length) return nothing;
    return html`<ul part="mention-list" id="mention-list" class="mentions" role="listbox" aria-label=${this.t.mentionList}>
      ${options.map(
        (m, i) => html`<li
          part="mention-option"
          id=${`mention-${i}`}
          role="option"
          aria-selected=${i === this._mentionIndex ? 'true' : 'false'}
          data-user=${m.user}
          dir="auto"
          @mousedown=${(e: Event) => e.preventDefault()}
          @click=${() => this._pickMention(m)}
        >
          ${m.name || m.user}
        </li>`,
      )}
    </ul>`;
  }

  private _pickMention(member: Member): void {
    const area = this._part<HTMLTextAreaElement>('input');
    if (!area || !this._mention) return;
    const name = member.name || member.user;
    const { text, caret } = insertMention(area.value, this._mention, name);
    area.value = text;
    area.setSelectionRange(caret, caret);
    this._picked.push({ user: member.user, name });
    this._mention = undefined;
    this._length = text.length;
    area.focus();
  }

  /** The emoji chunk, fetched on first use (opening the picker or typing a shortcode). */
  private _loadEmoji(): Promise<EmojiChunk> {
    this._emojiLoad ??= import('./emoji-picker.js').then(
      (m) => (this._emojiChunk = m),
      (err: unknown) => {
        this._emojiLoad = undefined;
        throw err;
      },
    );
    return this._emojiLoad;
  }

  private _emojiDb(m: EmojiChunk) {
    return m.emojiDatabase(this.server || location.origin, this.locale);
  }

  /** Opens the picker for the composer or for a reaction to message `seq`; focus goes to its search. */
  private async _openPicker(target: 'composer' | number): Promise<void> {
    const area = this._part<HTMLTextAreaElement>('input');
    if (target === 'composer' && area) this._pickerCaret = [area.selectionStart ?? area.value.length, area.selectionEnd ?? area.value.length];
    if (target !== 'composer') this._closeActions();
    try {
      await this._loadEmoji();
    } catch {
      this._refusal = this.t.emoji.failed;
      return;
    }
    this._pickerFor = target;
    this._focusNext = () => {
      this._part('emoji-picker')?.focus();
      return undefined;
    };
  }

  /** Closes the picker; focus goes back to what opened it. */
  private _closePicker(): void {
    const target = this._pickerFor;
    this._pickerFor = undefined;
    this._focusNext = () => (target === 'composer' || target === undefined ? this._part('emoji-button') : (this._message(target)?.querySelector<HTMLElement>('[part~="actions"]') ?? this._message(target)));
  }

  private _renderPicker(): TemplateResult | typeof nothing {
    const m = this._emojiChunk;
    if (this._pickerFor === undefined || !m) return nothing;
    return html`<parley-emoji-picker
      part="emoji-picker"
      class="picker"
      role="dialog"
      aria-label=${typeof this._pickerFor === 'number' ? this.t.emoji.moreReactions : this.t.emoji.picker}
      .db=${this._emojiDb(m)}
      .words=${this.t.emoji}
      @emoji-pick=${this._onEmojiPick}
      @emoji-close=${this._closePicker}
    ></parley-emoji-picker>`;
  }

  private _onEmojiPick(e: CustomEvent<{ emoji: string }>): void {
    const target = this._pickerFor;
    const view = this.session.current;
    if (target === undefined || !view) return;
    if (target === 'composer') {
      const area = this._part<HTMLTextAreaElement>('input');
      this._pickerFor = undefined;
      if (!area) return;
      const [from, to] = this._pickerCaret;
      const { text, caret } = insertAt(area.value, Math.min(from, area.value.length), Math.min(to, area.value.length), e.detail.emoji);
      area.value = text;
      this._length = text.length;
      this._pickerCaret = [caret, caret];
      this._focusNext = () => {
        area.setSelectionRange(caret, caret);
        return area;
      };
      return;
    }
    const msg = this.session.thread?.timeline.find(target) ?? view.timeline.find(target);
    this._closePicker();
    if (!msg) return;
    // The same emoji as a chip already there (or a quick reaction) joins it rather than starting a look-alike.
    const existing = msg.reactions?.find((r) => sameEmoji(r.emoji, e.detail.emoji));
    const emoji = existing?.emoji ?? QUICK_REACTIONS.find((q) => sameEmoji(q, e.detail.emoji)) ?? e.detail.emoji;
    if (!existing?.me) void this.session.react(view, target, emoji, true);
  }

  /** Looks up the shortcode being typed: a closed `:code:` becomes its emoji, an open one lists matches. */
  private async _lookShortcode(area: HTMLTextAreaElement): Promise<void> {
    const n = ++this._shortcodeLookup;
    const query = shortcodeQuery(area.value, area.selectionStart ?? area.value.length);
    // Set at once, so the list shown (maybe an answer to fewer letters) is filtered by what is typed now.
    if (query?.at !== this._shortcode?.at) this._shortcodeIndex = 0;
    this._shortcode = query && !query.closed ? query : undefined;
    if (!query) return;
    const m = await this._loadEmoji().catch(() => undefined);
    if (!m || n !== this._shortcodeLookup) return;
    const db = this._emojiDb(m);
    if (query.closed) {
      const emoji = await m.emojiFor(db, query.text).catch(() => undefined);
      const typed = `:${query.text}:`;
      // Only if the reader has not typed on meanwhile and the text is still where it was.
      if (emoji && n === this._shortcodeLookup && area.value.slice(query.at, query.at + typed.length) === typed) this._applyShortcode(area, query, emoji);
      return;
    }
    const found = await m.suggestShortcodes(db, query.text).catch(() => []);
    if (n === this._shortcodeLookup) this._shortcodes = found;
  }

  /** The suggestions that match the shortcode as typed now (the last answer may be for fewer letters). */
  private _shortcodeOptions(): Suggestion[] {
    const q = this._shortcode?.text.toLowerCase();
    return q ? this._shortcodes.filter((s) => s.shortcode.includes(q)) : [];
  }

  private _applyShortcode(area: HTMLTextAreaElement, query: ShortcodeQuery, emoji: string): void {
    const { text, caret } = insertShortcode(area.value, query, emoji);
    area.value = text;
    area.setSelectionRange(caret, caret);
    this._length = text.length;
    this._shortcode = undefined;
    this._shortcodeLookup++;
    if (this._emojiChunk) this._emojiChunk.noteUse(this._emojiDb(this._emojiChunk), emoji);
    area.focus();
  }

  /** Arrow keys, Enter/Tab and Escape in the composer while the shortcode list shows; true when handled. */
  private _onShortcodeKey(e: KeyboardEvent): boolean {
    const list = this._shortcodeOptions();
    const move = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (move) {
      e.preventDefault();
      this._shortcodeIndex = (Math.min(this._shortcodeIndex, list.length - 1) + move + list.length) % list.length;
      return true;
    }
    if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      const area = this._part<HTMLTextAreaElement>('input');
      if (area && this._shortcode) this._applyShortcode(area, this._shortcode, list[Math.min(this._shortcodeIndex, list.length - 1)]!.emoji);
      return true;
    }
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      this._shortcode = undefined;
      this._shortcodeLookup++;
      return true;
    }
    return false;
  }

  private _renderShortcodes(): TemplateResult | typeof nothing {
    const list = this._shortcodeOptions();
    if (!list.length) return nothing;
    return html`<ul part="shortcode-list" id="shortcode-list" class="mentions" role="listbox" aria-label=${this.t.emoji.suggestions}>
      ${list.map(
        (s, i) => html`<li
          part="shortcode-option"
          id=${`shortcode-${i}`}
          role="option"
          aria-selected=${i === Math.min(this._shortcodeIndex, list.length - 1) ? 'true' : 'false'}
          data-emoji=${s.emoji}
          @mousedown=${(e: Event) => e.preventDefault()}
          @click=${() => {
            const area = this._part<HTMLTextAreaElement>('input');
            if (area && this._shortcode) this._applyShortcode(area, this._shortcode, s.emoji);
          }}
        >
          <span aria-hidden="true">${s.emoji}</span> :${s.shortcode}:
        </li>`,
      )}
    </ul>`;
  }

  private _renderComposer(): TemplateResult {
    const { t } = this;
    const max = this.session.maxBody;
    const view = this.session.current!;
    const inThread = !!this.session.thread;
    const options = this._suggestions();
    const codes = this._shortcodeOptions();
    const cmd = this._commands && this._cmd;
    const commandListing = !!cmd && cmd.suggestions.length > 0;
    const listing = options.length > 0 || codes.length > 0;
    const listId = options.length ? 'mention' : 'shortcode';
    const listIndex = options.length ? Math.min(this._mentionIndex, options.length - 1) : Math.min(this._shortcodeIndex, codes.length - 1);
    const near = this._length >= max * COUNTER_FROM;
    const over = this._length > max;
    // No maxlength: a paste over the limit would be cut silently. The counter and refusal say it instead.
    const placeholder = inThread ? t.threadPlaceholder : t.messagePlaceholder;
    return html`<form part="composer" class="composer" ?data-recording=${this._recording} @submit=${this._onSubmit}>
      ${this._renderReplyPreview(view)} ${this._renderMentions(options)} ${this._renderShortcodes()} ${this._renderPicker()}
      ${cmd ? this._commands!.renderCommandList(cmd, Math.min(this._cmdIndex, cmd.suggestions.length - 1), t, (c) => this._pickCommand(c.name)) : nothing}
      ${this._renderTray()}
      <textarea
        part="input"
        rows=${this._rows}
        aria-label=${placeholder}
        aria-invalid=${over ? 'true' : 'false'}
        aria-describedby=${near ? 'counter' : nothing}
        aria-autocomplete="list"
        aria-controls=${listing ? `${listId}-list` : commandListing ? 'command-list' : nothing}
        aria-activedescendant=${listing
          ? `${listId}-${listIndex}`
          : commandListing
            ? `command-${Math.min(this._cmdIndex, cmd!.suggestions.length - 1)}`
            : nothing}
        placeholder=${placeholder}
        @keydown=${this._onInputKey}
        @input=${this._onInput}
        @blur=${() => this.session.typing(false)}
        @paste=${this._onPaste}
      ></textarea>
      ${this.session.fileLimits
        ? html`<button part="attach-button" class="icon-btn attach-btn" type="button" aria-label=${t.files.attach} title=${t.files.attach} @click=${this._pickFiles}>${clipIcon}</button>
            <input class="file-input" type="file" multiple hidden tabindex="-1" aria-hidden="true" @change=${this._onFilesPicked} />`
        : nothing}
      ${this.emoji
        ? html`<button
            part="emoji-button"
            class="icon-btn emoji-btn"
            type="button"
            aria-label=${t.emoji.open}
            title=${t.emoji.open}
            aria-expanded=${this._pickerFor === 'composer' ? 'true' : 'false'}
            @click=${() => (this._pickerFor === 'composer' ? this._closePicker() : void this._openPicker('composer'))}
          >
            <span aria-hidden="true">☺</span>
          </button>`
        : nothing}
      ${this._renderVoiceRecorder()}
      <button part="send" class="send" type="submit" aria-label=${t.send}>${sendIcon}</button>
      ${near
        ? html`<span part="counter" id="counter" class="counter" data-over=${over ? 'true' : 'false'}>${t.count(this._number(this._length), this._number(max))}</span>`
        : nothing}
      ${cmd ? this._commands!.renderCommandHint(cmd) : nothing}
      ${this._refusal ? html`<p class="error refusal" role="alert">${this._refusal}</p>` : nothing}
      ${this._renderRules(view)}
      <p part="notice" class="mod-notice" role="status">${this._notice}</p>
    </form>`;
  }

  /** The microphone (feature `voice`, in a browser that can record); its chunk loads with the composer. */
  private _renderVoiceRecorder(): TemplateResult | typeof nothing {
    if (!this.session.features.has('voice') || typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) return nothing;
    this._load('voice-recorder', () => import('./voice-recorder.js'));
    if (!customElements.get('parley-voice-recorder')) return nothing;
    return html`<parley-voice-recorder
      part="voice-recorder"
      exportparts="voice-button, voice-bar, voice-time, voice-level, voice-cancel, voice-send"
      .t=${this.t.voice}
      .maxMs=${this.session.maxVoiceMs}
      @voice-recorded=${this._onVoice}
      @voice-state=${(e: CustomEvent<{ recording: boolean }>) => {
        this._recording = e.detail.recording;
        if (this._recording) this._refusal = '';
      }}
      @voice-problem=${(e: CustomEvent<{ message: string }>) => (this._refusal = e.detail.message)}
    ></parley-voice-recorder>`;
  }

  /** A recording to send: it goes up as a voice attachment, then as a message in the room (or thread). */
  private _onVoice(e: CustomEvent<VoiceRecording>): void {
    const view = this.session.current;
    if (!view) return;
    const thread = this.session.thread?.root;
    const options = { ...(this._replyTo !== undefined && { replyTo: this._replyTo }), ...(thread !== undefined && { thread }) };
    this._replyTo = undefined;
    this.atBottom = true;
    this._pinNext = true;
    // A failure shows on the message itself (with Retry), as for text.
    this.session.sendVoice(e.detail, view, options).catch(() => {});
  }

  /** A moderator's buttons beside a member: mute for 10 minutes, ban. Real buttons, in tab order. */
  private _renderMemberActions(view: RoomView, user: string, name: string): TemplateResult {
    const { t } = this;
    const act = (action: 'mute' | 'ban') =>
      this.session.moderateMember(view, action, user).then(
        () => (this._notice = t.moderated),
        (err: Error & { code?: string }) => (this._notice = this._changeError(err)),
      );
    return html`<span class="member-actions">
      <button part="member-mute" type="button" aria-label=${t.muteMember(name)} title=${t.muteMember(name)} @click=${() => void act('mute')}>${t.muteShort}</button>
      <button part="member-ban" type="button" aria-label=${t.banMember(name)} title=${t.banMember(name)} @click=${() => void act('ban')}>${t.banShort}</button>
    </span>`;
  }

  /** The room's restrictions on this user, in words: a mute with its time left, slow mode, a lock, read-only guests. */
  private _renderRules(view: RoomView): TemplateResult | typeof nothing {
    const { t } = this;
    const r = view.rules;
    if (!r || r.moderator) return nothing;
    const left = (r.mutedUntil ?? 0) - Date.now();
    const line = left > 0 ? t.mutedFor(Math.ceil(left / 60_000)) : r.locked ? t.lockedRoom : r.guests === 'read' && this.session.user?.guest ? t.guestsRead : r.slowMs > 0 ? t.slowMode(Math.ceil(r.slowMs / 1000)) : '';
    return line ? html`<p part="rules" class="mod-rules" data-muted=${left > 0 ? 'true' : 'false'}>${line}</p>` : nothing;
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
    // The disabled button lost focus while busy: give it back to the name, which is what to fix.
    if (name && !(await this._runForm(() => this.actions.signIn(name)))) this._part('guest-name')?.focus();
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
      this._formError = this._reason(err as Error & { code?: string });
      return false;
    } finally {
      this._busy = false;
    }
  }

  /** A sign-in or rename failure in words: the widget's own where it knows the code, else the server's reason. */
  private _reason(err: Error & { code?: string }): string {
    const t = this.t;
    const known: Record<string, string> = {
      forbidden: t.guestsDisabled,
      // A guest sign-in answers `bad_request` and a rename `bad_frame` when the server refuses the name.
      bad_request: t.badName,
      bad_frame: t.badName,
      rate_limited: t.tooManySignIns,
      network: t.unreachable,
    };
    return known[err.code ?? ''] ?? (err.message ? t.failedBecause(err.message) : t.signInFailed);
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
    if (this._shortcodeOptions().length && !e.isComposing && this._onShortcodeKey(e)) return;
    const area = e.target as HTMLTextAreaElement;
    const commands = this._cmd?.suggestions ?? [];
    const handled =
      listKey(e, commands.length, this._cmdIndex, {
        move: (i) => (this._cmdIndex = i),
        // Enter on a command typed in full sends it; otherwise Enter and Tab complete the highlighted one.
        pick: (i) => (e.key === 'Enter' && area.value === `/${commands[i]!.name}` ? false : (this._pickCommand(commands[i]!.name), true)),
        close: () => {
          this._cmdDismissed = area.value;
          this._cmd = undefined;
        },
      }) ||
      listKey(e, this._suggestions().length, this._mentionIndex, {
        move: (i) => (this._mentionIndex = i),
        pick: (i) => (this._pickMention(this._suggestions()[i]!), true),
        close: () => (this._mention = undefined),
      });
    if (handled) return;
    if (e.key === 'Escape' && this._replyTo !== undefined) {
      e.stopPropagation();
      this._replyTo = undefined;
      return;
    }
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    void this._submitDraft();
  }

  private _onInput(e: InputEvent): void {
    const area = e.target as HTMLTextAreaElement;
    this._rows = Math.min(MAX_ROWS, area.value.split('\n').length);
    this._length = area.value.length;
    const query = mentionQuery(area.value, area.selectionStart ?? area.value.length);
    if (query?.at !== this._mention?.at) this._mentionIndex = 0;
    this._mention = query;
    this._updateCommands(area.value);
    if (this._length <= this.session.maxBody) this._refusal = '';
    if (this.emoji) void this._lookShortcode(area);
    this.session.typing(area.value.trim().length > 0);
  }

  private _onSubmit(e: SubmitEvent): void {
    e.preventDefault();
    void this._submitDraft();
  }

  // ---- files: the attach button, paste, drag and drop, the upload tray (lazy chunk) ----

  private _renderTray(): TemplateResult | typeof nothing {
    const limits = this.session.fileLimits;
    if (!this._tray || !limits || !customElements.get('parley-upload-tray')) return nothing;
    return html`<parley-upload-tray .start=${(f: File) => this.session.upload(f)} .limits=${limits} .words=${this.t.files} .lang=${this.locale}></parley-upload-tray>`;
  }

  private readonly _pickFiles = (): void => {
    this.renderRoot.querySelector<HTMLInputElement>('.file-input')?.click();
  };

  private readonly _onFilesPicked = (e: Event): void => {
    const input = e.target as HTMLInputElement;
    void this._addFiles([...(input.files ?? [])]);
    input.value = '';
  };

  private readonly _onPaste = (e: ClipboardEvent): void => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (!files.length || !this.session.fileLimits) return;
    // A pasted screenshot is a file; pasted text stays text.
    if (!e.clipboardData?.getData('text/plain')) e.preventDefault();
    void this._addFiles(files);
  };

  private readonly _onDragOver = (e: DragEvent): void => {
    if (!this.session?.fileLimits || !e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    this._dropping = true;
  };

  private readonly _onDragLeave = (e: DragEvent): void => {
    if (e.relatedTarget && this.contains(e.relatedTarget as Node)) return;
    this._dropping = false;
  };

  private readonly _onDrop = (e: DragEvent): void => {
    this._dropping = false;
    if (!this.session?.fileLimits || !e.dataTransfer?.files.length) return;
    e.preventDefault();
    void this._addFiles([...e.dataTransfer.files]);
  };

  /** Loads the tray's chunk, shows it and hands it the files. */
  private async _addFiles(files: File[]): Promise<void> {
    if (!files.length || !this.session.fileLimits) return;
    await import('./upload-tray.js');
    this._tray = true;
    await this.updateComplete;
    this._trayElement()?.add(files);
  }

  private _trayElement(): UploadTray | null {
    return this.renderRoot.querySelector('parley-upload-tray');
  }

  private async _submitDraft(): Promise<void> {
    const area = this._part<HTMLTextAreaElement>('input');
    const tray = this._tray ? this._trayElement() : null;
    const withFiles = !!tray && !tray.empty;
    if (!area || (!area.value.trim() && !withFiles)) return;
    let files: Attachment[] | null = null;
    if (withFiles) {
      if (tray.busy) this._notice = this.t.files.waiting;
      files = await tray.ready();
      this._notice = '';
      // A file failed or was refused: the tray says why; the draft stays.
      if (!files) return;
    }
    const text = area.value.trim() ? area.value : '';
    const max = this.session.maxBody;
    if (text.length > max) {
      // Refused before sending, with the draft kept: a message the server must refuse never shows as sent.
      this._refusal = this.t.tooLong(this._number(max));
      return;
    }
    if (this._cmd?.command && this._cmd.problem) {
      // Refused here, with the draft kept, as the bot (or the server, for an offline bot) would refuse it.
      this._refusal = this._cmd.problem;
      return;
    }
    const mentions = mentionEntities(text, this._picked);
    const thread = this.session.thread?.root;
    const options = {
      ...(this._replyTo !== undefined && { replyTo: this._replyTo }),
      ...(thread !== undefined && { thread }),
      ...(mentions.length && { mentions }),
      ...(files && { files }),
    };
    tray?.clear();
    area.value = '';
    this._length = 0;
    this._refusal = '';
    this._rows = 1;
    this._replyTo = undefined;
    this._picked = [];
    this._mention = undefined;
    this._shortcode = undefined;
    this._shortcodeLookup++;
    this._pickerFor = undefined;
    this._cmd = undefined;
    this.atBottom = true;
    this._pinNext = true;
    this.session.typing(false);
    // A failure shows on the message itself (with Retry); chat-error tells the host.
    this.session.send(text, undefined, undefined, options).catch(() => {});
  }

  /**
   * Keeps the `/` autocomplete in step with the draft: loads its chunk and the room's commands the
   * first time a draft starts with `/`, then works out matches, hint and problem for the draft as it
   * is when they arrive.
   */
  private _updateCommands(draft: string): void {
    const view = this.session.current;
    if (!draft.startsWith('/') || !view || draft === this._cmdDismissed) {
      this._cmd = undefined;
      if (!draft.startsWith('/')) this._cmdDismissed = '';
      return;
    }
    this._cmdDismissed = '';
    void Promise.all([this._commands ?? import('./commands.js'), this.session.commands(view)]).then(([mod, list]) => {
      this._commands = mod;
      const now = this._part<HTMLTextAreaElement>('input')?.value ?? '';
      if (this.session.current !== view || !now.startsWith('/') || now === this._cmdDismissed) return;
      const before = this._cmd?.suggestions.map((c) => c.name).join();
      this._cmd = mod.commandState(now, list, this.t);
      if (this._cmd?.suggestions.map((c) => c.name).join() !== before) this._cmdIndex = 0;
      if (this._refusal && !this._cmd?.problem && this._length <= this.session.maxBody) this._refusal = '';
    }, () => (this._cmd = undefined));
  }

  private _pickCommand(name: string): void {
    const area = this._part<HTMLTextAreaElement>('input');
    if (!area) return;
    area.value = `/${name} `;
    area.setSelectionRange(area.value.length, area.value.length);
    this._length = area.value.length;
    this._updateCommands(area.value);
    area.focus();
  }

  private _selectRoom(id: string): void {
    this._newBelow = 0;
    this._replyTo = undefined;
    this._closeActions();
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
    const thread = this.session.thread;
    if (up && el.scrollTop < TOP_TRIGGER && view && (thread?.timeline ?? view.timeline).more && !this._loadingOlder) {
      this._loadingOlder = true;
      this.requestUpdate();
      void this.session
        .loadOlder(view, thread)
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

  private _number(n: number): string {
    return n.toLocaleString(this.locale);
  }

  private _part<T extends HTMLElement = HTMLElement>(name: string): T | null {
    return this.renderRoot?.querySelector<T>(`[part~="${name}"]`) ?? null;
  }
}

/**
 * Arrow keys, Enter or Tab, and Escape for a suggestion list over the composer (mentions, commands):
 * true when the key was the list's. `pick` returns false to let the key through.
 */
function listKey(e: KeyboardEvent, count: number, index: number, on: { move(i: number): void; pick(i: number): boolean; close(): void }): boolean {
  if (!count || e.isComposing) return false;
  const at = Math.min(index, count - 1);
  const move = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
  if (move) on.move((at + move + count) % count);
  else if (e.key === 'Enter' || e.key === 'Tab') {
    if (!on.pick(at)) return false;
  } else if (e.key === 'Escape') {
    e.stopPropagation();
    on.close();
  } else return false;
  e.preventDefault();
  return true;
}

if (!customElements.get('parley-chat-panel')) customElements.define('parley-chat-panel', ChatPanel);

declare global {
  interface HTMLElementTagNameMap {
    'parley-chat-panel': ChatPanel;
  }
}
