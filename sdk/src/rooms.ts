// The rooms this client follows: one Sequencer each, re-subscribed from their last seq after every
// reconnect, and the routing of room-scoped frames (events, typing, presence, profile) to the app.
import { Emitter } from './emitter.js';
import { ClientClosedError, ConnectionClosedError, ForbiddenError, NotFoundError, ProtocolError, RateLimitedError, type ParleyError } from './errors.js';
import type { ClientEvents, RoomEvents } from './events.js';
import type { Connection } from './connection.js';
import type { Outbox, OutboxBody, OutboxOp, RequestFn } from './outbox.js';
import { EventKind, Op, Role, type Feature } from './protocol/codes.js';
import type { AnyRoomEvent, ClientFrame, ResultData, RoomSummary, ServerFrame, UnknownEvent, WelcomeFrame } from './protocol/frames.js';
import type { ReadStates } from './read-states.js';
import { Room, type RoomLink } from './room.js';
import { Sequencer } from './sequencer.js';
import { StreamTexts, type LiveStream } from './streams.js';

interface Followed {
  readonly room: Room;
  readonly events: Emitter<RoomEvents>;
  readonly seq: Sequencer;
  summary?: RoomSummary;
  /** A join/subscribe result arrived: the room is live and must be resumed after a reconnect. */
  subscribed: boolean;
  retryTimer?: ReturnType<typeof setTimeout>;
  /** An unreadable event of this room was reported on `error` (once per room, not once per event). */
  reportedUnreadable?: boolean;
}

type Subscribed = ResultData[typeof Op.Join];

// Default resume bound of the protocol, used until a welcome announces the server's.
const DEFAULT_RESUME_LIMIT = 1000;
const RESUBSCRIBE_DELAY_MS = 1000;
const HISTORY_PAGE = 200;

export class JoinedRooms implements RoomLink {
  readonly request: RequestFn;
  private readonly followed = new Map<string, Followed>();
  private readonly streamTexts = new StreamTexts();
  /** Every handle's state, kept after leaving so that a stale handle still reports where it stopped. */
  private readonly handles = new WeakMap<Room, Followed>();

  constructor(
    private readonly connection: Connection,
    private readonly outbox: Outbox,
    private readonly emitter: Emitter<ClientEvents>,
    readonly timeoutMs: number,
    private readonly gapFillDelayMs: number,
    /** The user's read positions and counts (`client.rooms`), kept from what passes through here. */
    readonly reads: ReadStates,
  ) {
    this.request = (op, body, options) => connection.request(op, body, options);
  }

  /** The handle of a followed room. */
  get(id: string): Room | undefined {
    const f = this.followed.get(id);
    return f?.subscribed ? f.room : undefined;
  }

  all(): Room[] {
    return [...this.followed.values()].filter((f) => f.subscribed).map((f) => f.room);
  }

  /** Joins (or re-subscribes to) a room; resolves once its starting seq is known. */
  async join(id: string): Promise<Room> {
    const known = this.followed.get(id);
    if (known?.subscribed) return known.room;
    const f = known ?? this.follow(id);
    try {
      // Safe to repeat: joining twice appends nothing and subscribes at the head again.
      const result = await this.request(Op.Join, { room: id }, { timeoutMs: this.timeoutMs, retry: true });
      if (this.followed.get(id) === f) this.synced(f, result);
      return f.room;
    } catch (err) {
      if (!f.subscribed && this.followed.get(id) === f) this.forget(f);
      throw err;
    }
  }

  /** A room_create result: the creating connection is already subscribed at `summary.head`. */
  adopt(summary: RoomSummary): Room {
    const f = this.followed.get(summary.id) ?? this.follow(summary.id);
    this.synced(f, { room: summary, replayed: 0 });
    return f.room;
  }

  /** After a handshake: resume every followed room from the last seq it delivered. */
  resume(): void {
    for (const f of this.followed.values()) if (f.subscribed) this.resubscribe(f);
  }

  /** The connection is down (or closed): stop gap fills and retries until the next resume. */
  pause(): void {
    for (const f of this.followed.values()) {
      f.seq.pause();
      clearTimeout(f.retryTimer);
    }
  }

