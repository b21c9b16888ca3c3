// ChatClient: the SDK's front door. Wires the connection, the outbox and the followed rooms together
// and exposes them as a small promise-and-events API that behaves the same in browsers and Node.
import { Connection, type ClientState } from './connection.js';
import { Emitter, type Listener } from './emitter.js';
import type { ClientEvents } from './events.js';
import { resolveOptions, type ClientOptions } from './options.js';
import { Outbox } from './outbox.js';
import { ErrorCode, Feature, Limits, Op, PresenceState, RoomKind } from './protocol/codes.js';
import type { LinkPreview, NotifySettings, ResultData, ResultOp, RoomCommand, RoomSummary, SearchHit, User, WelcomeFrame } from './protocol/frames.js';
import { ReadStates } from './read-states.js';
import type { RequestBody } from './requests.js';
import type { Room } from './room.js';
import { JoinedRooms } from './rooms.js';
import { InvalidRequestError, NotFoundError, ParleyError } from './errors.js';
import type { UserLog } from './user-log.js';
import type { Call, CallOptions } from './call.js';
import type { CallStateFrame, SignalFrame } from './protocol/frames.js';
import { Upload, type UploadOptions, type UploadSource } from './upload.js';

// Messages per second a connection may send when the welcome does not say (protocol 4.3).
const DEFAULT_SEND_RATE = 10;
/** Call states kept for calls this connection may be about to enter. */
const RECENT_CALL_STATES = 32;
/** Signals kept per call while the reply that makes its Call is on its way: an offer and its candidates. */
const EARLY_SIGNALS_PER_CALL = 64;

export interface CreateRoomOptions {
  /** `public` (anyone may join), `private` (owner invites) or `dm` (exactly two members). */
  kind: RoomKind;
  /** Slug id ([A-Za-z0-9][A-Za-z0-9_.:-]*, up to 64); the server picks one when absent. Ignored for `dm`. */
  id?: string;
  /** Display name, up to 64 characters. */
  name?: string;
  /** User ids to add as members besides the creator (for `dm`: the other user). */
  members?: string[];
}

/** Which page of `listRooms` to read. */
export interface ListRoomsOptions {
  /** The `next` of the previous page; absent: the first page. */
  cursor?: string;
  /** Rooms per page, 1..1000. Default: the server's (1000). */
  limit?: number;
}

/** A browser's Web Push subscription as `PushSubscription.toJSON()` gives it. */
export interface PushSubscriptionKeys {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A change to the user's notification settings: do not disturb, or one room muted or not. */
export interface NotifySettingsChange {
  dnd?: boolean;
  room?: string;
  muted?: boolean;
}

/** Filters and the page of `client.search`. */
export interface SearchOptions {
  /** Only in this room. */
  room?: string;
  /** Only messages by this user id. */
  author?: string;
  /** Only messages sent before this time (a Date or ms since the epoch). */
  before?: Date | number;
  /** Only messages sent after this time. */
  after?: Date | number;
  /** Only messages with (true) or without (false) a link. */
  hasLink?: boolean;
  /** The `next` of the previous page; absent: the first page. */
  cursor?: string;
  /** Results per page, 1..50. Default 20. */
  limit?: number;
}

/** One page of `client.search`, newest first. */
export interface SearchPage {
  /** Each with `highlights`: `{ at, len }` ranges of `body` (UTF-16 units) that matched. */
  results: SearchHit[];
  /** Present when more results follow: pass it as `cursor` to read them. */
  next?: string;
}

/** One page of `listRooms`: rooms the server made itself (such as `lobby`) first, then the others by id. */
export interface RoomPage {
  rooms: RoomSummary[];
  /** Present when more rooms follow: pass it as `cursor` to read them. */
  next?: string;
}

export class ChatClient {
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly connection: Connection;
  private readonly outbox: Outbox;
  private readonly joined: JoinedRooms;
  /**
   * The user's read position, unread and mention counts in each of their rooms (features `unread`
   * and `receipts`), with `change` and `receipt` events; filled by `listRooms()`, joins and the
   * server's `read_state` frames, and kept live from the messages of followed rooms.
   */
  readonly rooms: ReadStates;
  /** Loaded at the first welcome that announces `user_log`: apps on older servers never download it. */
  private userLog: UserLog | undefined;
  private userLogLoading: Promise<void> | undefined;
  private readonly timeoutMs: number;
  private readonly gapFillDelayMs: number;
  private currentUser: User | undefined;
  private presence: PresenceState = PresenceState.Online;
  private featureSet: ReadonlySet<string> = new Set();
  /** Calls this connection takes part in, by id; the call code loads at the first call. */
  private readonly calls = new Map<string, Call>();
  private callCode: Promise<typeof import('./call.js')> | undefined;
  /** The latest `call_state` of recent calls: one can overtake the reply that makes its Call (declined at once). */
  private readonly callStates = new Map<string, CallStateFrame>();
  /**
   * Signals for calls this connection has no Call for yet. The server spreads a call's new state
   * before it replies to the start or join (it stores the call's event first), so a peer that
   * answers fast, on another node above all, can send its offer before the reply lands here.
   */
  private readonly earlySignals = new Map<string, SignalFrame[]>();
  /** Calls ringing for this user now, so that `ringEnd` is told once. */
  private readonly rings = new Map<string, string>();

