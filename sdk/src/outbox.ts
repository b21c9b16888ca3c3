// Messages sent but not yet acknowledged: one queue per room, in call order. Each message keeps its
// `cid` for life, so re-sending it after a reconnect or a retryable error can never store it twice;
// it fails only when it cannot succeed. A message leaves only once every earlier message of its room
// is acknowledged or in flight on the same connection, and no faster than the server's announced
// send rate. After a retryable failure the room sends nothing but the failed message until it is
// acknowledged, so that no later message can be stored before it.
import { Backoff } from './backoff.js';
import { newCid } from './cid.js';
import { ConnectionClosedError, RateLimitedError, ServerError, TimeoutError, UnavailableError, type ParleyError } from './errors.js';
import { TokenBucket } from './pacing.js';
import { Op } from './protocol/codes.js';
import type { ResultData, ResultOp } from './protocol/frames.js';
import type { RequestBody, RequestOptions } from './requests.js';

/** The server's acknowledgement of a stored message. `duplicate` is true when a retry found it already stored. */
export type SendAck = ResultData[typeof Op.Send];

export type RequestFn = <O extends ResultOp>(op: O, body: RequestBody<O>, options: RequestOptions) => Promise<ResultData[O]>;

interface Entry {
  readonly room: string;
  readonly cid: string;
  readonly body: string;
  /** Position in call order, over all rooms. */
  readonly n: number;
  readonly deadline: number;
  /** The connection (Outbox.link) it is in flight on; any other value means it is not in flight. */
  link: number;
  readonly timer: ReturnType<typeof setTimeout>;
  resolve(ack: SendAck): void;
  reject(error: ParleyError): void;
}

interface RoomQueue {
  /** The room's unacknowledged messages, in call order. */
  readonly entries: Entry[];
  /** After a retryable failure: the one message that may leave until it is acknowledged. */
  probe?: Entry;
  /** Nothing leaves for this room before this time (retryAfter, or the backoff after a failure). */
  holdUntil: number;
  readonly backoff: Backoff;
}

// Storage outages and server faults usually pass within seconds; retry soon, then back off.
const UNAVAILABLE_MIN_MS = 250;
const UNAVAILABLE_MAX_MS = 10_000;

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

  send(room: string, body: string): Promise<SendAck> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise<SendAck>((resolve, reject) => {
      const entry: Entry = {
        room,
        body,
        cid: newCid(),
        n: ++this.count,
        deadline: Date.now() + this.ttlMs,
        link: 0,
        timer: setTimeout(() => this.settle(entry, undefined, this.expired()), this.ttlMs),
        resolve,
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
        const first = queue.entries.find((e) => e.link !== this.link);
        if (!first || (queue.probe && queue.probe !== first)) continue;
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

  private dispatch(entry: Entry): void {
    const link = (entry.link = this.link);
    const body = { room: entry.room, cid: entry.cid, body: entry.body };
    this.request(Op.Send, body, { timeoutMs: Math.max(1, entry.deadline - Date.now()) }).then(
      (ack) => this.settle(entry, ack),
      (err: ParleyError) => {
        if (entry.link === link) this.failed(entry, err);
      },
    );
  }

  private failed(entry: Entry, err: ParleyError): void {
    const queue = this.rooms.get(entry.room);
    if (!queue?.entries.includes(entry)) return;
    entry.link = 0;
    // `internal` and a lost connection have an unknown outcome, which the cid makes safe to retry.
    const lost = err instanceof ConnectionClosedError;
    if (!lost && !(err instanceof RateLimitedError || err instanceof UnavailableError || err instanceof ServerError)) {
      this.settle(entry, undefined, err instanceof TimeoutError ? this.expired() : err);
      return;
    }
    if (!queue.probe || entry.n < queue.probe.n) queue.probe = entry;
    // Later messages already in flight fail the same way; only the probe's failures lengthen the pause.
    let wait = err instanceof RateLimitedError ? err.retryAfter : 0;
    if (!lost && queue.probe === entry) wait = Math.max(wait, queue.backoff.next());
    queue.holdUntil = Math.max(queue.holdUntil, Date.now() + wait);
    this.pump();
  }

  private settle(entry: Entry, ack: SendAck | undefined, error?: ParleyError): void {
    const queue = this.rooms.get(entry.room);
    const at = queue ? queue.entries.indexOf(entry) : -1;
    if (at < 0) return;
    queue!.entries.splice(at, 1);
    clearTimeout(entry.timer);
    if (queue!.probe === entry) {
      queue!.probe = undefined;
      if (ack) queue!.backoff.reset();
    }
    if (!queue!.entries.length) this.rooms.delete(entry.room);
    if (ack) entry.resolve(ack);
    else entry.reject(error!);
    this.pump();
  }

  private expired(): TimeoutError {
    return new TimeoutError(`message not acknowledged within ${this.ttlMs} ms`);
  }
}