  /** Routes a room-scoped frame; `liveAdded`: a `join` of ours in a room not followed means `added` (servers without user logs). */
  route(frame: ServerFrame, liveAdded: boolean): void {
    if (frame.t === Op.Event) {
      const f = this.followed.get(frame.e.room);
      // A stream's message ends the stream, even when its end came while this client was away.
      if (f && !('problem' in frame.e) && typeof frame.e.data?.stream === 'string') this.streamEnded(f, { room: f.room.id, stream: frame.e.data.stream, reason: 'done', seq: frame.e.seq });
      if (f) f.seq.push(frame.e);
      // Not a room we follow: the server only sends these to tell us someone added us to one.
      else if (liveAdded && !('problem' in frame.e) && frame.e.kind === EventKind.Join && frame.e.by === this.connection.welcome?.user.id) {
        const inviter = frame.e.data?.inviter;
        this.emitter.emit('added', { roomId: frame.e.room, ...(typeof inviter === 'string' ? { by: inviter } : {}), event: frame.e });
      }
      return;
    }
    if (frame.t === Op.ReadState) return this.reads.frame(frame);
    if (frame.t === Op.Restriction) {
      const f = this.followed.get(frame.room);
      if (f) this.emit(f, 'restriction', { room: f.room, action: frame.action, ...(frame.until !== undefined ? { until: frame.until } : {}), ...(frame.reason !== undefined ? { reason: frame.reason } : {}) });
      return;
    }
    if (frame.t === Op.EphemeralMessage) {
      const f = this.followed.get(frame.room);
      const { t: _t, ...message } = frame;
      if (f) this.emit(f, 'ephemeral', { room: f.room, message });
      return;
    }
    if (frame.t === Op.Action || frame.t === Op.Stream || frame.t === Op.StreamDone) {
      const f = this.followed.get(frame.room);
      if (!f) return;
      if (frame.t === Op.StreamDone) return this.streamEnded(f, frame);
      if (frame.t === Op.Action) {
        const { t: _t, ...action } = frame;
        return this.emit(f, 'action', { room: f.room, action });
      }
      const stream = this.streamTexts.text(frame);
      if (stream) this.emit(f, 'stream', { room: f.room, stream });
      return;
    }
    if (frame.t !== Op.TypingState && frame.t !== Op.Presence && frame.t !== Op.Profile) return;
    const f = this.followed.get(frame.room);
    if (!f) return;
    const { room } = f;
    const { user, name } = frame;
    if (frame.t === Op.Presence) this.emit(f, 'presence', { room, user, name, state: frame.state });
    else if (frame.t === Op.Profile) this.emit(f, 'profile', { room, user, name });
    // The server echoes typing to the user's other connections; nobody wants to see themselves typing.
    else if (user !== this.connection.welcome?.user.id) {
      this.emit(f, 'typing', { room, user, name, on: frame.on, ...(frame.thread !== undefined ? { thread: frame.thread } : {}) });
    }
  }

  // ---- RoomLink ----

  write<O extends OutboxOp>(op: O, body: OutboxBody<O>): Promise<ResultData[O]> {
    return this.outbox.enqueue(op, body);
  }

  notify(frame: ClientFrame): void {
    this.connection.notify(frame);
  }

  limits(): WelcomeFrame['limits'] | undefined {
    return this.connection.welcome?.limits;
  }

  supports(feature: Feature): boolean {
    return !!this.connection.welcome?.features?.includes(feature);
  }

  lastSeq(room: Room): number {
    return this.handles.get(room)?.seq.lastSeq ?? 0;
  }

  summary(room: Room): RoomSummary | undefined {
    return this.handles.get(room)?.summary;
  }

  joined(room: Room): boolean {
    return !!this.own(room)?.subscribed;
  }

  left(room: Room): void {
    const f = this.own(room);
    if (f) this.forget(f);
  }

  renamed(room: Room, summary: RoomSummary): void {
    const f = this.handles.get(room);
    if (f) f.summary = summary;
  }

  // ---- internals ----

  /** The state of `room` if that handle is the one currently followed for its id. */
  private own(room: Room): Followed | undefined {
    const f = this.followed.get(room.id);
    return f?.room === room ? f : undefined;
  }

  private follow(id: string): Followed {
    const events = new Emitter<RoomEvents>();
    const room = new Room(id, this, events);
    const f: Followed = {
      room,
      events,
      subscribed: false,
      seq: new Sequencer(
        {
          deliver: (event) => this.deliver(f, event),
          reset: (head) => this.emit(f, 'reset', { room, head }),
          fetch: (after) => {
            const limit = Math.min(HISTORY_PAGE, this.limits()?.maxHistory || HISTORY_PAGE);
            return this.request(Op.History, { room: id, after, limit }, { timeoutMs: this.timeoutMs });
          },
          error: (error) => this.emitter.emit('error', { error, room }),
        },
        this.gapFillDelayMs,
        () => this.connection.welcome?.limits.resumeLimit || DEFAULT_RESUME_LIMIT,
      ),
    };
    this.followed.set(id, f);
    this.handles.set(room, f);
    return f;
  }

