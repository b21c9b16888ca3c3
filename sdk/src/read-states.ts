// `client.rooms`: the user's read position, unread and mention counts per room, and the other members'
// positions where the server shares them (features `unread`, `receipts`; ADR 0013). Kept from room
// summaries, `read_state` frames and live messages; `read` frames are throttled per room.
import { Emitter, type Listener } from './emitter.js';
import type { ParleyError } from './errors.js';
import { EventKind, Feature, Op, RoomKind } from './protocol/codes.js';
import type { ReadStateFrame, RoomEvent, RoomSummary } from './protocol/frames.js';
import type { RequestFn } from './outbox.js';

/** The user's place in one room. */
export interface RoomReadState {
  roomId: string;
  /** Seq the user has read up to (on any of their devices). */
  read: number;
  /** Messages from others after `read`; stops at `limits.maxUnread` (999 means "999 or more"). */
  unread: number;
  /** Of those, the ones that mention the user. */
  mentions: number;
}

/** Where another member of a direct or small room has read to, and what reached one of their devices. */
export interface Receipt {
  user: string;
  seq: number;
  delivered: number;
}

export interface ReadStateEvents {
  /** The user's read position or counts in `state.roomId` changed (read on any device, a new message, a fresh summary). */
  change: { state: RoomReadState };
  /** Another member of a direct or small room read (or received) up to a new seq. */
  receipt: { roomId: string; receipt: Receipt };
  /** A `read` could not be written (not a member any more, rate limited...). */
  error: { roomId: string; error: ParleyError };
}

/** What the read states need from the client. */
export interface ReadStateLink {
  request: RequestFn;
  timeoutMs: number;
  me(): string | undefined;
  supports(feature: Feature): boolean;
  readIntervalMs(): number;
  maxUnread(): number;
}

interface Entry extends RoomReadState {
  /** The server keeps a position for the user here (a summary with `read`, or their own join seen): marks may be sent. */
  member: boolean;
  /** Highest seq the counts account for: live messages at or below it were counted by the server. */
  counted: number;
  kind?: string;
  receipts: Map<string, Receipt>;
  /** Marks waiting for the throttle: the highest read and delivered seqs to send (0: none). */
  pending: { read: number; delivered: number };
  lastSentAt: number;
  timer?: ReturnType<typeof setTimeout>;
  /** Highest delivery this client reported. */
  deliveredSent: number;
}

export class ReadStates {
  private readonly entries = new Map<string, Entry>();
  private readonly emitter = new Emitter<ReadStateEvents>();

  constructor(private readonly link: ReadStateLink) {}

  /** Listens to `change`, `receipt` or `error`; returns the function that stops listening. */
  on<K extends keyof ReadStateEvents>(name: K, listener: Listener<ReadStateEvents[K]>): () => void {
    return this.emitter.on(name, listener);
  }

  /** The user's state in `roomId`, once a summary, a join or a `read_state` told it. */
  get(roomId: string): RoomReadState | undefined {
    const e = this.entries.get(roomId);
    return e && view(e);
  }

  /** Every room with a known state. */
  all(): RoomReadState[] {
    return [...this.entries.values()].map(view);
  }

  /** Unread messages and mentions over every known room. */
  get total(): { unread: number; mentions: number } {
    let unread = 0;
    let mentions = 0;
    for (const e of this.entries.values()) {
      unread += e.unread;
      mentions += e.mentions;
    }
    return { unread, mentions };
  }

  /** The other members' positions in `roomId` (direct rooms, and rooms of at most `limits.receiptRoomSize` members). */
  receipts(roomId: string): ReadonlyMap<string, Receipt> {
    return this.entries.get(roomId)?.receipts ?? new Map();
  }

  /**
   * Marks `roomId` read up to `seq`. Sent at most once per `limits.readIntervalMs` per room (the
   * highest seq wins); a seq at or below the known position sends nothing. Against a server without
   * `receipts` it does nothing.
   */
  markRead(roomId: string, seq: number): void {
    this.mark(roomId, seq, false);
  }

  // ---- fed by the client ----

  /** A room summary (room list, join, subscribe): the server's counts as of `summary.head`. */
  summary(summary: RoomSummary, reads?: readonly Receipt[]): void {
    if (summary.read === undefined || summary.unread === undefined) return;
    const e = this.entry(summary.id);
    e.member = true;
    e.kind = summary.kind;
    e.read = Math.max(e.read, summary.read);
    e.unread = summary.unread;
    e.mentions = summary.mentions ?? 0;
    e.counted = Math.max(e.counted, summary.head);
    if (reads) for (const r of reads) this.receipt(e, r);
    this.changed(e);
  }

  /** A `read_state` frame: the user's own position (with counts) or another member's. */
  frame(f: ReadStateFrame): void {
    const e = this.entry(f.room);
    if (f.user === this.link.me()) {
      e.member = true;
      if (f.seq < e.read) return;
      e.read = f.seq;
      if (f.unread !== undefined) e.unread = f.unread;
      if (f.mentions !== undefined) e.mentions = f.mentions;
      this.changed(e);
    } else {
      this.receipt(e, { user: f.user, seq: f.seq, delivered: f.delivered });
    }
  }

