// The handle for one room: send, edit, delete and react to messages, read history and members, signal
// typing, and see how far into the room's log the client has delivered. The client does the bookkeeping.
import { newCid } from './cid.js';
import type { Emitter, Listener } from './emitter.js';
import { InvalidRequestError } from './errors.js';
import type { RoomEvents } from './events.js';
import type { ChangeAck, OutboxBody, OutboxOp, RequestFn, SendAck } from './outbox.js';
import { ErrorCode, Feature, Limits, Op } from './protocol/codes.js';
import type { ClientFrame, Member, MessageActionInput, ModerateFrame, ResultData, RoomRules, RoomSummary, WelcomeFrame } from './protocol/frames.js';
import type { Attachment, Mention } from './protocol/kinds.js';
import type { ReadStates, Receipt } from './read-states.js';
import type { HistoryPage } from './sequencer.js';
import type { LiveStream } from './streams.js';

export interface HistoryOptions {
  /** Only events with a seq below this; default: up to the newest. */
  before?: number;
  /** Only events with a seq above this (then the oldest `limit` of them); default: none. */
  after?: number;
  /** Most events to return, 1..200. Default 50 (server side). */
  limit?: number;
  /** Only the replies of the thread whose root message has this seq. */
  thread?: number;
  /** True: leave thread replies out (the main timeline). */
  main?: boolean;
  /**
   * The page centred on this seq, which it includes (jumping to a search result); not with `before`
   * or `after`. Servers with feature `search`. `more` then says whether older events precede it.
   */
  around?: number;
}

export interface SendOptions {
  /** Seq of the message this one quotes (a reply). */
  replyTo?: number;
  /** Seq of the thread's root message: the message is a reply in that thread. */
  thread?: number;
  /** Users named in the text, by UTF-16 offset and length into it. */
  mentions?: Mention[];
  /**
   * Finished uploads to attach (feature `files`), as `upload.done` resolved them or by id; at most
   * `limits.maxFilesPerMessage`. With files the text may be empty ('').
   */
  files?: readonly (Attachment | string)[];
  /**
   * Client message id (1-64 of `A-Z a-z 0-9 _ -`). Default: a fresh one. Give one derived from what
   * the message answers to make it idempotent across process restarts: the server stores it once.
   */
  cid?: string;
  /** Buttons and selects under the message (bots only, feature `interactive`). */
  actions?: MessageActionInput[];
}

/** What a click is on: a message (`seq`), an ephemeral message (`eph`) or a streamed reply (`stream`). */
export type ActTarget = { seq: number } | { eph: string } | { stream: string };

export interface TypingOptions {
  /** Seq of the thread's root message: the user types a reply in that thread. Needs feature `threads`. */
  thread?: number;
}

/** What a moderator action needs beyond its name (feature `moderation`). */
export interface ModerateOptions {
  /** The user a mute, unmute, kick, ban, unban, clear or role change is about. */
  user?: string;
  /** The message pin and unpin are about. */
  seq?: number;
  /** Mute or ban length (a ban without it lasts until unbanned), the slow-mode interval (0: off), or how far back `clear` reaches; seconds. */
  seconds?: number;
  /** The new role of `user` (owner or server admin only). */
  role?: 'moderator' | 'member';
  /** What guests may do here. */
  guests?: 'post' | 'read';
  /** Why, kept in the audit log and shown to the user a sanction is about. */
  reason?: string;
}

/** One page of members, online first (feature `member_pages`). */
export interface MemberPageOptions {
  offset?: number;
  limit?: number;
}

export interface EditOptions {
  /** Users named in the new text; the old mentions are replaced (none when absent). */
  mentions?: Mention[];
  /** Replaces the message's buttons and selects (bots only); `[]` removes them, absent keeps them. */
  actions?: MessageActionInput[];
}

/** What a Room needs from the client that owns it. */
export interface RoomLink {
  readonly request: RequestFn;
  readonly timeoutMs: number;
  /** Queues a write in the outbox: paced, kept in call order, retried across reconnects. */
  write<O extends OutboxOp>(op: O, body: OutboxBody<O>): Promise<ResultData[O]>;
  notify(frame: ClientFrame): void;
  limits(): WelcomeFrame['limits'] | undefined;
  /** True when the server's last `welcome.features` lists `feature`. */
  supports(feature: Feature): boolean;
  lastSeq(room: Room): number;
  summary(room: Room): RoomSummary | undefined;
  joined(room: Room): boolean;
  left(room: Room): void;
  renamed(room: Room, summary: RoomSummary): void;
  readonly reads: ReadStates;
  /** The room's streamed replies growing now. */
  streams(room: string): LiveStream[];
}