  private readonly httpUrl: string;

  constructor(options: ClientOptions) {
    const resolved = resolveOptions(options);
    this.httpUrl = resolved.httpUrl;
    this.timeoutMs = resolved.requestTimeoutMs;
    this.connection = new Connection(resolved, {
      state: (oldState, newState) => this.emitter.emit('state', { oldState, newState }),
      welcome: (frame) => this.onWelcome(frame),
      frame: (frame) => {
        if (frame.t === Op.Profile && frame.user === this.currentUser?.id) this.currentUser = { ...this.currentUser, name: frame.name };
        // user_event frames follow a user_subscribe, which only a loaded UserLog sends.
        if (frame.t === Op.UserEvent) this.userLog?.push(frame.e);
        else if (frame.t === Op.CallState) this.onCallState(frame);
        else if (frame.t === Op.Signal) this.onSignal(frame as SignalFrame);
        else if (frame.t === Op.ModerationCheck) this.emitter.emit('moderationCheck', { check: omitType(frame) });
        else this.joined.route(frame, !this.hasUserLog());
      },
      down: () => {
        this.outbox.disconnected();
        this.joined.pause();
        this.rooms.pause();
        this.userLog?.pause();
      },
      closed: (error) => {
        this.outbox.cancel(error);
        this.joined.pause();
        this.userLog?.pause();
      },
      error: (error) => this.emitter.emit('error', { error }),
    });
    const connection = this.connection;
    this.outbox = new Outbox((op, body, opts) => connection.request(op, body, opts), resolved.outboxTtlMs, () => connection.refusal());
    this.rooms = new ReadStates({
      request: (op, body, opts) => connection.request(op, body, opts),
      timeoutMs: this.timeoutMs,
      me: () => this.currentUser?.id,
      supports: (feature) => this.featureSet.has(feature),
      readIntervalMs: () => connection.welcome?.limits.readIntervalMs ?? Limits.readIntervalMs,
      maxUnread: () => connection.welcome?.limits.maxUnread ?? Limits.maxUnread,
    });
    this.joined = new JoinedRooms(this.connection, this.outbox, this.emitter, this.timeoutMs, resolved.gapFillDelayMs, this.rooms);
    this.emitter.on('ring', ({ call, roomId }) => this.rings.set(call, roomId));
    this.emitter.on('ringEnd', ({ call }) => this.rings.delete(call));
    // No longer a member (left on another device, removed): the room's counts leave the totals.
    this.emitter.on('removed', ({ roomId }) => this.rooms.forget(roomId));
    this.gapFillDelayMs = resolved.gapFillDelayMs;
  }

