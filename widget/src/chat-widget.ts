// <chat-widget>: the embeddable chat panel. Owns the DOM, focus, scrolling and the host-facing API;
// the chat state lives in ChatSession and reaches the server only through @parley/sdk. Both load
// after the launcher is on screen (a lazy chunk, fetched at once), so the first load stays small.
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { RingContext, RoomEvent } from '@parley/sdk';
import type { ParleyCall } from './call-view.js';
import { offByDefault, onByDefault } from './attributes.js';
import type { ChatPanel, PanelActions } from './chat-panel.js';
import type { ChatSession, RoomView } from './chat-session.js';
import { coreStyles } from './core-styles.js';
import { LAUNCHER, resolveLang, type LauncherWords } from './lang.js';
import { chatIcon, closeIcon } from './icons.js';
import { GuestSignInError, guestTokenSource, loadGuest, readStored, saveGuest, signInGuest, writeStored } from './identity.js';
import { roomName } from './room-name.js';

type Alerts = typeof import('./alerts.js');
/** The call view's parts, passed through so that a page can style them as the widget's own. */
const CALL_PARTS = 'call-incoming, call-accept, call-accept-audio, call-decline, call-view, call-remote, call-self, call-status, call-quality, call-mute, call-camera, call-screen, call-devices, call-hangup, call-pip, call-error';

/** Marks Parley's own <chat-widget> class, so a second copy of the widget is told apart from someone else's tag. */
export const WIDGET_BRAND = Symbol.for('parley.chat-widget');

/** The Popover API puts the floating launcher and panel in the top layer, out of reach of the page's CSS. */
const TOP_LAYER = typeof HTMLElement.prototype.showPopover === 'function';

/** Parts inside the lazily loaded panel, re-exported so pages can style them with ::part. */
const PANEL_PARTS =
  'header, status, room-list, room, room-unread, messages, message, message-body, notice, date-separator, new-messages, typing, ' +
  'call, call-audio, call-video, members-toggle, members, member, composer, input, send, counter, retry, guest-form, guest-name, guest-submit, sound-toggle, notify-toggle, notify-settings, rename, close, ' +
  'link, link-host, code, code-block, blockquote, emoji-button, emoji-picker, shortcode-list, shortcode-option, ' +
  'voice-button, voice-bar, voice-time, voice-level, voice-cancel, voice-send, voice-player, voice-play, voice-wave, voice-speed';

/** Detail of `chat-message`. */
export interface ChatMessageDetail {
  room: string;
  message: RoomEvent;
}
/** Detail of `chat-unread-change`. */
export interface ChatUnreadDetail {
  room: string;
  unread: number;
  total: number;
}
/** Detail of `chat-error`. */
export interface ChatErrorDetail {
  code: string;
  message: string;
}

const MUTE_KEY = 'parley:sound';

