// Writes sent but not yet acknowledged: messages, and the edits, deletes and reactions that change
// them. One queue per room, in call order. Each write is safe to repeat (a message keeps its `cid`
// for life; a change that is already applied is answered `changed: false`), so re-sending it after a
// reconnect or a retryable error can never apply it twice; it fails only when it cannot succeed. A
// write leaves only once every earlier write of its room is acknowledged or in flight on the same
// connection, and no faster than the server's announced send rate (which reactions count against
// too). Changes to one message go one at a time. After a retryable failure the room sends nothing but
// the failed write until it is acknowledged, so that no later write can be applied before it.
import { Backoff } from './backoff.js';
import { newCid } from './cid.js';
import { ConnectionClosedError, RateLimitedError, ServerError, TimeoutError, UnavailableError, type ParleyError } from './errors.js';
import { TokenBucket } from './pacing.js';
import { Op } from './protocol/codes.js';
import type { ClientFrame, ResultData, ResultOp } from './protocol/frames.js';
import { checkFrame, type RequestBody, type RequestOptions } from './requests.js';

/** The server's acknowledgement of a stored message. `duplicate` is true when a retry found it already stored. */
export type SendAck = ResultData[typeof Op.Send];

/** The server's reply to an edit, delete or reaction: the change event's `seq`, `id` and `ts`; `changed` is false when nothing was appended. */
export type ChangeAck = ResultData[typeof Op.Edit];

/** The writes that go through the outbox. */
export type OutboxOp = typeof Op.Send | typeof Op.Edit | typeof Op.Delete | typeof Op.React;

/** A write as the caller gives it: the request's fields but `r` (and, for a send, the `cid` the outbox assigns). */
export type OutboxBody<O extends OutboxOp> = O extends typeof Op.Send ? Omit<RequestBody<O>, 'cid'> & { cid?: string } : RequestBody<O>;

export type RequestFn = <O extends ResultOp>(op: O, body: RequestBody<O>, options: RequestOptions) => Promise<ResultData[O]>;

interface Entry {
  readonly op: OutboxOp;
  /** The request's fields, `cid` included for a send; `seq` is the target of a change. */
  readonly fields: { readonly room: string; readonly seq?: number };
  /** Position in call order, over all rooms. */
  readonly n: number;
  readonly deadline: number;
  /** The connection (Outbox.link) it is in flight on; any other value means it is not in flight. */
  link: number;
  readonly timer: ReturnType<typeof setTimeout>;
  resolve(ack: unknown): void;
  reject(error: ParleyError): void;
}

interface RoomQueue {
  /** The room's unacknowledged writes, in call order. */
  readonly entries: Entry[];
  /** After a retryable failure: the one write that may leave until it is acknowledged. */
  probe?: Entry;
  /** Nothing leaves for this room before this time (retryAfter, or the backoff after a failure). */
  holdUntil: number;
  readonly backoff: Backoff;
}

// Storage outages and server faults usually pass within seconds; retry soon, then back off.
const UNAVAILABLE_MIN_MS = 250;
const UNAVAILABLE_MAX_MS = 10_000;

/** The seq of the message an edit, delete or reaction changes; undefined for a send. */
const changed = (entry: Entry): number | undefined => (entry.op === Op.Send ? undefined : entry.fields.seq);

const OP_WORDS: Record<OutboxOp, string> = { [Op.Send]: 'message', [Op.Edit]: 'edit', [Op.Delete]: 'delete', [Op.React]: 'reaction' };

