// One client connection: handshake, frame decoding and validation, rate limits, activity, and
// dispatch of requests to their handlers with exactly one reply each.
import {
  CloseCode,
  decodeClientFrame,
  encodeFrame,
  encodeResultFrame,
  ErrorCode,
  FrameError,
  Limits,
  Op,
  PROTOCOL_VERSION,
  type ClientFrame,
  type HelloFrame,
} from '@parley/sdk/protocol';
import { randomBytes } from 'node:crypto';
import { AuthError, type Identity } from '../auth.js';
import { BOT_KEY_PREFIX, type BotGrant } from '../bots/registry.js';
import { fitName } from '../name-length.js';
import type { Logger } from '../log.js';
import { Admission } from './admission.js';
import type { Conn } from './conn.js';
import { describeFailure } from './errors.js';
import type { Hub } from './hub.js';
import { requestHandlers } from './requests.js';
import { SendOrder } from './send-order.js';

/** Rejected frames within REJECT_WINDOW_MS after which a flooding socket is closed. */
const REJECT_LIMIT = 100;
const REJECT_WINDOW_MS = 10_000;
/** What an idle connection without rooms reads instead of a Set of its own. */
const NONE: ReadonlySet<string> = new Set();
/** Random bytes for session ids, drawn 256 ids at a time: one call into the CSPRNG per connection showed in a connection storm. */
const ID_BYTES = 9;
/** Characters of ID_BYTES in base64url. */
const ID_CHARS = 12;
let idPool = Buffer.alloc(0);
let idAt = 0;
/** The node's prefix followed by room for the random part: each id is written here and read out as one flat string. */
let idTemplate = Buffer.alloc(0);
let idPrefix = '';

/**
 * `<node>-<12 random base64url characters>`. Read out of a buffer rather than concatenated: a
 * concatenation is a rope of three strings (~100 bytes held for as long as the connection), this
 * is one of ~50.
 */
function sessionId(node: string): string {
  if (idAt + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * 256);
    idAt = 0;
  }
  if (node !== idPrefix) {
    idPrefix = node;
    idTemplate = Buffer.from(`${node}-${'0'.repeat(ID_CHARS)}`, 'latin1');
  }
  const start = idTemplate.length - ID_CHARS;
  idTemplate.write(idPool.toString('base64url', idAt, (idAt += ID_BYTES)), start, 'latin1');
  return idTemplate.toString('latin1');
}

type Phase = 'hello' | 'authenticating' | 'ready' | 'closed';
const PHASES: readonly Phase[] = ['hello', 'authenticating', 'ready', 'closed'];
/** {@link Session}'s bits: the phase's index in PHASES, then one bit per flag. */
const PHASE_MASK = 0b11;
const GUEST = 1 << 2;
const ADMIN = 1 << 3;
const FOLLOWS_USER_LOG = 1 << 4;
const REPORTED_AWAY = 1 << 5;
const IDLE = 1 << 6;

export class Session {
  /** Begins with this node's id, so that the node taking over after this one died knows its connections (ADR 0024). */
  readonly id: string;
  /** When the socket opened, ms epoch (the admin console lists a user's connections). */
  readonly openedAt = Date.now();
  userId = '';
  userName = '';
  /**
   * The phase and the yes/no facts below (guest, admin, follows the user log, reported away, idle),
   * packed into one small integer: six fields were 48 bytes of every connection, this is 8.
   */
  private bits = 0;
  /** Set when signed in with a bot key: the bot, the key, and the rooms the key may act in (ADR 0017). */
  bot: BotGrant | undefined;
  /** The stable device id the client sent in `hello` (ADR 0011), for logs and for addressing one device later. */
  device: string | undefined;
  /** When a guest was first seen (ms epoch), read the first time a check needs it. */
  firstSeen: number | undefined;
  /**
   * Head of the user's log when this connection was welcomed: a `user_subscribe` without `after`
   * replays from here, so a notice made while the client was still getting ready is not missed.
   */
  userLogStart = 0;
  // Allocated on first use, like the rate limiters: most connections of a widget site sit idle.
  private roomSet: Set<string> | undefined;
  private watchSet: Set<string> | undefined;
  private memberSet: Set<string> | undefined;
  /** The user's role per room as last read (undefined: read, not a member). */
  private roleMap: Map<string, string | undefined> | undefined;
  lastActive = Date.now();
  /** Keeps this connection's messages in arrival order on their way to the store. */
  private sendOrder: SendOrder | undefined;
  /** Rate limits and the bound on requests in progress; made at the first request. */
  private admission: Admission | undefined;
  private rejected = 0;
  private rejectWindowStart = 0;
  /** The hello deadline, until hello arrives. */
  private timer: ReturnType<typeof setTimeout> | undefined;
  private logger: Logger | undefined;
  /** The session's slot in the hub's token-expiry wheel, once authenticated. */
  private expirySlot: number | undefined;

