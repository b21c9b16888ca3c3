// The handle for one room: send messages, read history and members, signal typing, and see how far
// into the room's log the client has delivered. The client does the bookkeeping behind it.
import type { Emitter, Listener } from './emitter.js';
import { InvalidRequestError } from './errors.js';
import type { RoomEvents } from './events.js';
import type { RequestFn, SendAck } from './outbox.js';
import { ErrorCode, Limits, Op } from './protocol/codes.js';
import type { ClientFrame, Member, RoomSummary, WelcomeFrame } from './protocol/frames.js';
import type { HistoryPage } from './sequencer.js';

export interface HistoryOptions {
  /** Only events with a seq below this; default: up to the newest. */
  before?: number;
  /** Only events with a seq above this (then the oldest `limit` of them); default: none. */
  after?: number;
  /** Most events to return, 1..200. Default 50 (server side). */
  limit?: number;
}

/** What a Room needs from the client that owns it. */
export interface RoomLink {
  readonly request: RequestFn;
  readonly timeoutMs: number;
  send(room: string, body: string): Promise<SendAck>;
  notify(frame: ClientFrame): void;
  limits(): WelcomeFrame['limits'] | undefined;
  lastSeq(room: Room): number;
  summary(room: Room): RoomSummary | undefined;
  joined(room: Room): boolean;
  left(room: Room): void;
  renamed(room: Room, summary: RoomSummary): void;
}

// Typing is refreshed at half the server's expiry so the indicator never flickers off mid-sentence.
const DEFAULT_TYPING_TTL_MS = 6000;

export class Room {
  private typingSentAt = 0;

  /** Rooms come from `client.join()`, `client.createRoom()` or `client.openDirect()`. */
  constructor(
    /** The room's id (slug). */
    readonly id: string,
    private readonly link: RoomLink,
    private readonly events: Emitter<RoomEvents>,
  ) {}

  /** Seq of the last event delivered through `event`; 0 before the first join completes. */
  get lastSeq(): number {
    return this.link.lastSeq(this);
  }

  /** Name, kind, head, role and member count as last reported by the server. */
  get summary(): RoomSummary | undefined {
    return this.link.summary(this);
  }

  /** True while the client follows this room (joined, not left); it is then resumed after reconnects. */
  get joined(): boolean {
    return this.link.joined(this);
  }

  /** Listens to this room's events only; returns the unsubscribe function. */
  on<K extends keyof RoomEvents>(name: K, listener: Listener<RoomEvents[K]>): () => void {
    return this.events.on(name, listener);
  }

  /**
   * Sends a message. Resolves with the server's ack once it is durably stored; keeps retrying with
   * the same `cid` across reconnects, `unavailable` and `rate_limited` until `outboxTtlMs`.
   */
  async send(body: string): Promise<SendAck> {
    const max = this.link.limits()?.maxBody ?? Limits.maxBody;
    if (typeof body !== 'string' || !/\S/.test(body)) {
      throw new InvalidRequestError(ErrorCode.BadFrame, 'a message needs some non-whitespace text');
    }
    if (body.length > max) throw new InvalidRequestError(ErrorCode.TooLarge, `message longer than ${max} characters`);
    // The server clears typing when it stores a message; the next keystroke must announce it again.
    this.typingSentAt = 0;
    return this.link.send(this.id, body);
  }

  /** One page of the room's log, ascending by seq. Retried across a reconnect (it is a read). */
  history(options: HistoryOptions = {}): Promise<HistoryPage> {
    const { before, after, limit } = options;
    return this.link.request(Op.History, { room: this.id, before, after, limit }, { timeoutMs: this.link.timeoutMs, retry: true });
  }

  /**
   * Says whether the user is typing. Call `typing(true)` on every keystroke: it is sent at most once
   * per half typing TTL (3 s by default); `typing(false)` is sent only if `true` was.
   */
  typing(on: boolean): void {
    const now = Date.now();
    if (on) {
      const ttl = this.link.limits()?.typingTtlMs || DEFAULT_TYPING_TTL_MS;
      if (now - this.typingSentAt < ttl / 2) return;
      this.typingSentAt = now;
    } else {
      if (!this.typingSentAt) return;
      this.typingSentAt = 0;
    }
    this.link.notify({ t: Op.Typing, room: this.id, on });
  }

  /** The room's members with their role and presence. */
  async members(): Promise<Member[]> {
    const { members } = await this.link.request(Op.Members, { room: this.id }, { timeoutMs: this.link.timeoutMs, retry: true });
    return members;
  }

  /** Leaves the room; the client stops following it. */
  async leave(): Promise<void> {
    await this.link.request(Op.Leave, { room: this.id }, { timeoutMs: this.link.timeoutMs });
    this.link.left(this);
  }

  /** Adds a user to the room (private: owner only; public: any member; dm and guests: never). Idempotent. */
  async invite(userId: string): Promise<void> {
    await this.link.request(Op.Invite, { room: this.id, user: userId }, { timeoutMs: this.link.timeoutMs, retry: true });
  }

  /** Renames the room (owner only). Resolves with the updated summary. */
  async rename(name: string): Promise<RoomSummary> {
    const { room } = await this.link.request(Op.RoomUpdate, { room: this.id, name }, { timeoutMs: this.link.timeoutMs });
    this.link.renamed(this, room);
    return room;
  }
}
