// In-process Parley server for SDK tests: speaks protocol v1 through the real codec on a random port,
// keeps rooms in memory, and lets a test intercept any client frame to stage edge cases
// (withhold or delay a reply, drop the socket mid-send, reorder events, answer with gap:true...).
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CloseCode,
  decodeClientFrame,
  encodeFrame,
  ErrorCode,
  EventKind,
  FrameError,
  Op,
  PROTOCOL_VERSION,
  type ClientFrame,
  type RoomEvent,
  type RoomSummary,
  type User,
} from '../src/protocol/index.js';

export interface FakeRoom {
  id: string;
  kind: 'public' | 'private' | 'dm';
  name: string;
  owner: string;
  members: Set<string>;
  events: RoomEvent[];
  /** Acks by `${user}/${cid}`, for idempotent sends. */
  acks: Map<string, { cid: string; id: string; seq: number; ts: number }>;
  /** Current state of changed messages by seq: edits, deletes and reactions (emoji → users). */
  changed: Map<number, { body?: string; deleted: boolean; reactions: Map<string, Set<string>> }>;
}

/** Return true to swallow the frame (the default handling does not run). */
export type Interceptor = (frame: ClientFrame, conn: FakeConnection) => boolean | void;

export interface FakeServerOptions {
  /** token → user; a token not listed is rejected. Default: any token `<id>` is user `<id>`. */
  tokens?: Record<string, User>;
  /** Replay bound for subscribe-with-after. Default 1000. */
  resumeLimit?: number;
  /** Largest history page the server returns, whatever the client asks. Default 200. */
  historyPage?: number;
  /**
   * Enforces and announces per-connection rate limits the way the real server does (session.ts):
   * token buckets with a burst of twice the rate, `rate_limited` for a frame over either, and close
   * 4006 after more than 100 rejected frames within 10 s. Default: no limits (sendRate 10 announced).
   */
  rateLimits?: { sendRate: number; frameRate: number };
}

const LIMITS = { maxFrameBytes: 65536, maxBody: 4000, maxHistory: 200, typingTtlMs: 6000, sendRate: 10 };

let eventIds = 0;

/** The real server's rate limiter, restated here so that the SDK is not tested against its own code. */
class Bucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  retryAfterMs(): number {
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000));
  }
}

/** Per connection: both buckets and the rejections counted towards a 4006 close. */
interface Limiter {
  frames: Bucket;
  sends: Bucket;
  rejected: number;
  windowStart: number;
}

/** Drops `undefined` values: the codec would encode them as a msgpack extension that decoders refuse. */
function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clean) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, clean(v)])) as T;
  }
  return value;
}

export class FakeConnection {
  /** Every frame this connection received, decoded. */
  readonly frames: ClientFrame[] = [];
  /** Frames refused with `rate_limited` (only with `rateLimits`). */
  readonly rateLimited: ClientFrame[] = [];
  limiter: Limiter | undefined;
  /** The close code this connection was closed with by the server, if it was. */
  closedWith: number | undefined;
  readonly subscriptions = new Set<string>();
  user: User | undefined;
  token: string | undefined;
  closed = false;
  /** When the socket was accepted / closed, in ms since the epoch. */
  readonly openedAt = Date.now();
  closedAt = 0;

  constructor(readonly ws: WebSocket) {}

  send(frame: object): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeFrame(clean(frame)));
  }

  sendRaw(data: Uint8Array | string): void {
    this.ws.send(data);
  }

  result(r: number, data: object): void {
    this.send({ t: Op.Result, r, data });
  }

  error(r: number | undefined, code: string, message = code, retryAfter?: number): void {
    this.send({ t: Op.Error, r, code, message, retryAfter });
  }

  event(e: RoomEvent): void {
    this.send({ t: Op.Event, e });
  }

  close(code: number, reason = ''): void {
    this.closedWith ??= code;
    this.ws.close(code, reason);
  }

  /** Drops the TCP connection without a closing handshake, like a dead network. */
  terminate(): void {
    this.ws.terminate();
  }

  /** Received frames of type `t`. */
  sent<T extends ClientFrame['t']>(t: T): Extract<ClientFrame, { t: T }>[] {
    return this.frames.filter((f): f is Extract<ClientFrame, { t: T }> => f.t === t);
  }
}