  /** `idle` → `connecting` → `connected` ⇄ `reconnecting`; `closed` after `close()` or a fatal error. */
  get state(): ClientState {
    return this.connection.state;
  }

  /** The signed-in user, from the last `welcome` (undefined before the first). */
  get user(): User | undefined {
    return this.currentUser;
  }

  /** Server id of the current connection, for logs and support requests. */
  get session(): string | undefined {
    return this.connection.welcome?.session;
  }

  /**
   * What the server does beyond protocol v1 (`Feature` values such as `edit`), from its last
   * `welcome`: empty before the first, and against servers that announce none. Check it before
   * using a newer request or field: a server without `strict_requests` ignores fields it does not
   * know, one with it refuses them.
   */
  get features(): ReadonlySet<string> {
    return this.featureSet;
  }

  /** Limits announced by the server in its last `welcome`. */
  get limits(): WelcomeFrame['limits'] | undefined {
    return this.connection.welcome?.limits;
  }

  /** Listens to `name` events; returns the function that stops listening. */
  on<K extends keyof ClientEvents>(name: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.emitter.on(name, listener);
  }

  /** Like `on`, for the next event only. */
  once<K extends keyof ClientEvents>(name: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.emitter.once(name, listener);
  }

  /**
   * Connects and resolves with the user once the server's `welcome` arrives. Transient failures are
   * retried with backoff; rejects with UnauthorizedError, ProtocolError… on a fatal one, or on `close()`.
   * After `close()` it may be called again: followed rooms then resume where they stopped.
   */
  async connect(): Promise<User> {
    await this.connection.connect();
    return this.currentUser!;
  }

  /** Closes the connection and stops every timer; pending requests and sends fail with ClientClosedError. */
  close(): Promise<void> {
    return this.connection.close();
  }

  /** Joins a room (or subscribes to one the user is a member of) and resolves with its handle. */
  join(roomId: string): Promise<Room> {
    return this.joined.join(roomId);
  }

  /** The handle of a room this client has joined, if any. */
  room(roomId: string): Room | undefined {
    return this.joined.get(roomId);
  }

  /** Every room this client currently follows. */
  joinedRooms(): Room[] {
    return this.joined.all();
  }

  /** Creates a room (for `dm`: finds or creates the conversation) and resolves with its joined handle. */
  async createRoom(options: CreateRoomOptions): Promise<Room> {
    const { kind, id, name, members } = options;
    const result = await this.connection.request(Op.RoomCreate, { kind, id, name, members }, { timeoutMs: this.timeoutMs });
    // An existing dm comes back with created:false; joining makes sure this connection follows it.
    if (!result.created && !this.joined.get(result.room.id)) return this.joined.join(result.room.id);
    return this.joined.adopt(result.room);
  }

  /** Opens the direct-message room with `userId`, creating it on first use. */
  openDirect(userId: string): Promise<Room> {
    return this.createRoom({ kind: RoomKind.Direct, members: [userId] });
  }

  /**
   * One page of the rooms the user is a member of (`joined`, the default) or of every public room
   * (`public`). Follow `next` for the rest: `listRooms(scope, { cursor: page.next })`.
   */
  async listRooms(scope: 'joined' | 'public' = 'joined', page: ListRoomsOptions = {}): Promise<RoomPage> {
    const { cursor, limit } = page;
    const { rooms, next } = await this.connection.request(Op.RoomList, { scope, cursor, limit }, { timeoutMs: this.timeoutMs, retry: true });
    for (const room of rooms) this.rooms.summary(room);
    return next === undefined ? { rooms } : { rooms, next };
  }