export class Outbox {
  private readonly rooms = new Map<string, RoomQueue>();
  private count = 0;
  /** Numbers the current connection; 0 while there is none. */
  private link = 0;
  private links = 0;
  private bucket: TokenBucket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly request: RequestFn,
    private readonly ttlMs: number,
    /** Why nothing can be sent now (the client is idle or closed), if so. */
    private readonly refusal: () => ParleyError | undefined,
  ) {}

  /** Queues a write; resolves with its ack, once. A send gets its `cid` here. */
  enqueue<O extends OutboxOp>(op: O, body: OutboxBody<O>): Promise<ResultData[O]> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    const { room } = body;
    const fields = (op === Op.Send ? { ...body, cid: (body as { cid?: string }).cid ?? newCid() } : body) as Entry['fields'];
    try {
      // Refused now rather than at its turn: a write the server would refuse takes no place in the queue.
      checkFrame({ ...fields, t: op, r: 0 } as ClientFrame);
    } catch (err) {
      return Promise.reject(err as ParleyError);
    }
    return new Promise<ResultData[O]>((resolve, reject) => {
      const entry: Entry = {
        op,
        fields,
        n: ++this.count,
        deadline: Date.now() + this.ttlMs,
        link: 0,
        timer: setTimeout(() => this.settle(entry, undefined, this.expired(op)), this.ttlMs),
        resolve: resolve as (ack: unknown) => void,
        reject,
      };
      let queue = this.rooms.get(room);
      if (!queue) this.rooms.set(room, (queue = { entries: [], holdUntil: 0, backoff: new Backoff(UNAVAILABLE_MIN_MS, UNAVAILABLE_MAX_MS) }));
      queue.entries.push(entry);
      this.pump();
    });
  }

  /** A connection is ready and its rooms resumed: send, at most `sendRate` messages per second. */
  connected(sendRate: number): void {
    this.link = ++this.links;
    this.bucket = new TokenBucket(sendRate);
    this.pump();
  }

  /** The connection is gone; messages in flight on it come back as ConnectionClosedError. */
  disconnected(): void {
    this.link = 0;
    clearTimeout(this.timer);
  }

  /** Fails every waiting message with `error` (the client was closed). */
  cancel(error: ParleyError): void {
    this.disconnected();
    for (const queue of [...this.rooms.values()]) for (const entry of [...queue.entries]) this.settle(entry, undefined, error);
  }

  /** Sends what may leave now, oldest call first; sets a timer for what must wait. */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.link) return;
    const now = Date.now();
    let wake = Infinity;
    for (;;) {
      let next: Entry | undefined;
      for (const queue of this.rooms.values()) {
        const at = queue.entries.findIndex((e) => e.link !== this.link);
        const first = queue.entries[at];
        if (!first || (queue.probe && queue.probe !== first) || this.awaitsEarlierChange(queue, at)) continue;
        if (queue.holdUntil > now) wake = Math.min(wake, queue.holdUntil);
        else if (!next || first.n < next.n) next = first;
      }
      if (!next) break;
      const wait = this.bucket!.take();
      if (wait) {
        wake = Math.min(wake, now + wait);
        break;
      }
      this.dispatch(next);
    }
    if (wake < Infinity) this.timer = setTimeout(() => this.pump(), wake - now);
  }

  /**
   * True when the room's entry `at` changes a message that an earlier entry, still in flight, also
   * changes. The server may work on a connection's requests concurrently, and each change is checked
   * against the message's state before it is appended: a reaction taken back while putting it on is
   * still in flight would find nothing to take back. So changes to one message go one at a time;
   * earlier sends and changes to other messages overlap with them, later writes of the room wait
   * behind them as call order requires (one round trip, unless the earlier change is being retried).
   */
  private awaitsEarlierChange(queue: RoomQueue, at: number): boolean {
    const seq = changed(queue.entries[at]!);
    if (seq === undefined) return false;
    for (let i = 0; i < at; i++) if (changed(queue.entries[i]!) === seq) return true;
    return false;
  }

  private dispatch(entry: Entry): void {
    const link = (entry.link = this.link);
    const body = entry.fields as RequestBody<OutboxOp>;
    this.request(entry.op, body, { timeoutMs: Math.max(1, entry.deadline - Date.now()) }).then(
      (ack) => this.settle(entry, ack),
      (err: ParleyError) => {
        if (entry.link === link) this.failed(entry, err);
      },
    );
  }

  private failed(entry: Entry, err: ParleyError): void {
    const queue = this.rooms.get(entry.fields.room);
    if (!queue?.entries.includes(entry)) return;
    entry.link = 0;
    // `internal` and a lost connection have an unknown outcome; repeating a write is harmless (see top).
    const lost = err instanceof ConnectionClosedError;
    if (!lost && !(err instanceof RateLimitedError || err instanceof UnavailableError || err instanceof ServerError)) {
      this.settle(entry, undefined, err instanceof TimeoutError ? this.expired(entry.op) : err);
      return;
    }
    if (!queue.probe || entry.n < queue.probe.n) queue.probe = entry;
    // Later messages already in flight fail the same way; only the probe's failures lengthen the pause.
    let wait = err instanceof RateLimitedError ? err.retryAfter : 0;
    if (!lost && queue.probe === entry) wait = Math.max(wait, queue.backoff.next());
    queue.holdUntil = Math.max(queue.holdUntil, Date.now() + wait);
    this.pump();
  }

  private settle(entry: Entry, ack: unknown, error?: ParleyError): void {
    const { room } = entry.fields;
    const queue = this.rooms.get(room);
    const at = queue ? queue.entries.indexOf(entry) : -1;
    if (at < 0) return;
    queue!.entries.splice(at, 1);
    clearTimeout(entry.timer);
    if (queue!.probe === entry) {
      queue!.probe = undefined;
      if (ack) queue!.backoff.reset();
    }
    if (!queue!.entries.length) this.rooms.delete(room);
    if (ack) entry.resolve(ack);
    else entry.reject(error!);
    this.pump();
  }

  private expired(op: OutboxOp): TimeoutError {
    return new TimeoutError(`${OP_WORDS[op]} not acknowledged within ${this.ttlMs} ms`);
  }
}