  constructor(
    readonly conn: Conn,
    readonly hub: Hub,
  ) {
    this.id = sessionId(hub.nodeId);
    const { helloTimeoutMs } = hub.config;
    this.timer = setTimeout(() => this.conn.close(CloseCode.HelloTimeout, 'no hello'), helloTimeoutMs);
  }

  private get phase(): Phase {
    return PHASES[this.bits & PHASE_MASK]!;
  }

  private set phase(phase: Phase) {
    this.bits = (this.bits & ~PHASE_MASK) | PHASES.indexOf(phase);
  }

  /** Signed in as a guest. */
  get guest(): boolean {
    return (this.bits & GUEST) !== 0;
  }

  set guest(on: boolean) {
    this.setBit(GUEST, on);
  }

  /** A server admin (the token's `parley_admin` claim or PARLEY_ADMINS): moderates every room. */
  get admin(): boolean {
    return (this.bits & ADMIN) !== 0;
  }

  set admin(on: boolean) {
    this.setBit(ADMIN, on);
  }

  /** Receives `user_event` frames (sent `user_subscribe`); the hub keeps it. */
  get followsUserLog(): boolean {
    return (this.bits & FOLLOWS_USER_LOG) !== 0;
  }

  set followsUserLog(on: boolean) {
    this.setBit(FOLLOWS_USER_LOG, on);
  }

  /** No frames from the client for awayAfterMs. */
  get idle(): boolean {
    return (this.bits & IDLE) !== 0;
  }

  /** Client said it is away. */
  private get reportedAway(): boolean {
    return (this.bits & REPORTED_AWAY) !== 0;
  }

  private setBit(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  /** This connection's logger: every line names the session and, once signed in, the user and device. Made on first use. */
  get log(): Logger {
    if (!this.logger) {
      const fields: Record<string, string> = { session: this.id };
      if (this.userId) fields.user = this.userId;
      if (this.device) fields.device = this.device;
      this.logger = this.hub.log.child(fields);
    }
    return this.logger;
  }

  /** Rooms this connection receives live frames for. */
  get rooms(): ReadonlySet<string> {
    return this.roomSet ?? NONE;
  }

  /** Moderation-hook topics this connection follows (`moderation_watch`). */
  get watches(): ReadonlySet<string> {
    return this.watchSet ?? NONE;
  }

  /** Adds `topic` to {@link watches}; false when it was there already. */
  addWatch(topic: string): boolean {
    const watches = (this.watchSet ??= new Set());
    return watches.size !== watches.add(topic).size;
  }

  /** Rooms the user is known to be a member of (positive cache; invalidated on leave). */
  get memberOf(): ReadonlySet<string> {
    return this.memberSet ?? NONE;
  }

  /** Adds `room` to {@link rooms}; false when it was there already. */
  addRoom(room: string): boolean {
    const rooms = (this.roomSet ??= new Set());
    return rooms.size !== rooms.add(room).size;
  }

  /** Removes `room` from {@link rooms}; false when it was not there. */
  removeRoom(room: string): boolean {
    return this.roomSet?.delete(room) ?? false;
  }

  /** Remembers that the user is a member of `room` (or, with `member` false, forgets it and the role there). */
  setMember(room: string, member = true): void {
    if (member) (this.memberSet ??= new Set()).add(room);
    else {
      this.memberSet?.delete(room);
      this.roleMap?.delete(room);
    }
  }

  /** Remembers the user's role in `room` as just read (undefined: not a member). */
  noteRole(room: string, role: string | undefined): void {
    (this.roleMap ??= new Map()).set(room, role);
  }

  /** Whether the role in `room` was read on this connection (and not changed since). */
  roleKnown(room: string): boolean {
    return this.roleMap?.has(room) ?? false;
  }

  /** Forgets the role in `room` (it changed). */
  forgetRole(room: string): void {
    this.roleMap?.delete(room);
  }

  /** Whether the user may moderate `room`: a server admin, or its owner or a moderator as last read. */
  moderates(room: string): boolean {
    if (this.admin) return true;
    const role = this.roleMap?.get(room);
    return role === 'owner' || role === 'moderator';
  }

  get authenticated(): boolean {
    return this.phase === 'ready';
  }

  get away(): boolean {
    return (this.bits & (REPORTED_AWAY | IDLE)) !== 0;
  }

  onText(): void {
    this.sendError(undefined, ErrorCode.BadFrame, 'text frames are not part of the protocol; send binary msgpack');
    this.conn.close(CloseCode.ProtocolError, 'text frame');
  }

  onBinary(bytes: Uint8Array): void {
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(bytes, Limits.maxFrameBytes);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.sendError(err.r, err.code, err.message);
      if (this.phase !== 'ready' || err.undecodable) this.conn.close(CloseCode.ProtocolError, 'bad frame');
      else this.countRejected();
      return;
    }
    if (this.phase !== 'ready') return this.beforeReady(frame);
    if (frame.t === Op.Hello) return this.sendError(frame.r, ErrorCode.BadFrame, 'already signed in');
    const refusal = (this.admission ??= new Admission(this.hub.config)).admit(frame, this.userId);
    if (refusal) {
      this.sendError('r' in frame ? frame.r : undefined, ErrorCode.RateLimited, refusal.message, refusal.retryAfter);
      this.countRejected();
      return;
    }
    if (frame.t !== Op.Ping) this.touch();
    this.dispatch(frame);
  }