  /**
   * Finds messages by their current text in every room the user may read (member rooms and public
   * rooms), newest first (servers with feature `search`). Every word must match: as a word, the start
   * of one, or (3 letters or more) a part of one, accents and case ignored. Each result carries
   * `highlights`, the ranges of its `body` that matched. Follow `next` for the next page:
   * `search(query, { ...options, cursor: page.next })`. Retried across a reconnect (it is a read).
   */
  async search(query: string, options: SearchOptions = {}): Promise<SearchPage> {
    const { room, author, hasLink, cursor, limit } = options;
    const time = (t: Date | number | undefined) => (t instanceof Date ? t.getTime() : t);
    const frame = { query, room, author, before: time(options.before), after: time(options.after), hasLink, cursor, limit };
    const { results, next } = await this.connection.request(Op.Search, frame, { timeoutMs: this.timeoutMs, retry: true });
    return next === undefined ? { results } : { results, next };
  }

  /**
   * The commands the bots of a room offer (feature `commands`), each with its bot and whether that
   * bot is online. Empty on a server without bots.
   */
  async commands(roomId: string): Promise<RoomCommand[]> {
    if (!this.featureSet.has(Feature.Commands)) return [];
    const { commands } = await this.connection.request(Op.CommandsList, { room: roomId }, { timeoutMs: this.timeoutMs, retry: true });
    return commands;
  }

  /** Changes the user's display name; resolves with the updated user. */
  async setName(name: string): Promise<User> {
    const { user } = await this.connection.request(Op.SetProfile, { name }, { timeoutMs: this.timeoutMs });
    this.currentUser = user;
    return user;
  }

  /**
   * The server's VAPID public key (base64url): the `applicationServerKey` of
   * `pushManager.subscribe`. Undefined when the server does not do Web Push (feature `push`).
   */
  get pushKey(): string | undefined {
    return this.connection.welcome?.pushKey;
  }

  /**
   * Keeps this browser's push subscription for the user, so that direct messages and mentions are
   * pushed while no connection of theirs is open. Resolves with how many subscriptions the user keeps.
   * InvalidRequestError for a bad endpoint or keys, LimitReachedError past `limits.maxPushSubscriptions`.
   */
  async subscribePush(subscription: PushSubscriptionKeys): Promise<number> {
    this.require(Feature.Push);
    const { endpoint, keys } = subscription;
    const { subscriptions } = await this.connection.request(Op.PushSubscribe, { endpoint, p256dh: keys.p256dh, auth: keys.auth }, { timeoutMs: this.timeoutMs, retry: true });
    return subscriptions;
  }

  /** Forgets the subscription at `endpoint`; resolves false when the user had none there. */
  async unsubscribePush(endpoint: string): Promise<boolean> {
    this.require(Feature.Push);
    const { removed } = await this.connection.request(Op.PushUnsubscribe, { endpoint }, { timeoutMs: this.timeoutMs, retry: true });
    return removed;
  }

  /**
   * The user's notification settings (kept by the server, honoured by Web Push), after applying
   * `change` if given: `{ dnd: true }` for do not disturb, `{ room, muted }` to mute a room.
   */
  notifySettings(change: NotifySettingsChange = {}): Promise<NotifySettings> {
    this.require(Feature.NotifySettings);
    const { dnd, room, muted } = change;
    return this.connection.request(Op.NotifySettings, { dnd, room, muted }, { timeoutMs: this.timeoutMs, retry: true });
  }