/**
 * An embeddable, real-time chat panel for Parley servers.
 *
 * @fires chat-message - A message was stored or received live. `detail: {room, message}`.
 * @fires chat-unread-change - A room's unread count changed. `detail: {room, unread, total}`.
 * @fires chat-open - The panel opened.
 * @fires chat-close - The panel closed.
 * @fires chat-error - Something failed (sign-in, a send, the connection, the page's setup). `detail: {code, message}`.
 *
 * @csspart launcher - The round button that opens the panel (floating mode only).
 * @csspart badge - Unread count on the launcher; its text is the number.
 * @csspart panel - The chat panel.
 * @csspart header - The panel's header bar.
 * @csspart status - Connection status text; `data-state` is signed-out, connecting, connected, reconnecting or offline.
 * @csspart room-list - The row of room buttons.
 * @csspart room - One room button; `data-room` is the room id.
 * @csspart room-unread - Unread count on a room button.
 * @csspart messages - The scrolling message list (role="log").
 * @csspart message - One message; `data-seq`, `data-author`, `data-status`, `data-own` on own messages.
 * @csspart message-body - A message's text.
 * @csspart notice - A join, leave or rename line.
 * @csspart date-separator - The line between days.
 * @csspart new-messages - Jump-to-latest button shown when messages arrive while scrolled up.
 * @csspart typing - Who is typing (present only while someone is).
 * @csspart members-toggle - The button showing the member list.
 * @csspart members - The member list.
 * @csspart member - One member; `data-user` and `data-presence` (online, away, offline).
 * @csspart composer - The message form.
 * @csspart input - The message textarea.
 * @csspart send - The send button.
 * @csspart counter - Characters used of the server's limit, shown near it; `data-over` when past it.
 * @csspart retry - Re-sends a failed message.
 * @csspart guest-form - The guest name form.
 * @csspart guest-name - The guest name input.
 * @csspart guest-submit - The guest form's button.
 * @csspart sound-toggle - Mutes or unmutes the sound (aria-pressed = sound on).
 * @csspart call - Opens the call menu in a direct or small room (feature `calls`): `call-audio` (voice) and `call-video`.
 * @csspart call-incoming - The incoming-call sheet (ringtone while the sound is on); `call-accept`, `call-accept-audio`, `call-decline`.
 * @csspart call-view - The in-call view: `call-remote`, `call-self`, `call-status`, `call-quality`, `call-mute`, `call-camera`, `call-screen`, `call-devices`, `call-hangup`.
 * @csspart call-pip - The small call view while the floating panel is closed.
 * @csspart call-error - Why a call could not start or how it ended, in words.
 * @csspart notify-toggle - Opens the notification settings (Web Push, do not disturb, mute this room).
 * @csspart notify-settings - The notification settings.
 * @csspart rename - Opens the form to change your display name.
 * @csspart close - Closes the panel.
 *
 * @cssprop --parley-accent - Accent colour: launcher, own messages, buttons. Default #3451d1 (dark: #8ea6ff).
 * @cssprop --parley-accent-fg - Text on the accent colour. Default #ffffff (dark: #0c1124).
 * @cssprop --parley-bg - Panel background. Default #ffffff (dark: #16181d).
 * @cssprop --parley-fg - Main text colour. Default #1b1f24 (dark: #e9ebf0).
 * @cssprop --parley-muted - Secondary text (times, notices). Default #59606d (dark: #a3a9b6).
 * @cssprop --parley-surface - Others' message bubbles, chips. Default #f1f3f7 (dark: #252831).
 * @cssprop --parley-border - Hairlines and input borders. Default #e1e4ea (dark: #30343e).
 * @cssprop --parley-danger - Errors and unread badges. Default #b42318 (dark: #ff8a80).
 * @cssprop --parley-own-bg - Background of your own messages. Default: the accent.
 * @cssprop --parley-own-fg - Text of your own messages. Default: the accent text colour.
 * @cssprop --parley-radius - Panel corner radius. Default 14px.
 * @cssprop --parley-font - Font family. Default: the system UI font.
 * @cssprop --parley-font-size - Base font size. Default 14px (compact: 13px).
 * @cssprop --parley-shadow - Panel and launcher shadow.
 * @cssprop --parley-width - Floating panel width. Default 370px.
 * @cssprop --parley-height - Panel height (floating and inline). Default min(600px, 100vh - 120px); inline 520px.
 * @cssprop --parley-offset - Distance of the launcher and panel from the viewport's corner. Default 20px.
 * @cssprop --parley-z-index - Stacking level of the floating launcher and panel where the browser lacks the Popover API (elsewhere they are in the top layer, above every z-index). Default 2147483647.
 */
export class ChatWidget extends LitElement {
  static override styles = coreStyles;
  static readonly [WIDGET_BRAND] = true;

  static override properties = {
    server: { type: String },
    room: { type: String },
    token: { type: String },
    mode: { type: String, reflect: true },
    opened: { type: Boolean, reflect: true, attribute: 'open' },
    theme: { type: String, reflect: true },
    density: { type: String, reflect: true },
    lang: { type: String },
    sound: { converter: onByDefault },
    notifications: { converter: onByDefault },
    titleBadge: { converter: offByDefault, attribute: 'title-badge' },
    markdown: { converter: onByDefault },
    emoji: { converter: onByDefault },
    pushWorker: { attribute: 'push-worker' },
    getToken: { attribute: false },
    _needGuest: { state: true },
    _muted: { state: true },
    _dark: { state: true },
    _panelLoaded: { state: true },
    _rev: { state: true },
    _ring: { state: true },
    _calls: { state: true },
  };

