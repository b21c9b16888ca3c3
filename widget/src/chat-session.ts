// The widget's live chat state behind one ChatClient: connection status, followed rooms with their
// timelines, typing, members and unread counts. The element renders it; nothing here touches the DOM.
import {
  ChatClient,
  ErrorCode,
  ForbiddenError,
  InvalidRequestError,
  Limits,
  NotFoundError,
  type Member,
  type ParleyError,
  type Room,
  type RoomEvent,
  type RoomSummary,
  type User,
} from '@parley/sdk';
import { ReadMarkers } from './read-markers.js';
import { Timeline, type PendingMessage } from './timeline.js';

/** What the status part shows (`data-state`). */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Everything the widget knows about one followed room. */
export interface RoomView {
  id: string;
  summary: RoomSummary | undefined;
  timeline: Timeline;
  /** Who is typing now: user id → display name. */
  typing: Map<string, string>;
  members: Member[] | undefined;
  unread: number;
  handle: Room;
}

/** How the session tells its owner about things worth reacting to. */
export interface SessionHooks {
  /** Something visible changed: render again. */
  changed(): void;
  /** A new message arrived live (not from history). */
  message(room: RoomView, event: RoomEvent, own: boolean): void;
  unread(room: RoomView, total: number): void;
  /** `setup` marks a mistake of the embedding page (e.g. a room that does not exist), not of the user. */
  error(code: string, message: string, setup?: boolean): void;
  /** Whether the user is looking at `room` right now (panel open, room active, scrolled to the bottom). */
  reading(room: RoomView): boolean;
}

const HISTORY_PAGE = 30;
/** A day, as "forever" for connect(): timers cannot wait much longer (2^31 ms). */
const KEEP_TRYING_MS = 86_400_000;
/** Joined rooms followed at start (one page of that many), to bound startup work. */
const MAX_FOLLOWED = 20;

export class ChatSession {
  status: LinkState = 'offline';
  user: User | undefined;
  readonly rooms = new Map<string, RoomView>();
  active: string | undefined;
  /** The room the page asked for when it could not be opened (missing, or not this user's to join). */
  unavailable: string | undefined;
  private client: ChatClient | undefined;
  private markers: ReadMarkers | undefined;
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private generation = 0;

  constructor(private readonly hooks: SessionHooks) {}

