// ChatClient: the SDK's front door. Wires the connection, the outbox and the followed rooms together
// and exposes them as a small promise-and-events API that behaves the same in browsers and Node.
import { Connection, type ClientState } from './connection.js';
import { Emitter, type Listener } from './emitter.js';
import type { ClientEvents } from './events.js';
import { resolveOptions, type ClientOptions } from './options.js';
import { Outbox } from './outbox.js';
import { Feature, Op, PresenceState, RoomKind } from './protocol/codes.js';
import type { ResultData, ResultOp, RoomCommand, RoomSummary, User, WelcomeFrame } from './protocol/frames.js';
import type { RequestBody } from './requests.js';
import type { Room } from './room.js';
import { JoinedRooms } from './rooms.js';
import { ParleyError } from './errors.js';
import type { UserLog } from './user-log.js';

// Messages per second a connection may send when the welcome does not say (protocol 4.3).
const DEFAULT_SEND_RATE = 10;

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
  private readonly rooms: JoinedRooms;
  /** Loaded at the first welcome that announces `user_log`: apps on older servers never download it. */
  private userLog: UserLog | undefined;
  private userLogLoading: Promise<void> | undefined;
  private readonly timeoutMs: number;
  private readonly gapFillDelayMs: number;
  private currentUser: User | undefined;
  private presence: PresenceState = PresenceState.Online;
  private featureSet: ReadonlySet<string> = new Set();

  constructor(options: ClientOptions) {
    const resolved = resolveOptions(options);
    this.timeoutMs = resolved.requestTimeoutMs;
    this.connection = new Connection(resolved, {
      state: (oldState, newState) => this.emitter.emit('state', { oldState, newState }),
      welcome: (frame) => this.onWelcome(frame),
      frame: (frame) => {
        if (frame.t === Op.Profile && frame.user === this.currentUser?.id) this.currentUser = { ...this.currentUser, name: frame.name };
        // user_event frames follow a user_subscribe, which only a loaded UserLog sends.
        if (frame.t === Op.UserEvent) this.userLog?.push(frame.e);
        else this.rooms.route(frame, !this.hasUserLog());
      },
      down: () => {
        this.outbox.disconnected();
        this.rooms.pause();
        this.userLog?.pause();
      },
      closed: (error) => {
        this.outbox.cancel(error);
        this.rooms.pause();
        this.userLog?.pause();
      },
      error: (error) => this.emitter.emit('error', { error }),
    });
    const connection = this.connection;
    this.outbox = new Outbox((op, body, opts) => connection.request(op, body, opts), resolved.outboxTtlMs, () => connection.refusal());
    this.rooms = new JoinedRooms(this.connection, this.outbox, this.emitter, this.timeoutMs, resolved.gapFillDelayMs);
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
    return this.rooms.join(roomId);
  }

  /** The handle of a room this client has joined, if any. */
  room(roomId: string): Room | undefined {
    return this.rooms.get(roomId);
  }

  /** Every room this client currently follows. */
  joinedRooms(): Room[] {
    return this.rooms.all();
  }

  /** Creates a room (for `dm`: finds or creates the conversation) and resolves with its joined handle. */
  async createRoom(options: CreateRoomOptions): Promise<Room> {
    const { kind, id, name, members } = options;
    const result = await this.connection.request(Op.RoomCreate, { kind, id, name, members }, { timeoutMs: this.timeoutMs });
    // An existing dm comes back with created:false; joining makes sure this connection follows it.
    if (!result.created && !this.rooms.get(result.room.id)) return this.rooms.join(result.room.id);
    return this.rooms.adopt(result.room);
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
    return next === undefined ? { rooms } : { rooms, next };
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

  /** Marks the user away (or back online). Remembered and re-applied after every reconnect. */
  setPresence(state: 'online' | 'away'): void {
    this.presence = state;
    this.connection.notify({ t: Op.SetPresence, state });
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
    this.rooms.resume();
    this.followUserLog();
    this.outbox.connected(frame.limits.sendRate || DEFAULT_SEND_RATE);
  }
}