  private forget(f: Followed): void {
    this.reads.forget(f.room.id);
    this.streamTexts.forget(f.room.id);
    f.seq.pause();
    clearTimeout(f.retryTimer);
    f.subscribed = false;
    if (this.followed.get(f.room.id) === f) this.followed.delete(f.room.id);
  }

  private synced(f: Followed, result: Subscribed): void {
    f.summary = result.room;
    f.subscribed = true;
    this.reads.summary(result.room, result.reads);
    f.seq.synced(result.room.head, !!result.gap);
  }

  private resubscribe(f: Followed): void {
    clearTimeout(f.retryTimer);
    const after = f.seq.lastSeq;
    this.request(Op.Subscribe, { room: f.room.id, after }, { timeoutMs: this.timeoutMs }).then(
      (result) => {
        if (this.followed.get(f.room.id) === f) this.synced(f, result);
      },
      (err: ParleyError) => {
        // A dropped connection resumes again on the next welcome.
        if (err instanceof ConnectionClosedError || err instanceof ClientClosedError || this.followed.get(f.room.id) !== f) return;
        this.emitter.emit('error', { error: err, room: f.room });
        // Removed from the room (or the room is gone) while we were away: stop following it.
        if (err instanceof ForbiddenError || err instanceof NotFoundError) this.forget(f);
        else f.retryTimer = setTimeout(() => this.resubscribe(f), err instanceof RateLimitedError ? err.retryAfter : RESUBSCRIBE_DELAY_MS);
      },
    );
  }

  private deliver(f: Followed, event: AnyRoomEvent): void {
    const { room } = f;
    if ('problem' in event) {
      this.unreadable(f, event);
      this.emit(f, 'event', { room, event });
      return;
    }
    // A guest who only looked at a public room became a member with their first message.
    if (event.kind === EventKind.Join && event.by === this.connection.welcome?.user.id && f.summary && !f.summary.role) {
      f.summary = { ...f.summary, role: Role.Member };
    }
    if (event.kind === EventKind.Room && f.summary) {
      const { name, owner } = event.data ?? {};
      if (typeof name === 'string') f.summary = { ...f.summary, name };
      // Ownership passed on (the owner left): this user may be the new owner.
      if (typeof owner === 'string') {
        const role = owner === this.connection.welcome?.user.id ? Role.Owner : f.summary.role && Role.Member;
        f.summary = { ...f.summary, role };
      }
    }
    this.reads.event(event);
    this.emit(f, 'event', { room, event });
    if (event.kind === EventKind.Message) this.emit(f, 'message', { room, event });
    else if (event.kind === EventKind.Edit || event.kind === EventKind.Delete || event.kind === EventKind.Reaction) {
      const target = event.data?.target;
      if (typeof target === 'number') this.emit(f, event.kind as 'edit' | 'delete' | 'reaction', { room, event, target });
    }
    // Left from another tab or device: the server unsubscribed us, so do not resume this room.
    if (event.kind === EventKind.Leave && event.by === this.connection.welcome?.user.id) this.forget(f);
  }

  /**
   * A server newer (or buggier) than this client sent an event it cannot read. Delivered as a
   * placeholder all the same; said once per room, since a room that has one usually has many and an
   * `error` per event would drown the app's log.
   */
  private unreadable(f: Followed, event: UnknownEvent): void {
    if (f.reportedUnreadable) return;
    f.reportedUnreadable = true;
    const error = new ProtocolError(`event ${event.seq} of room ${event.room} could not be read (${event.problem}): delivered as kind "unknown", reported once per room`);
    this.emitter.emit('error', { error, room: f.room });
  }

  private streamEnded(f: Followed, end: { room: string; stream: string; reason: string; seq?: number | undefined }): void {
    const stream = this.streamTexts.done(end);
    if (stream) this.emit(f, 'streamEnd', { room: f.room, stream, reason: end.reason, ...(end.seq !== undefined && { seq: end.seq }) });
  }

  streams(room: string): LiveStream[] {
    return this.streamTexts.of(room);
  }

  private emit<K extends keyof RoomEvents>(f: Followed, name: K, context: RoomEvents[K]): void {
    this.emitter.emit(name, context as ClientEvents[K]);
    f.events.emit(name, context);
  }
}