  /** Base URL of the Parley server (http or https); the WebSocket is `/ws` on the same host. Default: this page's origin. */
  declare server: string;
  /** Room to show first (joined if public). */
  declare room: string;
  /** Access token (JWT) from the host site. When absent: `getToken`, else guest sign-in. */
  declare token: string;
  /** `floating` (launcher button and panel, the default) or `inline` (the panel fills the element). */
  declare mode: 'floating' | 'inline';
  /** Whether the floating panel is open; attribute `open`. Use open()/close() to move focus too. */
  declare opened: boolean;
  /** `auto` (follows prefers-color-scheme, the default), `light` or `dark`. */
  declare theme: 'auto' | 'light' | 'dark';
  /** `comfortable` (default) or `compact`. */
  declare density: 'comfortable' | 'compact';
  /** `en` or `pt-BR`; default from the browser's language. */
  declare lang: string;
  /** Chime on incoming messages (the user can still mute it; the choice is remembered). Default on. */
  declare sound: boolean;
  /** System notifications for messages while the page is hidden (permission asked on first open). Default on. */
  declare notifications: boolean;
  /** Prefix document.title with the unread count. Default off. */
  declare titleBadge: boolean;
  /** Render message bodies as markdown (loaded lazily; plain text until then). `markdown="off"` shows plain text. Default on. */
  declare markdown: boolean;
  /** The emoji picker and `:shortcode:` completion (loaded lazily, data from the Parley server). `emoji="off"` hides them. Default on. */
  declare emoji: boolean;
  /** URL of the Web Push service worker on this page's origin (a copy of the server's /parley-sw.js). Default `/parley-sw.js`. */
  declare pushWorker: string;
  /** Supplies (fresh) tokens; called again when one expires. Property only. */
  declare getToken: (() => Promise<string>) | undefined;

  declare private _needGuest: boolean;
  declare private _muted: boolean;
  declare private _dark: boolean;
  declare private _panelLoaded: boolean;
  /** Bumped on every session change; passed to the panel so it renders again. */
  declare private _rev: number;
  /** Someone calls this user now (feature `calls`). */
  declare private _ring: RingContext | undefined;
  /** The call view is loaded and has something to show. */
  declare private _calls: boolean;
  private _callLoad: Promise<unknown> | undefined;

  /** The chat state, once its chunk has loaded (see _loadSession). */
  private _session: ChatSession | undefined;
  private _sessionLoad: Promise<ChatSession> | undefined;
  /** Bumped by every _start(), so that a start still waiting for the session chunk is abandoned. */
  private _starts = 0;
  private _ready: Promise<void> = Promise.resolve();
  private _auth: 'token' | 'guest' | 'none' = 'none';
  private _focusOnRender = false;
  private _panel: Promise<unknown> | undefined;
  private _alerts: Promise<Alerts> | undefined;
  private _baseTitle: string | undefined;
  private readonly _media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;

  constructor() {
    super();
    this.server = '';
    this.room = '';
    this.token = '';
    this.mode = 'floating';
    this.opened = false;
    this.theme = 'auto';
    this.density = 'comfortable';
    this.lang = '';
    this.sound = true;
    this.notifications = true;
    this.titleBadge = false;
    this.markdown = true;
    this.emoji = true;
    this.pushWorker = '/parley-sw.js';
    this.getToken = undefined;
    this._needGuest = false;
    this._muted = readStored(MUTE_KEY) === 'off';
    this._dark = !!this._media?.matches;
    this._panelLoaded = false;
    this._rev = 0;
    this._ring = undefined;
    this._calls = false;
  }

  // ---- public API ------------------------------------------------------------------------------

  /** Opens the panel and moves focus into it. */
  open(): void {
    if (this.opened) return;
    this._focusOnRender = true;
    this.opened = true;
    this._emit('chat-open', undefined);
  }

  /** Closes the panel and gives focus back to the launcher. */
  close(): void {
    if (!this.opened) return;
    this.opened = false;
    this._emit('chat-close', undefined);
    void this.updateComplete.then(() => this._part<HTMLButtonElement>('launcher')?.focus());
  }

  /** Resolves once the widget has connected and loaded its rooms (or failed to: see chat-error). */
  get ready(): Promise<void> {
    return this._ready;
  }