  /**
   * The preview card of the first http(s) link in message `seq` of `roomId` (fetched and cached by
   * the server); null when it has none. Text only: render it as text, and its `image` (http(s)) with
   * `referrerpolicy="no-referrer"`.
   */
  async linkPreview(roomId: string, seq: number): Promise<LinkPreview | null> {
    this.require(Feature.LinkPreviews);
    try {
      return await this.connection.request(Op.LinkPreview, { room: roomId, seq }, { timeoutMs: this.timeoutMs, retry: true });
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /**
   * Calls someone (feature `calls`): a user id rings the direct room shared with them (refused when
   * there is none), a room (handle or `{ room }`) rings its other members; a call going on there is
   * joined instead. In a browser the microphone (and with `video`, the camera) is asked for first:
   * MediaPermissionError or NoMediaDeviceError when that fails, and nobody rings. In Node the call
   * is signalling only (ringing, state, hanging up; no media).
   */
  async call(target: string | Room | { room: string }, options: CallOptions = {}): Promise<Call> {
    this.require(Feature.Calls);
    const video = options.video ?? false;
    const where = typeof target === 'string' ? { user: target } : { room: 'id' in target ? target.id : target.room };
    return this.enterCall(options, () => this.connection.request(Op.CallStart, { ...where, video }, { timeoutMs: this.timeoutMs }));
  }

  /** Answers a ringing call (or joins one going on) on this connection, with the microphone and (`video`) camera. */
  answer(callId: string, options: CallOptions = {}): Promise<Call> {
    this.require(Feature.Calls);
    return this.enterCall(options, () => this.connection.request(Op.CallJoin, { call: callId }, { timeoutMs: this.timeoutMs }));
  }

  /** Declines a ringing call on every device of the user; `busy` says it is because of another call. */
  async decline(callId: string, busy = false): Promise<void> {
    this.require(Feature.Calls);
    await this.connection.request(Op.CallDecline, { call: callId, ...(busy ? { busy } : {}) }, { timeoutMs: this.timeoutMs });
  }

  /** The calls this connection is in. */
  activeCalls(): Call[] {
    return [...this.calls.values()];
  }

  private async enterCall(options: CallOptions, ask: () => Promise<ResultData[typeof Op.CallStart]>): Promise<Call> {
    const code = await (this.callCode ??= import('./call.js'));
    const local = await code.localMedia(options);
    let joined: ResultData[typeof Op.CallStart];
    try {
      joined = await ask();
    } catch (err) {
      for (const t of local?.getTracks() ?? []) t.stop();
      throw err;
    }
    const existing = this.calls.get(joined.call);
    if (existing) return existing;
    const connection = this.connection;
    const call = new code.Call(
      {
        join: (id) => connection.request(Op.CallJoin, { call: id }, { timeoutMs: this.timeoutMs }),
        leave: (id) => connection.request(Op.CallLeave, { call: id }, { timeoutMs: this.timeoutMs }),
        notify: (frame) => connection.notify(frame),
        session: () => connection.welcome?.session,
      },
      joined,
      local,
      options,
    );
    this.calls.set(call.id, call);
    call.on('ended', () => this.calls.delete(call.id));
    // After the caller has the Call and listens to it: a state that came first (declined at once) is
    // then told, and then the signals that came first (the state names their senders).
    const seen = this.callStates.get(call.id);
    const early = this.earlySignals.get(call.id) ?? [];
    this.earlySignals.delete(call.id);
    if (seen || early.length > 0) {
      setTimeout(() => {
        if (seen) call.update(seen);
        for (const frame of early) void call.signal(frame);
      }, 0);
    }
    return call;
  }

  private onSignal(frame: SignalFrame): void {
    const call = this.calls.get(frame.call);
    if (call) return void call.signal(frame);
    const early = this.earlySignals.get(frame.call) ?? [];
    if (early.length >= EARLY_SIGNALS_PER_CALL) return;
    early.push(frame);
    this.earlySignals.delete(frame.call);
    this.earlySignals.set(frame.call, early);
    if (this.earlySignals.size > RECENT_CALL_STATES) this.earlySignals.delete(this.earlySignals.keys().next().value!);
  }

  private onCallState(state: CallStateFrame): void {
    this.callStates.delete(state.call);
    this.callStates.set(state.call, state);
    if (this.callStates.size > RECENT_CALL_STATES) this.callStates.delete(this.callStates.keys().next().value!);
    this.calls.get(state.call)?.update(state);
    this.emitter.emit('callState', { state });
    // Answered on another device, declined, cancelled: this user's ring is over.
    const roomId = this.rings.get(state.call);
    if (roomId !== undefined && !state.ringing.includes(this.currentUser?.id ?? '')) this.emitter.emit('ringEnd', { call: state.call, roomId });
  }

  /** Marks the user away (or back online). Remembered and re-applied after every reconnect. */
  /**
   * Uploads a file (feature `files`): starts at once and resolves `upload.done` with the attachment
   * to pass in `room.send(text, { files })`. Emits `progress`; `cancel()` stops it, `retry()` goes on
   * after a failure from where the server stopped. Refusals (size, type, quota, rate) are UploadErrors
   * with the server's code; the limits are in `client.limits` (`maxUploadBytes`...).
   */
  upload(source: UploadSource, options: UploadOptions = {}): Upload {
    this.require(Feature.Files);
    return new Upload({ httpUrl: this.httpUrl, token: () => this.connection.httpToken() }, source, options);
  }

  /**
   * Download URLs of files attached to messages of a room (feature `files`): absolute, signed and
   * valid until `exp` (ms epoch); files the caller may not see are left out.
   */
  async fileUrls(roomId: string, ids: readonly string[]): Promise<{ urls: { id: string; url: string; thumb?: string }[]; exp: number }> {
    this.require(Feature.Files);
    const { urls, exp } = await this.request(Op.FileUrls, { room: roomId, ids: [...ids] }, true);
    const abs = (path: string) => new URL(path, this.httpUrl).toString();
    return { urls: urls.map((u) => ({ id: u.id, url: abs(u.url), ...(u.thumb !== undefined && { thumb: abs(u.thumb) }) })), exp };
  }

  setPresence(state: 'online' | 'away'): void {
    this.presence = state;
    this.connection.notify({ t: Op.SetPresence, state });
  }

  private require(feature: Feature): void {
    if (!this.featureSet.has(feature)) throw new InvalidRequestError(ErrorCode.UnknownType, `the server does not announce the "${feature}" feature`);
  }

  /** Sends a request outside the room and outbox machinery (the bot framework's requests), retried across a reconnect when `retry`. */
  protected request<O extends ResultOp>(op: O, body: RequestBody<O>, retry = false): Promise<ResultData[O]> {
    return this.connection.request(op, body, { timeoutMs: this.timeoutMs, retry });
  }

  /** True when the server keeps a log per user (then a live `join` of ours no longer means `added`). */
  private hasUserLog(): boolean {
    return !!this.connection.welcome?.features?.includes(Feature.UserLog);
  }

  /** Follows the user's own log from where it stopped, loading its code the first time. */
  private followUserLog(): void {
    if (!this.hasUserLog()) return;
    if (this.userLog) return this.userLog.resume();
    this.userLogLoading ??= import('./user-log.js').then(({ UserLog }) => {
      this.userLog = new UserLog(this.connection, this.emitter, this.timeoutMs, this.gapFillDelayMs);
      // A reconnect while loading found no UserLog to resume: this is the only start it gets.
      if (this.connection.state === 'connected') this.userLog.resume();
    }, (cause: unknown) => {
      // A chunk that did not download (the network went): the next welcome tries again.
      this.userLogLoading = undefined;
      this.emitter.emit('error', { error: new ParleyError('user_log_unavailable', 'could not load the user log code', { cause }) });
    });
  }

  private onWelcome(frame: WelcomeFrame): void {
    this.currentUser = frame.user;
    this.featureSet = new Set(frame.features);
    // A new connection starts out online; re-assert away before anyone sees the flip.
    if (this.presence === PresenceState.Away) this.connection.notify({ t: Op.SetPresence, state: PresenceState.Away });
    this.joined.resume();
    this.rooms.resume();
    this.followUserLog();
    // A new connection is a new participant to the server: each call is joined again from here.
    for (const call of this.calls.values()) void call.rejoin();
    this.outbox.connected(frame.limits.sendRate || DEFAULT_SEND_RATE);
  }
}

/** A server frame without its opcode: what listeners get. */
function omitType<F extends { t: number }>(frame: F): Omit<F, 't'> {
  const { t: _t, ...rest } = frame;
  return rest;
}