// Typing is refreshed at half the server's expiry so the indicator never flickers off mid-sentence.
const DEFAULT_TYPING_TTL_MS = 6000;

export class Room {
  /** When `typing(true)` was last sent, per thread root seq (undefined: the room itself); absent: not typing. */
  private readonly typingSentAt = new Map<number | undefined, number>();

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

  /** Messages from others after the user's read position (feature `unread`; 0 before it is known). */
  get unread(): number {
    return this.link.reads.get(this.id)?.unread ?? 0;
  }

  /** Of those, the ones that mention the user. */
  get mentions(): number {
    return this.link.reads.get(this.id)?.mentions ?? 0;
  }

  /** The seq the user has read up to, on any device (0 before it is known). */
  get readSeq(): number {
    return this.link.reads.get(this.id)?.read ?? 0;
  }

  /** Where the other members have read to: direct rooms, and rooms of at most `limits.receiptRoomSize` members (feature `receipts`). */
  get receipts(): ReadonlyMap<string, Receipt> {
    return this.link.reads.receipts(this.id);
  }

  /**
   * Marks the room read up to `seq` (default: the last event delivered). Cheap to call on every
   * message shown: at most one `read` per room is sent per `limits.readIntervalMs`, the highest seq
   * winning; the user's other devices and (direct and small rooms) the other members are told.
   */
  markRead(seq = this.lastSeq): void {
    this.link.reads.markRead(this.id, seq);
  }

  /** Listens to this room's events only; returns the unsubscribe function. */
  on<K extends keyof RoomEvents>(name: K, listener: Listener<RoomEvents[K]>): () => void {
    return this.events.on(name, listener);
  }

  /**
   * Sends a message, optionally as a reply (`replyTo`), in a thread (`thread`) or naming users
   * (`mentions`). Resolves with the server's ack once it is durably stored; keeps retrying with the
   * same `cid` across reconnects, `unavailable` and `rate_limited` until `outboxTtlMs`.
   */
  async send(body: string, options: SendOptions = {}): Promise<SendAck> {
    const files = options.files?.length ? options.files.map((f) => (typeof f === 'string' ? f : f.id)) : undefined;
    if (!(files && body === '')) this.checkText(body, options.mentions);
    const { replyTo, thread, mentions, cid, actions } = options;
    // The server clears typing where the message lands; the next keystroke there must announce it again.
    this.typingSentAt.delete(thread);
    return this.link.write(Op.Send, { room: this.id, body, replyTo, thread, mentions, actions, ...(files && { files }), ...(cid !== undefined && { cid }) });
  }

  /**
   * Replaces the text of one of this user's messages (within the server's `limits.editWindowMs`,
   * else `TooLateError`). Queued, paced and retried like a send; an edit that is already applied
   * resolves with `changed: false`.
   */
  async edit(seq: number, body: string, options: EditOptions = {}): Promise<ChangeAck> {
    this.checkText(body, options.mentions);
    return this.link.write(Op.Edit, { room: this.id, seq, body, mentions: options.mentions, actions: options.actions });
  }

  /**
   * Clicks button `action` (or picks `value` of select `action`) of a bot's message, or with
   * `{ stream }` and `"stop"` asks a streamed reply's bot to stop (feature `interactive`). Resolves
   * once the bot's connections have it; sent once, never retried: the action id is spent even when
   * the answer is lost (`ReplayedError` if it were sent again); a `ParleyError` with code `bot_offline`
   * when the bot is away, `ForbiddenError` for a disabled button or someone else's ephemeral message.
   */
  act(target: ActTarget, action: string, value?: string): Promise<ResultData[typeof Op.Act]> {
    return this.link.request(Op.Act, { room: this.id, ...target, action, value, aid: newCid() }, { timeoutMs: this.link.timeoutMs });
  }

  /** The streamed replies growing in this room now (feature `streams`), oldest first. */
  get streams(): readonly LiveStream[] {
    return this.link.streams(this.id);
  }

  /** Deletes one of this user's messages: its text leaves the server's storage. Queued and retried like a send. */
  delete(seq: number): Promise<ChangeAck> {
    return this.link.write(Op.Delete, { room: this.id, seq });
  }

  /**
   * Puts (`on`, the default) or takes back an emoji on a message. Counts against the send rate and
   * is paced with sends, so a burst is spread out rather than refused.
   */
  react(seq: number, emoji: string, on = true): Promise<ChangeAck> {
    return this.link.write(Op.React, { room: this.id, seq, emoji, on });
  }