  /** Sends `text` to the current room; resolves once the server stored it, rejects if it failed for good. */
  async send(text: string): Promise<void> {
    await this._ready;
    await (await this._loadSession()).send(text);
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  override connectedCallback(): void {
    // Without the top layer, a floating widget inside <body> is trapped by a body transform, filter or
    // contain: it moves under <html>. The move runs this callback again, from the new place.
    const root = document.documentElement;
    if (!TOP_LAYER && this.mode !== 'inline' && this.parentNode !== root && this.getRootNode() === document) {
      root.append(this);
      return;
    }
    super.connectedCallback();
    document.addEventListener('visibilitychange', this._onVisibility);
    this._media?.addEventListener('change', this._onScheme);
    navigator.serviceWorker?.addEventListener('message', this._onWorkerMessage);
    this._start();
    // Leaving the document closed the popover; Lit does not render again on return.
    if (this.hasUpdated) this._raise();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this._onVisibility);
    this._media?.removeEventListener('change', this._onScheme);
    navigator.serviceWorker?.removeEventListener('message', this._onWorkerMessage);
    this._setTitle(0);
    this._auth = 'none';
    this._starts++;
    void this._session?.stop();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.isConnected) return;
    const authChanged = (changed.has('token') && !!this.token) || (changed.has('getToken') && !!this.getToken);
    if ((changed.has('server') && changed.get('server') !== undefined) || (authChanged && this._auth !== 'token')) this._start();
    else if (changed.has('room') && this.room && this._session && this._session.status !== 'offline') void this._session.openRoom(this.room);
    if (changed.has('titleBadge')) this._setTitle(this.titleBadge ? (this._session?.totalUnread ?? 0) : 0);
  }

  protected override updated(): void {
    this._raise();
    const panel = this._panelElement();
    if (this._focusOnRender && panel) {
      this._focusOnRender = false;
      void panel.updateComplete.then(() => panel.focusFirst());
    }
  }

  // ---- rendering -------------------------------------------------------------------------------

  private get _t(): LauncherWords {
    return LAUNCHER[resolveLang(this.lang || undefined)];
  }

  protected override render(): TemplateResult {
    const floating = this.mode !== 'inline';
    const dark = this.theme === 'dark' || (this.theme !== 'light' && this._dark);
    const total = this._session?.totalUnread ?? 0;
    const t = this._t;
    // `dir` from the language: `all: initial` does not reset `direction`, so an rtl page would mirror English.
    const lang = resolveLang(this.lang || undefined);
    return html`<div
      class="root ${floating ? 'floating' : 'inline'} ${dark ? 'dark' : ''} ${this.density === 'compact' ? 'compact' : ''} ${this.opened ? 'open' : ''}"
      lang=${lang}
      dir=${t.dir}
      popover=${floating && TOP_LAYER ? 'manual' : nothing}
    >
      ${floating
        ? html`<button
            part="launcher"
            class="launcher"
            type="button"
            aria-label=${total ? `${t.openChat} (${t.unread(total)})` : t.openChat}
            aria-expanded=${this.opened ? 'true' : 'false'}
            aria-controls="panel"
            @click=${this._onLauncher}
          >
            ${this.opened ? closeIcon : chatIcon}
            ${total ? html`<span part="badge" class="badge" aria-hidden="true">${total > 99 ? '99+' : total}</span>` : nothing}
          </button>`
        : nothing}
      ${this._isPanelShown() ? this._renderPanel(floating, lang) : nothing}
      ${this._calls && this._session
        ? html`<parley-call
            exportparts=${CALL_PARTS}
            .session=${this._session}
            .lang=${lang}
            .ring=${this._ring}
            .soundOn=${this.sound && !this._muted && !this._session.silenced(this._ring?.roomId ?? '')}
            .minimized=${floating && !this.opened}
            @call-idle=${this._onCallIdle}
          ></parley-call>`
        : nothing}
    </div>`;
  }

  private _renderPanel(floating: boolean, lang: string): TemplateResult | typeof nothing {
    if (!this._panelLoaded || !this._session) {
      // The panel's code and styles load on first use; render again once they (and the session) are here.
      this._panel ??= Promise.all([import('./chat-panel.js'), this._loadSession()]).then(
        () => (this._panelLoaded = true),
        () => (this._panel = undefined),
      );
      return nothing;
    }
    return html`<parley-chat-panel
      part="panel"
      id="panel"
      class="panel"
      exportparts=${PANEL_PARTS}
      .session=${this._session}
      .actions=${this._actions}
      .locale=${lang}
      .floating=${floating}
      .needGuest=${this._needGuest}
      .soundOn=${!this._muted}
      .showSound=${this.sound}
      .markdown=${this.markdown}
      .emoji=${this.emoji}
      .server=${this.server || location.origin}
      .pushWorker=${this.pushWorker}
      .rev=${this._rev}
    ></parley-chat-panel>`;
  }

  private readonly _actions: PanelActions = {
    close: () => this.close(),
    toggleSound: () => this._toggleSound(),
    signIn: (name) => this._signIn(name),
    rename: (name) => this._rename(name),
    selectRoom: (id) => {
      this._session?.select(id);
      if (this.room !== id) this.room = id;
    },
    call: (room, video) => void this._showCalls().then(() => this._callElement()?.place(room, video)),
  };

  /** Loads the call view's chunk once, and shows it. */
  private _showCalls(): Promise<unknown> {
    this._callLoad ??= import('./call-view.js').catch((err: unknown) => {
      this._callLoad = undefined;
      throw err;
    });
    return this._callLoad.then(async () => {
      this._calls = true;
      await this.updateComplete;
    });
  }

  private _callElement(): ParleyCall | null {
    return this.renderRoot.querySelector('parley-call');
  }

  private _onRing(ring: RingContext | null, call: string): void {
    if (ring) {
      // Someone calling while a call goes on here is told "busy".
      if (this._callElement()?.busy) return void this._session?.declineCall(call).catch(() => undefined);
      this._ring = ring;
      void this._showCalls();
    } else if (this._ring?.call === call) {
      this._ring = undefined;
    }
  }

  private _onCallIdle(): void {
    if (!this._ring) this._calls = false;
  }

  // ---- behaviour -------------------------------------------------------------------------------

  private _start(): void {
    const server = this.server || location.origin;
    const start = ++this._starts;
    this._needGuest = false;
    const connect = (auth: 'token' | 'guest', getToken: () => Promise<string>) => {
      this._auth = auth;
      this._ready = this._loadSession().then(
        (session) => (start === this._starts ? session.start(server, getToken, this.room || undefined) : undefined),
        () => undefined, // reported by _loadSession
      );
    };
    if (this.token || this.getToken) return connect('token', () => this._hostToken());
    if (loadGuest(server)) return connect('guest', guestTokenSource(server, () => {}));
    this._auth = 'none';
    void this._session?.stop();
    this._needGuest = true;
  }

  /** Loads the chat session's chunk (the SDK with it) once; a failed load is reported and retried on the next start. */
  private _loadSession(): Promise<ChatSession> {
    this._sessionLoad ??= import('./chat-session.js').then(
      ({ ChatSession }) => {
        this._session = new ChatSession({
          changed: () => this._rev++,
          message: (view, event, own) => this._onMessage(view, event, own),
          unread: (view, total) => this._onUnread(view, total),
          error: (code, message, setup) => this._fail(code, message, setup),
          reading: (view) => this._isReading(view),
          ring: (ring, call) => this._onRing(ring, call),
        });
        this._rev++;
        return this._session;
      },
      (err: unknown) => {
        this._sessionLoad = undefined;
        this._fail('load_failed', `could not load the chat: ${(err as Error)?.message ?? String(err)}`, true);
        throw err;
      },
    );
    return this._sessionLoad;
  }

  private async _hostToken(): Promise<string> {
    // The attribute is read on every call so a host can refresh it by setting a new one.
    if (this.getToken) return this.getToken();
    return this.token;
  }

  private async _signIn(name: string): Promise<void> {
    const server = this.server || location.origin;
    try {
      saveGuest(server, await signInGuest(server, name));
    } catch (err) {
      const failure = err instanceof GuestSignInError ? err : new GuestSignInError('error', (err as Error).message);
      this._emit<ChatErrorDetail>('chat-error', { code: failure.code, message: failure.message });
      throw failure;
    }
    this._focusOnRender = true;
    this._start();
  }

  private async _rename(name: string): Promise<void> {
    const user = await (await this._loadSession()).rename(name);
    const server = this.server || location.origin;
    const guest = loadGuest(server);
    // A guest token renewed later is requested under the remembered name: keep it current.
    if (guest) saveGuest(server, { ...guest, name: user.name });
  }

  private _onLauncher(): void {
    if (this.opened) {
      this.close();
      return;
    }
    // A click is the user gesture browsers want before audio can play or permission be asked.
    void this._loadAlerts().then((a) => {
      a.unlockAudio();
      if (this.notifications) a.askNotificationPermission();
    });
    this.open();
  }

  private _toggleSound(): void {
    this._muted = !this._muted;
    writeStored(MUTE_KEY, this._muted ? 'off' : 'on');
    if (!this._muted) void this._loadAlerts().then((a) => a.unlockAudio());
  }

  private _onMessage(view: RoomView, event: RoomEvent, own: boolean): void {
    this._emit<ChatMessageDetail>('chat-message', { room: view.id, message: event });
    if (own) return;
    if (this._isPanelShown()) this._panelElement()?.noteIncoming(view, event);
    if (this._isReading(view)) return;
    // Do not disturb and muted rooms silence the page too, not only Web Push.
    if (this._session?.silenced(view.id)) return;
    const wantSound = this.sound && !this._muted;
    const wantNotice = this.notifications && document.visibilityState === 'hidden';
    if (!wantSound && !wantNotice) return;
    void this._loadAlerts().then((a) => {
      if (wantSound) a.chime();
      if (wantNotice) {
        a.notify(this._t.newFrom(event.name, roomName(view)), event.body ?? '', `parley:${view.id}`, () => {
          this._actions.selectRoom(view.id);
          this.open();
        });
      }
    });
  }

  private _onUnread(view: RoomView, total: number): void {
    this._emit<ChatUnreadDetail>('chat-unread-change', { room: view.id, unread: view.unread, total });
    if (this.titleBadge) this._setTitle(total);
    this._rev++;
  }

  private _setTitle(total: number): void {
    if (total > 0) {
      this._baseTitle ??= document.title;
      document.title = `(${total}) ${this._baseTitle}`;
    } else if (this._baseTitle !== undefined) {
      document.title = this._baseTitle;
      this._baseTitle = undefined;
    }
  }

  /** Reports a failure to the page; a mistake in the page's setup also goes to the console, for its author. */
  private _fail(code: string, message: string, setup = false): void {
    if (setup) console.error(`[parley] ${message}`);
    this._emit<ChatErrorDetail>('chat-error', { code, message });
  }

  /** Puts the floating layer in the top layer (again: leaving the document takes it out). */
  private _raise(): void {
    const root = this.renderRoot?.querySelector<HTMLElement>('.root[popover]');
    if (root && this.isConnected && !root.matches(':popover-open')) root.showPopover();
  }

  private _isPanelShown(): boolean {
    return this.mode === 'inline' || this.opened;
  }

  private _isReading(view: RoomView): boolean {
    const panel = this._panelElement();
    return this._isPanelShown() && !!panel && panel.atBottom && view.id === this._session?.active && document.visibilityState === 'visible';
  }

  private readonly _onVisibility = (): void => {
    this._session?.setAway(document.visibilityState === 'hidden');
    this._rev++;
  };

  /** A click on a Web Push notification of this site: show its room. */
  private readonly _onWorkerMessage = (e: MessageEvent): void => {
    const data = e.data as { type?: unknown; room?: unknown } | null;
    if (data?.type !== 'parley:open' || typeof data.room !== 'string' || !data.room) return;
    void this._session?.openRoom(data.room);
    if (this.room !== data.room) this.room = data.room;
    this.open();
  };

  private readonly _onScheme = (e: MediaQueryListEvent): void => {
    this._dark = e.matches;
  };

  private _loadAlerts(): Promise<Alerts> {
    return (this._alerts ??= import('./alerts.js'));
  }

  private _panelElement(): ChatPanel | null {
    return this.renderRoot?.querySelector('parley-chat-panel') ?? null;
  }

  private _part<T extends Element>(name: string): T | null {
    return this.renderRoot?.querySelector<T>(`[part~="${name}"]`) ?? null;
  }

  private _emit<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-widget': ChatWidget;
  }
  interface GlobalEventHandlersEventMap {
    'chat-message': CustomEvent<ChatMessageDetail>;
    'chat-unread-change': CustomEvent<ChatUnreadDetail>;
    'chat-open': CustomEvent<undefined>;
    'chat-close': CustomEvent<undefined>;
    'chat-error': CustomEvent<ChatErrorDetail>;
  }
}