  /** Connects with `getToken` to the server's `/ws` and follows `initialRoom` plus the user's rooms. */
  async start(server: string, getToken: () => Promise<string>, initialRoom: string | undefined): Promise<void> {
    await this.stop();
    const gen = ++this.generation;
    const url = new URL('/ws', server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    // A page keeps its chat for as long as it is open: the first connection is retried as patiently
    // as a dropped one (each failed attempt still reaches the page as chat-error), never given up.
    const client = new ChatClient({ url: url.href, getToken, connectTimeoutMs: KEEP_TRYING_MS });
    this.client = client;
    this.markers = new ReadMarkers(url.host);
    this.listen(client);
    this.setStatus('connecting');
    try {
      this.user = await client.connect();
      if (gen !== this.generation) return;
      const joined = await client.listRooms('joined', { limit: MAX_FOLLOWED }).then((page) => page.rooms, () => [] as RoomSummary[]);
      const ids = [...new Set([...(initialRoom ? [initialRoom] : []), ...joined.map((r) => r.id)])].slice(0, MAX_FOLLOWED);
      await Promise.all(ids.map((id) => this.follow(id, gen, id === initialRoom)));
      if (gen !== this.generation) return;
      // A room the page asked for and cannot have is said so on screen, never swapped for another one.
      if (!this.active && !this.unavailable) this.select(initialRoom && this.rooms.has(initialRoom) ? initialRoom : ids.find((id) => this.rooms.has(id)));
      this.hooks.changed();
    } catch (err) {
      if (gen !== this.generation) return;
      this.setStatus('offline');
      this.report(err);
    }
  }

  /** Disconnects and forgets every room. */
  async stop(): Promise<void> {
    this.generation++;
    const client = this.client;
    this.client = undefined;
    for (const t of this.typingTimers.values()) clearTimeout(t);
    this.typingTimers.clear();
    this.rooms.clear();
    this.active = undefined;
    this.unavailable = undefined;
    this.user = undefined;
    this.status = 'offline';
    if (client) await client.close().catch(() => {});
  }

  get current(): RoomView | undefined {
    return this.active ? this.rooms.get(this.active) : undefined;
  }

  /** Longest message body the server accepts (UTF-16 code units), from its `welcome`. */
  get maxBody(): number {
    return this.client?.limits?.maxBody || Limits.maxBody;
  }

  /** Sum of unread messages over all followed rooms. */
  get totalUnread(): number {
    let n = 0;
    for (const r of this.rooms.values()) n += r.unread;
    return n;
  }

  /** Follows `id` if needed (joining it) and makes it the room on screen. */
  async openRoom(id: string): Promise<void> {
    if (!this.client) return;
    if (!this.rooms.has(id) && !(await this.follow(id, this.generation, true))) {
      this.active = undefined;
      this.hooks.changed();
      return;
    }
    this.select(id);
  }

  /** Makes `id` the room on screen; loads its members. */
  select(id: string | undefined): void {
    if (!id || !this.rooms.has(id)) return;
    this.active = id;
    this.unavailable = undefined;
    void this.loadMembers(this.rooms.get(id)!);
    this.hooks.changed();
  }

  /**
   * Sends `body` to the active room. The entry stays pending (the SDK's outbox retries it across
   * reconnects) until stored, and turns failed if the SDK gives up; resolves once stored.
   */
  async send(body: string, view = this.current, entry?: PendingMessage): Promise<void> {
    if (!view) throw new Error('no room to send to');
    // Text that can never be stored is refused here, before it shows as a message that could only fail.
    const invalid = !/\S/.test(body)
      ? new InvalidRequestError(ErrorCode.BadFrame, 'a message needs some non-whitespace text')
      : body.length > this.maxBody
        ? new InvalidRequestError(ErrorCode.TooLarge, `message of ${body.length} characters is over the limit of ${this.maxBody}`)
        : undefined;
    if (invalid) {
      this.report(invalid);
      throw invalid;
    }
    const timeline = view.timeline;
    if (entry) entry.status = 'pending';
    else entry = timeline.addPending(body);
    this.hooks.changed();
    try {
      const ack = await view.handle.send(body);
      const self = this.user ?? { id: '', name: '' };
      const event = timeline.acknowledge(entry, ack, self, view.id);
      this.markRead(view);
      this.hooks.message(view, event, true);
    } catch (err) {
      const e = err as ParleyError;
      timeline.fail(entry, err instanceof InvalidRequestError ? { code: e.code, message: e.message } : undefined);
      this.report(err);
      throw err;
    } finally {
      this.hooks.changed();
    }
  }

  /** Sends a failed message again. */
  retry(view: RoomView, entry: PendingMessage): Promise<void> {
    return this.send(entry.body, view, entry);
  }

  /** Loads the page of history before the oldest loaded event; resolves false when there is none. */
  async loadOlder(view: RoomView): Promise<boolean> {
    const tl = view.timeline;
    if (!tl.loaded || !tl.more) return false;
    const page = await view.handle.history({ before: tl.firstSeq, limit: HISTORY_PAGE });
    tl.addPage(page.events, page.more, true);
    this.hooks.changed();
    return page.events.length > 0;
  }

  typing(on: boolean): void {
    this.current?.handle.typing(on);
  }

  /** Changes the user's display name. */
  async rename(name: string): Promise<User> {
    if (!this.client) throw new Error('not connected');
    this.user = await this.client.setName(name);
    this.hooks.changed();
    return this.user;
  }

  /** Marks everything loaded in `view` as seen, if the user is reading it. */
  markRead(view: RoomView): void {
    if (!this.hooks.reading(view)) return;
    this.markers?.set(view.id, view.timeline.lastSeq);
    this.setUnread(view, 0);
  }

  /** Presence follows the page's visibility: away while the tab is hidden. */
  setAway(away: boolean): void {
    if (this.client?.state === 'connected') this.client.setPresence(away ? 'away' : 'online');
  }

  /** Joins and loads `id`; resolves false when it could not. `asked`: the page named this room. */
  private async follow(id: string, gen: number, asked = false): Promise<boolean> {
    const client = this.client!;
    let handle: Room;
    try {
      handle = await client.join(id);
    } catch (err) {
      if (asked && (err instanceof NotFoundError || err instanceof ForbiddenError)) {
        if (gen !== this.generation) return false;
        this.unavailable = id;
        this.hooks.error('room_unavailable', `the room "${id}" does not exist or this user may not join it (${err.code})`, true);
      } else {
        this.report(err);
      }
      return false;
    }
    if (gen !== this.generation || this.rooms.has(id)) return true;
    const view: RoomView = { id, summary: handle.summary, timeline: new Timeline(), typing: new Map(), members: undefined, unread: 0, handle };
    this.rooms.set(id, view);
    // The first sight of a room starts with everything read: a newcomer gets no backlog badge.
    if (this.markers && this.markers.get(id) === undefined) this.markers.set(id, handle.summary?.head ?? 0);
    await this.loadLatest(view);
    return true;
  }

  private async loadLatest(view: RoomView): Promise<void> {
    try {
      const page = await view.handle.history({ limit: HISTORY_PAGE });
      view.timeline.addPage(page.events, page.more, false);
      this.recount(view);
      this.markRead(view);
    } catch (err) {
      this.report(err);
    }
    this.hooks.changed();
  }

  private async loadMembers(view: RoomView): Promise<void> {
    try {
      view.members = await view.handle.members();
      this.hooks.changed();
    } catch (err) {
      this.report(err);
    }
  }

  private listen(client: ChatClient): void {
    client.on('state', ({ newState }) => {
      if (client !== this.client) return;
      this.setStatus(newState === 'connected' ? 'connected' : newState === 'reconnecting' ? 'reconnecting' : newState === 'connecting' ? 'connecting' : 'offline');
      // Presence may have changed while we were away from the server.
      if (newState === 'connected' && this.current) void this.loadMembers(this.current);
    });
    client.on('event', ({ room, event }) => {
      const view = this.rooms.get(room.id);
      if (!view || !view.timeline.add(event) || 'problem' in event) return;
      const own = event.by === this.user?.id;
      if (event.kind === 'msg') {
        this.clearTyping(view, event.by);
        if (!own) {
          this.recount(view);
          this.hooks.message(view, event, false);
        }
        this.markRead(view);
      } else if (event.kind === 'room') {
        view.summary = room.summary;
      } else if (view.id === this.active) {
        void this.loadMembers(view);
      }
      this.hooks.changed();
    });
    client.on('typing', ({ room, user, name, on }) => {
      const view = this.rooms.get(room.id);
      if (!view) return;
      if (on) this.setTyping(view, user, name);
      else this.clearTyping(view, user);
      this.hooks.changed();
    });
    client.on('presence', ({ room, user, state }) => {
      const member = this.rooms.get(room.id)?.members?.find((m) => m.user === user);
      if (member) member.state = state;
      this.hooks.changed();
    });
    client.on('profile', ({ room, user, name }) => {
      const member = this.rooms.get(room.id)?.members?.find((m) => m.user === user);
      if (member) member.name = name;
      if (user === this.user?.id) this.user = { ...this.user, name };
      this.hooks.changed();
    });
    client.on('reset', ({ room }) => {
      const view = this.rooms.get(room.id);
      if (!view) return;
      view.timeline.clear();
      void this.loadLatest(view);
    });
    client.on('added', ({ roomId }) => {
      void this.follow(roomId, this.generation).then(() => this.hooks.changed());
    });
    client.on('error', ({ error }) => this.report(error));
  }

  private setTyping(view: RoomView, user: string, name: string): void {
    view.typing.set(user, name);
    const key = `${view.id}\n${user}`;
    clearTimeout(this.typingTimers.get(key));
    // The server also sends `off`; this only guards against a lost one (e.g. across a reconnect).
    const ttl = this.client?.limits?.typingTtlMs || 6000;
    this.typingTimers.set(key, setTimeout(() => {
      this.clearTyping(view, user);
      this.hooks.changed();
    }, ttl));
  }

  private clearTyping(view: RoomView, user: string): void {
    view.typing.delete(user);
    const key = `${view.id}\n${user}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.delete(key);
  }

  private recount(view: RoomView): void {
    const marker = this.markers?.get(view.id) ?? view.timeline.lastSeq;
    this.setUnread(view, view.timeline.unreadAfter(marker, this.user?.id));
  }

  private setUnread(view: RoomView, unread: number): void {
    if (view.unread === unread) return;
    view.unread = unread;
    this.hooks.unread(view, this.totalUnread);
  }

  private setStatus(status: LinkState): void {
    if (this.status === status) return;
    this.status = status;
    this.hooks.changed();
  }

  private report(err: unknown): void {
    const e = err as Partial<ParleyError>;
    this.hooks.error(typeof e?.code === 'string' ? e.code : 'error', typeof e?.message === 'string' ? e.message : String(err));
  }
}