  onClose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.expirySlot !== undefined) this.hub.expiries.remove(this, this.expirySlot);
    this.hub.removeSession(this); // while still `ready`, so the hub releases its rooms and presence
    this.phase = 'closed';
  }

  /** Charges the connection's work budget for work a request turned out to cause (protocol §11.1). */
  chargeWork(units: number): void {
    this.admission?.charge(units);
  }

  /** Client-reported away/online. */
  setAway(away: boolean): void {
    if (this.reportedAway === away) return;
    this.setBit(REPORTED_AWAY, away);
    this.hub.presence.refresh(this.userId);
  }

  setIdle(idle: boolean): void {
    if (this.idle === idle) return;
    this.setBit(IDLE, idle);
    this.hub.presence.refresh(this.userId);
  }

  /** Hands messages to the store in the order their frames arrived (see SendOrder). */
  inOrder<T>(prepare: (() => Promise<unknown>) | undefined, submit: () => Promise<T>): Promise<T> {
    if (!prepare && !this.sendOrder) return submit();
    return (this.sendOrder ??= new SendOrder()).inOrder(prepare, submit);
  }

  send(frame: object): void {
    this.conn.send(encodeFrame(frame));
  }

  reply(r: number, data: object): void {
    this.conn.send(encodeResultFrame(r, data));
  }

  sendError(r: number | undefined, code: ErrorCode, message: string, retryAfter?: number, reason?: string): void {
    const frame: Record<string, unknown> = { t: Op.Error, code, message };
    if (r !== undefined) frame.r = r;
    if (retryAfter !== undefined) frame.retryAfter = retryAfter;
    if (reason !== undefined) frame.reason = reason;
    this.hub.metrics.errorFrame(code);
    this.send(frame);
  }

  private touch(): void {
    this.lastActive = Date.now();
    if (this.idle) this.setIdle(false);
  }

  private beforeReady(frame: ClientFrame): void {
    if (this.phase === 'hello' && frame.t === Op.Hello) {
      this.phase = 'authenticating';
      void this.hub.track(this.hello(frame));
      return;
    }
    this.sendError('r' in frame ? frame.r : undefined, ErrorCode.NotReady, 'send hello and wait for welcome first');
    this.conn.close(CloseCode.ProtocolError, 'hello expected');
  }

  private async hello(frame: HelloFrame): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (frame.v !== PROTOCOL_VERSION) {
      this.sendError(frame.r, ErrorCode.UnsupportedVersion, `this server speaks protocol v${PROTOCOL_VERSION}`);
      return this.conn.close(CloseCode.UnsupportedVersion, 'unsupported version');
    }
    let identity: Identity;
    let user;
    try {
      if (frame.token?.startsWith(BOT_KEY_PREFIX)) {
        const grant = (await this.hub.bots?.verify(frame.token)) ?? null;
        if (!grant) throw new AuthError('bad_signature', 'bot key is unknown or revoked');
        this.bot = grant;
        // A key does not expire: it is revoked (and its connections closed by the hub's sweep).
        identity = { id: grant.id, name: grant.name, guest: false, expiresAt: Number.POSITIVE_INFINITY, admin: false };
      } else {
        identity = this.hub.auth.verify(frame.token);
        // Bots' names are theirs alone: anyone else arriving under one is told apart in words. (With
        // the database away the sign-in below fails as `unavailable` anyway.)
        if (await this.hub.bots?.reserved(identity.name).catch(() => false)) identity = { ...identity, name: fitName(`${identity.name} (not a bot)`) };
      }
    } catch (err) {
      if (!(err instanceof AuthError)) {
        const f = describeFailure(err);
        if (f.unexpected) this.log.error('hello failed', { err });
        this.sendError(frame.r, f.code, f.message);
        return this.conn.close(CloseCode.Reconnect, 'storage unavailable');
      }
      this.sendError(frame.r, ErrorCode.Unauthorized, `token rejected: ${err.reason}`);
      return this.conn.close(CloseCode.Unauthorized, err.reason);
    }
    try {
      // With the user, where this connection's view of the user's own log begins.
      const signedIn = await this.hub.store.signIn({ id: identity.id, name: identity.name, guest: identity.guest });
      user = signedIn.user;
      this.userLogStart = signedIn.logHead;
      // Host-issued tokens are authoritative for the name; a guest keeps the name it chose last.
      if (!identity.guest && user.name !== identity.name) user = await this.hub.store.setUserName(identity.id, identity.name);
    } catch (err) {
      const f = describeFailure(err);
      if (f.unexpected) this.log.error('hello failed', { err });
      this.sendError(frame.r, f.code, f.message);
      return this.conn.close(CloseCode.Reconnect, 'storage unavailable');
    }
    // Frames that arrived with `hello` were sent before the client could read `welcome`: they must be
    // refused (not_ready) whatever the store's speed. An in-process store can finish the hello between
    // two frames of one read; setImmediate runs after every frame of this loop turn was handled.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.conn.closed || this.phase !== 'authenticating') return;
    const { connectionsPerUser } = this.hub.config;
    if (connectionsPerUser > 0 && this.hub.sessionsOf(user.id).size >= connectionsPerUser) {
      this.sendError(frame.r, ErrorCode.LimitReached, `this user already has ${connectionsPerUser} connections open, the most this server allows; close one first`);
      return this.conn.close(CloseCode.TooManyConnections, 'too many connections');
    }
    this.userId = user.id;
    this.userName = user.name;
    this.guest = user.guest;
    this.device = frame.device;
    this.admin = !user.guest && (identity.admin || this.hub.config.admins.includes(user.id));
    this.logger = undefined; // from here on every line names the user and device
    this.phase = 'ready';
    if (Number.isFinite(identity.expiresAt)) this.expirySlot = this.hub.expiries.add(this, identity.expiresAt);
    this.hub.addUser(this);
    const welcome = { r: frame.r, user: { id: user.id, name: user.name, guest: user.guest, ...(this.bot && { bot: true as const }) }, session: this.id };
    this.conn.send(this.hub.welcome.encode(welcome, this.hub.notifications?.sender.publicKey));
  }

  /** Called by the hub when the token's validity has passed. */
  expire(): void {
    this.expirySlot = undefined;
    this.conn.close(CloseCode.TokenExpired, 'token expired');
  }

  private dispatch(frame: ClientFrame): void {
    const handler = requestHandlers[frame.t as keyof typeof requestHandlers] as
      | ((s: Session, f: ClientFrame) => Promise<object | void> | object | void)
      | undefined;
    if (!handler) return this.sendError('r' in frame ? frame.r : undefined, ErrorCode.UnknownType, `frame type ${frame.t} is not a request`);
    const r = 'r' in frame ? frame.r : undefined;
    if (this.bot && !this.inScope(frame)) {
      const room = 'room' in frame ? frame.room : undefined;
      const why = room === undefined ? 'a bot cannot create rooms' : `this bot's key is not scoped to room "${room}"`;
      return this.sendError(r, ErrorCode.Forbidden, why);
    }
    let out: Promise<object | void> | object | void;
    try {
      out = handler(this, frame);
    } catch (err) {
      return this.fail(r, err);
    }
    if (out instanceof Promise) {
      const admission = this.admission;
      admission?.started();
      const replied = out.then((data) => this.succeed(r, data), (err: unknown) => this.fail(r, err));
      void this.hub.track(replied.finally(() => admission?.finished()));
    } else {
      this.succeed(r, out);
    }
  }

  /** A bot acts only in the rooms its key names, and creates none. */
  private inScope(frame: ClientFrame): boolean {
    if (frame.t === Op.RoomCreate) return false;
    return !('room' in frame) || frame.room === undefined || this.bot!.rooms.has(frame.room);
  }

  private succeed(r: number | undefined, data: object | void): void {
    if (r !== undefined && data) this.reply(r, data);
  }

  private fail(r: number | undefined, err: unknown): void {
    const f = describeFailure(err);
    if (f.unexpected) this.log.error('request failed', { err });
    this.sendError(r, f.code, f.message, f.retryAfter, f.reason);
  }

  private countRejected(): void {
    const now = Date.now();
    if (now - this.rejectWindowStart > REJECT_WINDOW_MS) {
      this.rejectWindowStart = now;
      this.rejected = 0;
    }
    if (++this.rejected > REJECT_LIMIT) this.conn.close(CloseCode.RateLimited, 'flooding');
  }
}