  /** A live room event: a message from someone else after the counted seq is one more unread. */
  event(event: RoomEvent): void {
    const me = this.link.me();
    // A guest who only looked at a public room became a member (their first message): their position starts here.
    if (event.kind === EventKind.Join && event.by === me && this.link.supports(Feature.Unread)) {
      const joined = this.entry(event.room);
      joined.member = true;
      joined.read = Math.max(joined.read, event.seq);
      joined.counted = Math.max(joined.counted, event.seq);
      return;
    }
    const e = this.entries.get(event.room);
    if (!e || event.seq <= e.counted) return;
    e.counted = event.seq;
    if (event.kind !== EventKind.Message || event.by === me || event.seq <= e.read) return;
    const cap = this.link.maxUnread();
    // A thread reply is not unread in the room (the server counts the same way), unless it mentions us.
    if (event.data?.thread === undefined) e.unread = Math.min(cap, e.unread + 1);
    if (event.mentions?.some((m) => m.user === me)) e.mentions = Math.min(cap, e.mentions + 1);
    this.changed(e);
    // In a direct room the sender sees a second tick once the message reached one of our devices.
    if (e.kind === RoomKind.Direct) this.mark(event.room, event.seq, true);
  }

  /** The user is not a member of `roomId` any more. */
  forget(roomId: string): void {
    const e = this.entries.get(roomId);
    if (e) clearTimeout(e.timer);
    this.entries.delete(roomId);
  }

  /** The connection went away: marks wait for the next one. */
  pause(): void {
    for (const e of this.entries.values()) {
      clearTimeout(e.timer);
      e.timer = undefined;
    }
  }

  /** Connected again: send what waited. */
  resume(): void {
    for (const e of this.entries.values()) if (e.pending.read || e.pending.delivered) this.schedule(e);
  }

  // ---- internals ----

  private mark(roomId: string, seq: number, delivered: boolean): void {
    if (!this.link.supports(Feature.Receipts) || !Number.isInteger(seq) || seq < 1) return;
    const e = this.entries.get(roomId);
    // Only where the server keeps a position for the user: a guest looking at a public room has none.
    if (!e?.member) return;
    if (delivered ? seq <= Math.max(e.deliveredSent, e.read) : seq <= e.read) return;
    if (delivered) e.pending.delivered = Math.max(e.pending.delivered, seq);
    else e.pending.read = Math.max(e.pending.read, seq);
    if (!delivered) {
      // Read here: the counts drop at once; the server's answer corrects them.
      e.read = Math.max(e.read, seq);
      if (e.counted <= seq) {
        e.unread = 0;
        e.mentions = 0;
      }
      this.changed(e);
    }
    this.schedule(e);
  }

  private schedule(e: Entry): void {
    if (e.timer) return;
    const wait = Math.max(0, e.lastSentAt + this.link.readIntervalMs() - Date.now());
    e.timer = setTimeout(() => this.send(e), wait);
  }

  private send(e: Entry): void {
    e.timer = undefined;
    const { read, delivered } = e.pending;
    e.pending = { read: 0, delivered: 0 };
    e.lastSentAt = Date.now();
    // A read says delivered too; a delivery past it goes in a frame of its own.
    if (read) this.sendMark(e, { room: e.roomId, seq: read });
    if (delivered > read) {
      e.deliveredSent = Math.max(e.deliveredSent, delivered);
      this.sendMark(e, { room: e.roomId, seq: delivered, delivered: true });
    }
  }

  private sendMark(e: Entry, body: { room: string; seq: number; delivered?: boolean }): void {
    this.link.request(Op.Read, body, { timeoutMs: this.link.timeoutMs }).then(
      (result) => {
        if (this.entries.get(e.roomId) !== e || result.seq < e.read) return;
        e.read = result.seq;
        e.unread = result.unread;
        e.mentions = result.mentions;
        this.changed(e);
      },
      (error: ParleyError) => this.emitter.emit('error', { roomId: e.roomId, error }),
    );
  }

  private receipt(e: Entry, r: Receipt): void {
    const known = e.receipts.get(r.user);
    if (known && known.seq >= r.seq && known.delivered >= r.delivered) return;
    const next = { user: r.user, seq: Math.max(r.seq, known?.seq ?? 0), delivered: Math.max(r.delivered, known?.delivered ?? 0) };
    e.receipts.set(r.user, next);
    this.emitter.emit('receipt', { roomId: e.roomId, receipt: next });
  }

  private entry(roomId: string): Entry {
    let e = this.entries.get(roomId);
    if (!e) {
      e = { roomId, member: false, read: 0, unread: 0, mentions: 0, counted: 0, receipts: new Map(), pending: { read: 0, delivered: 0 }, lastSentAt: 0, deliveredSent: 0 };
      this.entries.set(roomId, e);
    }
    return e;
  }

  private changed(e: Entry): void {
    this.emitter.emit('change', { state: view(e) });
  }
}

function view(e: Entry): RoomReadState {
  return { roomId: e.roomId, read: e.read, unread: e.unread, mentions: e.mentions };
}
