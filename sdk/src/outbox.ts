// Messages sent but not yet acknowledged. Each keeps its `cid` for life, so re-sending it after a
// reconnect or a retryable error can never store it twice; it fails only when it cannot succeed.
// Sends of one room keep their order: they are pipelined while all goes well, and once one of them
// has to be retried, the room's later messages wait behind it in a lane instead of overtaking it.
import { Backoff } from './backoff.js';
import { newCid } from './cid.js';
import { RateLimitedError, ServerError, TimeoutError, UnavailableError, type ParleyError } from './errors.js';
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
  readonly deadline: number;
  timer?: ReturnType<typeof setTimeout>;
  cancel?: (error: ParleyError) => void;
}

// Storage outages and server faults usually pass within seconds; retry soon, then back off.
const UNAVAILABLE_MIN_MS = 250;
const UNAVAILABLE_MAX_MS = 10_000;

/** The room's messages that are being retried, or waiting behind one that is: a FIFO of turns. */
interface Lane {
  tail: Promise<void>;
  size: number;
}

export class Outbox {
  private readonly entries = new Set<Entry>();
  private readonly lanes = new Map<string, Lane>();
  /** Set by cancel(): a retry that was about to sleep must fail instead of arming a timer. */
  private cancelled: ParleyError | undefined;

  constructor(
    private readonly request: RequestFn,
    private readonly ttlMs: number,
  ) {}

  /** Number of messages waiting for their ack. */
  get size(): number {
    return this.entries.size;
  }

  send(room: string, body: string): Promise<SendAck> {
    this.cancelled = undefined;
    const entry: Entry = { room, body, cid: newCid(), deadline: Date.now() + this.ttlMs };
    this.entries.add(entry);
    return this.deliver(entry).finally(() => this.entries.delete(entry));
  }

  /** Fails every waiting message with `error` (the client was closed). */
  cancel(error: ParleyError): void {
    this.cancelled = error;
    for (const entry of this.entries) {
      clearTimeout(entry.timer);
      entry.cancel?.(error);
    }
  }

  private async deliver(entry: Entry): Promise<SendAck> {
    let backoff: Backoff | undefined;
    // Held from the moment this message must not be overtaken until it settles.
    let release: (() => void) | undefined;
    try {
      if (this.lanes.has(entry.room)) release = await this.enter(entry.room);
      for (;;) {
        const left = entry.deadline - Date.now();
        if (left <= 0) throw this.expired();
        try {
          // `retry`: a send lost with its socket goes out again, same cid, after the next handshake.
          return await this.request(Op.Send, { room: entry.room, cid: entry.cid, body: entry.body }, { timeoutMs: left, retry: true });
        } catch (err) {
          if (err instanceof TimeoutError) throw this.expired();
          let wait: number;
          if (err instanceof RateLimitedError) wait = err.retryAfter;
          // `internal` has an unknown outcome, which the cid makes safe to retry.
          else if (err instanceof UnavailableError || err instanceof ServerError) wait = (backoff ??= new Backoff(UNAVAILABLE_MIN_MS, UNAVAILABLE_MAX_MS)).next();
          else throw err;
          release ??= await this.enter(entry.room);
          await this.sleep(entry, Math.min(wait, Math.max(0, entry.deadline - Date.now())));
        }
      }
    } finally {
      release?.();
    }
  }

  /** Takes the next turn in the room's lane; resolves when every earlier turn is over. */
  private async enter(room: string): Promise<() => void> {
    let lane = this.lanes.get(room);
    if (!lane) this.lanes.set(room, (lane = { tail: Promise.resolve(), size: 0 }));
    const earlier = lane.tail;
    let done!: () => void;
    lane.tail = new Promise<void>((resolve) => (done = resolve));
    lane.size++;
    const mine = lane;
    await earlier;
    return () => {
      done();
      if (--mine.size === 0 && this.lanes.get(room) === mine) this.lanes.delete(room);
    };
  }

  private sleep(entry: Entry, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.cancelled) return reject(this.cancelled);
      entry.timer = setTimeout(() => {
        entry.cancel = undefined;
        resolve();
      }, ms);
      entry.cancel = reject;
    });
  }

  private expired(): TimeoutError {
    return new TimeoutError(`message not acknowledged within ${this.ttlMs} ms`);
  }
}