  /**
   * One page of the room's log, ascending by seq, messages in their current state (edited text,
   * deletions, reactions, thread replies). Retried across a reconnect (it is a read).
   */
  history(options: HistoryOptions = {}): Promise<HistoryPage> {
    const { before, after, limit, thread, main, around } = options;
    return this.link.request(Op.History, { room: this.id, before, after, limit, thread, main, around }, { timeoutMs: this.link.timeoutMs, retry: true });
  }

  /**
   * Says whether the user is typing, in the room or in a thread (`thread`). Call `typing(true)` on
   * every keystroke: it is sent at most once per half typing TTL (3 s by default) per place;
   * `typing(false)` is sent only if `true` was. Typing in a thread is not sent to a server without
   * feature `threads` (it would refuse the field).
   */
  typing(on: boolean, options: TypingOptions = {}): void {
    const { thread } = options;
    if (thread !== undefined && !this.link.supports(Feature.Threads)) return;
    const sentAt = this.typingSentAt.get(thread);
    if (on) {
      const now = Date.now();
      const ttl = this.link.limits()?.typingTtlMs || DEFAULT_TYPING_TTL_MS;
      if (sentAt !== undefined && now - sentAt < ttl / 2) return;
      this.typingSentAt.set(thread, now);
    } else {
      if (sentAt === undefined) return;
      this.typingSentAt.delete(thread);
    }
    this.link.notify({ t: Op.Typing, room: this.id, on, ...(thread !== undefined ? { thread } : {}) });
  }

  /** The room's members with their role and presence. */
  async members(): Promise<Member[]> {
    const { members } = await this.link.request(Op.Members, { room: this.id }, { timeoutMs: this.link.timeoutMs, retry: true });
    return members;
  }

  /**
   * A moderator action (feature `moderation`): `mute`, `unmute`, `kick`, `ban`, `unban`, `slow`,
   * `lock`, `unlock`, `pin`, `unpin`, `clear`, `role`, `guests`. Resolves with the `mod` event
   * appended; a member gets `ForbiddenError`. Not queued: a moderator wants to know it failed.
   */
  moderate(action: ModerateFrame['action'], options: ModerateOptions = {}): Promise<ResultData[typeof Op.Moderate]> {
    return this.link.request(Op.Moderate, { room: this.id, action, ...options }, { timeoutMs: this.link.timeoutMs });
  }

  /** Reports message `seq` to the room's moderators with a reason (feature `reports`); resolves with the report's id. */
  async report(seq: number, reason: string): Promise<string> {
    const { report } = await this.link.request(Op.Report, { room: this.id, seq, reason }, { timeoutMs: this.link.timeoutMs });
    return report;
  }

  /** The room's rules as they apply to this user: slow mode, lock, guests, pins, whether they moderate, their mute. */
  rules(): Promise<RoomRules> {
    return this.link.request(Op.RoomRules, { room: this.id }, { timeoutMs: this.link.timeoutMs, retry: true });
  }

  /** One page of members, online first, then the most recent (feature `member_pages`). */
  memberPage(options: MemberPageOptions = {}): Promise<ResultData[typeof Op.MemberPage]> {
    return this.link.request(Op.MemberPage, { room: this.id, ...options }, { timeoutMs: this.link.timeoutMs, retry: true });
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

  /** Refuses, before anything is queued, a text the server would refuse: blank, too long, mentions outside it. */
  private checkText(body: string, mentions: readonly Mention[] = []): void {
    const max = this.link.limits()?.maxBody ?? Limits.maxBody;
    if (typeof body !== 'string' || !/\S/.test(body)) {
      throw new InvalidRequestError(ErrorCode.BadFrame, 'a message needs some non-whitespace text');
    }
    if (body.length > max) throw new InvalidRequestError(ErrorCode.TooLarge, `message longer than ${max} characters`);
    for (const m of mentions) {
      if (!(m.len > 0 && m.at >= 0 && m.at + m.len <= body.length)) {
        throw new InvalidRequestError(ErrorCode.BadFrame, `mention of ${m.user} lies outside the text`);
      }
    }
  }

  /** Renames the room (owner only). Resolves with the updated summary. */
  async rename(name: string): Promise<RoomSummary> {
    const { room } = await this.link.request(Op.RoomUpdate, { room: this.id, name }, { timeoutMs: this.link.timeoutMs });
    this.link.renamed(this, room);
    return room;
  }
}