export class FakeServer {
  readonly connections: FakeConnection[] = [];
  readonly rooms = new Map<string, FakeRoom>();
  private readonly interceptors: Interceptor[] = [];

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
    private readonly options: FakeServerOptions,
  ) {
    wss.on('connection', (ws) => this.accept(ws));
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const { port } = wss.address() as { port: number };
    return new FakeServer(wss, `ws://127.0.0.1:${port}/ws`, options);
  }

  /** Runs before the default handling of every client frame; returns the function that removes it. */
  intercept(fn: Interceptor): () => void {
    this.interceptors.push(fn);
    return () => this.interceptors.splice(this.interceptors.indexOf(fn), 1);
  }

  /** The most recent connection that completed its handshake. */
  get last(): FakeConnection {
    const conn = [...this.connections].reverse().find((c) => c.user && !c.closed);
    if (!conn) throw new Error('no live connection');
    return conn;
  }

  /** Creates a room directly in the store (no frames sent). */
  createRoom(id: string, kind: FakeRoom['kind'] = 'public', members: string[] = [], owner = members[0] ?? 'system'): FakeRoom {
    const room: FakeRoom = { id, kind, name: id, owner, members: new Set(members), events: [], acks: new Map(), changed: new Map() };
    this.rooms.set(id, room);
    return room;
  }

  /** Appends an event to a room's log without delivering it to anyone. */
  append(roomId: string, fields: Partial<RoomEvent> & { by?: string } = {}): RoomEvent {
    const room = this.rooms.get(roomId)!;
    const e: RoomEvent = {
      room: roomId,
      seq: room.events.length + 1,
      id: `ev${++eventIds}`,
      kind: EventKind.Message,
      ts: Date.now(),
      by: 'bob',
      name: 'Bob',
      ...fields,
    };
    if (e.kind === EventKind.Message && e.body === undefined) e.body = `message ${e.seq}`;
    room.events.push(clean(e));
    return e;
  }

  /** Sends an event to every connection subscribed to its room. */
  publish(e: RoomEvent): void {
    for (const conn of this.connections) if (conn.subscriptions.has(e.room)) conn.event(e);
  }

  /** Appends and publishes: another user posting a message. */
  post(roomId: string, fields: Partial<RoomEvent> = {}): RoomEvent {
    const e = this.append(roomId, fields);
    this.publish(e);
    return e;
  }

  /** The default behaviour for a frame. With `reply: false` the work is done but no result is sent. */
  handle(frame: ClientFrame, conn: FakeConnection, { reply = true } = {}): void {
    const answer = (r: number, data: object): void => {
      if (reply) conn.result(r, data);
    };
    const user = conn.user!;
    const summary = (room: FakeRoom): RoomSummary => ({
      id: room.id,
      name: room.name,
      kind: room.kind,
      head: room.events.length,
      role: room.members.has(user.id) ? (room.owner === user.id ? 'owner' : 'member') : undefined,
      members: room.members.size,
    }) as RoomSummary;
    const roomOf = (id: string, r: number): FakeRoom | undefined => {
      const room = this.rooms.get(id);
      if (!room) conn.error(r, ErrorCode.NotFound, `no room ${id}`);
      return room;
    };
    switch (frame.t) {
      case Op.Ping:
        return answer(frame.r, { ts: Date.now() });
      case Op.RoomCreate: {
        const id = frame.kind === 'dm' ? `dm:${[user.id, ...(frame.members ?? [])].sort().join('.')}` : (frame.id ?? `r${++eventIds}`);
        const existing = this.rooms.get(id);
        if (existing && frame.kind !== 'dm') return conn.error(frame.r, ErrorCode.Conflict, 'room exists');
        if (existing) return answer(frame.r, { room: summary(existing), created: false });
        const room = this.createRoom(id, frame.kind, [user.id, ...(frame.members ?? [])], user.id);
        room.name = frame.name ?? id;
        this.append(id, { kind: EventKind.Room, by: user.id, name: user.name, data: { name: room.name, kind: room.kind } });
        for (const m of room.members) this.append(id, { kind: EventKind.Join, by: m, name: m });
        conn.subscriptions.add(id);
        return answer(frame.r, { room: summary(room), created: true });
      }
      case Op.RoomList: {
        // Pages by id, the cursor being the last id of the previous page (a real server's is opaque).
        const rooms = [...this.rooms.values()]
          .filter((r) => (frame.scope === 'public' ? r.kind === 'public' : r.members.has(user.id)))
          .filter((r) => frame.cursor === undefined || r.id > frame.cursor)
          .sort((a, b) => (a.id < b.id ? -1 : 1));
        const page = rooms.slice(0, frame.limit ?? 1000);
        const next = rooms.length > page.length ? page[page.length - 1]!.id : undefined;
        return answer(frame.r, { rooms: page.map(summary), next });
      }
      case Op.Join: {
        const room = roomOf(frame.room, frame.r);
        if (!room) return;
        if (!room.members.has(user.id)) {
          if (room.kind !== 'public') return conn.error(frame.r, ErrorCode.Forbidden, 'not a member');
          room.members.add(user.id);
          this.post(room.id, { kind: EventKind.Join, by: user.id, name: user.name });
        }
        conn.subscriptions.add(room.id);
        return answer(frame.r, { room: summary(room), replayed: 0 });
      }
      case Op.Subscribe: {
        const room = roomOf(frame.room, frame.r);
        if (!room) return;
        if (!room.members.has(user.id)) return conn.error(frame.r, ErrorCode.Forbidden, 'not a member');
        conn.subscriptions.add(room.id);
        const head = room.events.length;
        if (frame.after === undefined) return answer(frame.r, { room: summary(room), replayed: 0 });
        if (head - frame.after > (this.options.resumeLimit ?? 1000)) return answer(frame.r, { room: summary(room), replayed: 0, gap: true });
        const missed = room.events.slice(frame.after);
        for (const e of missed) conn.event(e);
        return answer(frame.r, { room: summary(room), replayed: missed.length });
      }
      case Op.Unsubscribe:
        conn.subscriptions.delete(frame.room);
        return answer(frame.r, { room: frame.room });
      case Op.Leave: {
        const room = roomOf(frame.room, frame.r);
        if (!room) return;
        room.members.delete(user.id);
        this.post(room.id, { kind: EventKind.Leave, by: user.id, name: user.name });
        for (const c of this.connections) if (c.user?.id === user.id) c.subscriptions.delete(room.id);
        return answer(frame.r, { room: room.id });
      }
      case Op.Invite: {
        const room = roomOf(frame.room, frame.r);
        if (!room) return;
        if (!room.members.has(frame.user)) {
          room.members.add(frame.user);
          this.post(room.id, { kind: EventKind.Join, by: frame.user, name: frame.user, data: { inviter: user.id } });
        }
        return answer(frame.r, { room: room.id, user: frame.user });
      }
      case Op.Members: {
        const room = roomOf(frame.room, frame.r);
        if (!room) return;
        const members = [...room.members].map((id) => ({ user: id, name: id, role: id === room.owner ? 'owner' : 'member', state: 'online' }));
        return answer(frame.r, { members });
      }
      case Op.RoomUpdate: {
        const room = roomOf(frame.room, frame.r);
        if (!room) return;
        if (room.owner !== user.id) return conn.error(frame.r, ErrorCode.Forbidden, 'owner only');
        room.name = frame.name;
        this.post(room.id, { kind: EventKind.Room, by: user.id, name: user.name, data: { name: frame.name } });
        return answer(frame.r, { room: summary(room) });
      }
      case Op.Send: {
        const room = roomOf(frame.room, frame.r);
        if (!room) return;
        if (!room.members.has(user.id)) return conn.error(frame.r, ErrorCode.Forbidden, 'not a member');
        const key = `${user.id}/${frame.cid}`;
        const known = room.acks.get(key);
        if (known) return answer(frame.r, { ...known, duplicate: true });
        const { replyTo, thread, mentions } = frame;
        const data = replyTo || thread ? (clean({ replyTo, thread }) as Record<string, number>) : undefined;
        const e = this.append(room.id, { by: user.id, name: user.name, cid: frame.cid, body: frame.body, data, mentions });
        const ack = { cid: frame.cid, id: e.id, seq: e.seq, ts: e.ts };
        room.acks.set(key, ack);
        this.publish(e);
        return answer(frame.r, { ...ack, duplicate: false });
      }
      case Op.Edit:
      case Op.Delete:
      case Op.React: {
        // Changes as ADR 0011 has them: to a msg of the room, edit and delete only by its author,
        // nothing appended (changed: false) when the message is already in the asked-for state.
        const room = roomOf(frame.room, frame.r);
        if (!room) return;
        if (!room.members.has(user.id)) return conn.error(frame.r, ErrorCode.Forbidden, 'not a member');
        const target = room.events[frame.seq - 1];
        let state = room.changed.get(frame.seq);
        if (!target || target.kind !== EventKind.Message || (state?.deleted && frame.t !== Op.Delete)) {
          return conn.error(frame.r, ErrorCode.NotFound, 'no such message');
        }
        if (frame.t !== Op.React && target.by !== user.id) return conn.error(frame.r, ErrorCode.Forbidden, 'not your message');
        if (!state) room.changed.set(frame.seq, (state = { body: target.body, deleted: false, reactions: new Map() }));
        const unchanged = (): void => answer(frame.r, { seq: target.seq, id: target.id, ts: target.ts, changed: false });
        const author = { by: user.id, name: user.name };
        let e: RoomEvent;
        if (frame.t === Op.Edit) {
          if (state.body === frame.body) return unchanged();
          state.body = frame.body;
          e = this.post(room.id, { ...author, kind: EventKind.Edit, body: frame.body, mentions: frame.mentions, data: { target: frame.seq } });
        } else if (frame.t === Op.Delete) {
          if (state.deleted) return unchanged();
          state.deleted = true;
          e = this.post(room.id, { ...author, kind: EventKind.Delete, data: { target: frame.seq } });
        } else {
          const users = state.reactions.get(frame.emoji) ?? new Set<string>();
          if (users.has(user.id) === frame.on) return unchanged();
          if (frame.on) users.add(user.id);
          else users.delete(user.id);
          state.reactions.set(frame.emoji, users);
          e = this.post(room.id, { ...author, kind: EventKind.Reaction, data: { target: frame.seq, emoji: frame.emoji, on: frame.on } });
        }
        return answer(frame.r, { seq: e.seq, id: e.id, ts: e.ts, changed: true });
      }
      case Op.History: {
        const room = roomOf(frame.room, frame.r);
        if (!room) return;
        const limit = Math.min(frame.limit ?? 50, this.options.historyPage ?? 200);
        let events: RoomEvent[];
        let more: boolean;
        if (frame.after !== undefined) {
          const rest = room.events.slice(frame.after);
          events = rest.slice(0, limit);
          more = rest.length > limit;
        } else {
          const end = Math.min(frame.before ? frame.before - 1 : room.events.length, room.events.length);
          events = room.events.slice(Math.max(0, end - limit), end);
          more = end - limit > 0;
        }
        return answer(frame.r, { events, more });
      }
      case Op.Typing:
        for (const c of this.connections) {
          if (c !== conn && c.subscriptions.has(frame.room)) c.send({ t: Op.TypingState, room: frame.room, user: user.id, name: user.name, on: frame.on });
        }
        return;
      case Op.SetPresence:
        return;
      case Op.SetProfile:
        user.name = frame.name;
        return answer(frame.r, { user });
      default:
        return;
    }
  }

  /** Polls until `fn` returns something truthy. */
  async waitFor<T>(fn: () => T | undefined | false | null, timeoutMs = 3000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = fn();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Waits until some live connection received a frame of type `t` matching `match`. */
  waitForFrame<T extends ClientFrame['t']>(t: T, match: (f: Extract<ClientFrame, { t: T }>) => boolean = () => true, timeoutMs?: number) {
    return this.waitFor(() => {
      for (const conn of this.connections) {
        const frame = conn.sent(t).find(match);
        if (frame) return { frame, conn };
      }
      return undefined;
    }, timeoutMs, `frame t=${t}`);
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const conn = new FakeConnection(ws);
    this.connections.push(conn);
    ws.on('close', () => {
      conn.closed = true;
      conn.closedAt = Date.now();
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return conn.close(CloseCode.ProtocolError, 'text frame');
      let frame: ClientFrame;
      try {
        frame = decodeClientFrame(new Uint8Array(data as Buffer));
      } catch (err) {
        const e = err as FrameError;
        return conn.error(e.r, e.code, e.message);
      }
      conn.frames.push(frame);
      if (frame.t === Op.Hello) return this.hello(frame, conn);
      if (!conn.user) return conn.close(CloseCode.ProtocolError, 'no hello');
      if (!this.admit(frame, conn)) return;
      for (const fn of [...this.interceptors]) if (fn(frame, conn)) return;
      this.handle(frame, conn);
    });
  }

  /** Applies `rateLimits`, as the real server does before it handles a frame. */
  private admit(frame: ClientFrame, conn: FakeConnection): boolean {
    const limits = this.options.rateLimits;
    if (!limits) return true;
    const l = (conn.limiter ??= {
      frames: new Bucket(limits.frameRate, limits.frameRate * 2),
      sends: new Bucket(limits.sendRate, limits.sendRate * 2),
      rejected: 0,
      windowStart: 0,
    });
    // Reactions count against the send rate like messages (ADR 0011).
    const paced = frame.t === Op.Send || frame.t === Op.React;
    if (l.frames.take() && (!paced || l.sends.take())) return true;
    conn.rateLimited.push(frame);
    const retryAfter = Math.max(paced ? l.sends.retryAfterMs() : 1, l.frames.retryAfterMs());
    conn.error('r' in frame ? frame.r : undefined, ErrorCode.RateLimited, 'too many frames; slow down', retryAfter);
    const now = Date.now();
    if (now - l.windowStart > 10_000) [l.windowStart, l.rejected] = [now, 0];
    if (++l.rejected > 100) conn.close(CloseCode.RateLimited, 'flooding');
    return false;
  }

  private hello(frame: Extract<ClientFrame, { t: typeof Op.Hello }>, conn: FakeConnection): void {
    conn.token = frame.token;
    for (const fn of [...this.interceptors]) if (fn(frame, conn)) return;
    const { tokens } = this.options;
    const token = frame.token ?? '';
    const user = !token ? undefined : tokens ? tokens[token] : { id: token, name: token, guest: false };
    if (!user) {
      conn.error(frame.r, ErrorCode.Unauthorized, 'bad token');
      return conn.close(CloseCode.Unauthorized, 'unauthorized');
    }
    if (frame.v !== PROTOCOL_VERSION) {
      conn.error(frame.r, ErrorCode.UnsupportedVersion, 'version');
      return conn.close(CloseCode.UnsupportedVersion);
    }
    conn.user = { ...user };
    conn.send({
      t: Op.Welcome,
      r: frame.r,
      v: PROTOCOL_VERSION,
      user: conn.user,
      session: `s${this.connections.length}`,
      limits: { ...LIMITS, resumeLimit: this.options.resumeLimit ?? 1000, ...this.options.rateLimits },
    });
  }
}
