// Requests awaiting their reply, keyed by `r`: validates and encodes each frame before it leaves,
// holds it while disconnected or while the server's `maxPending` are in progress, enforces its
// deadline, and checks the result against the schema of the op that asked for it.
import { encodeFrame } from './protocol/codec.js';
import { ErrorCode, Limits, Op } from './protocol/codes.js';
import { clientFrameSchemas, resultSchemas } from './protocol/frames.js';
import type { ClientFrame, ClientRequest, ErrorFrame, ResultData, ResultFrame, ResultOp } from './protocol/frames.js';
import { SchemaError } from './protocol/schema.js';
import { errorFromFrame, InvalidRequestError, ProtocolError, TimeoutError, type ParleyError } from './errors.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** The fields of a request frame other than `t` and `r`. */
export type RequestBody<O extends ResultOp> = DistributiveOmit<Extract<ClientRequest, { t: O }>, 't' | 'r'>;

export interface RequestOptions {
  /** Deadline for the reply, from now, in ms; time spent waiting for a connection counts. */
  timeoutMs: number;
  /** Send again after a reconnect instead of failing. Only for requests that are safe to repeat. */
  retry?: boolean;
}

interface Pending {
  readonly op: ResultOp;
  readonly frame: Record<string, unknown>;
  readonly retry: boolean;
  readonly timeoutMs: number;
  resolve(data: unknown): void;
  reject(error: ParleyError): void;
  timer?: ReturnType<typeof setTimeout>;
  r?: number;
}

const OP_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Op).map(([name, op]) => [op, name]));

/**
 * Validates a client frame with its protocol schema. The parsed copy holds only known, defined
 * fields — which also keeps `undefined` values (encoded as a msgpack extension) off the wire.
 */
export function checkFrame(frame: ClientFrame): Record<string, unknown> {
  const schema = clientFrameSchemas[frame.t];
  try {
    return schema.parse(frame, '') as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof SchemaError)) throw err;
    const code = err.tooLarge ? ErrorCode.TooLarge : ErrorCode.BadFrame;
    throw new InvalidRequestError(code, `invalid ${OP_NAMES[frame.t] ?? frame.t} request: ${err.message}`, { cause: err });
  }
}

export class Requests {
  /** Largest frame the server accepts; a bigger one would make it drop the connection. */
  maxFrameBytes: number = Limits.maxFrameBytes;
  /** Requests the server lets this connection have in progress; more wait here. Set by `open`. */
  private declare maxPending: number;
  private lastId = 0;
  private readonly inflight = new Map<number, Pending>();
  private waiting: Pending[] = [];
  private sink: ((bytes: Uint8Array) => void) | undefined;

  request<O extends ResultOp>(op: O, body: RequestBody<O>, options: RequestOptions): Promise<ResultData[O]> {
    return new Promise<ResultData[O]>((resolve, reject) => {
      let frame: Record<string, unknown>;
      try {
        // r 0 is a placeholder: the real id is assigned per attempt, when the frame is sent.
        frame = checkFrame({ ...body, t: op, r: 0 } as ClientFrame);
      } catch (err) {
        reject(err as ParleyError);
        return;
      }
      const pending: Pending = { op, frame, retry: !!options.retry, timeoutMs: options.timeoutMs, resolve: resolve as (d: unknown) => void, reject };
      pending.timer = setTimeout(() => this.expire(pending), options.timeoutMs);
      // Connected and under maxPending, a request leaves at once, even ahead of requests queued while
      // disconnected: those wait for `flush()` (after the welcome hooks resumed the rooms). A ping
      // always leaves: the server answers it at once, and holding it behind slow requests would make
      // a live connection look dead (one in flight counts against maxPending all the same).
      if (this.sink && (op === Op.Ping || this.inflight.size < this.maxPending)) this.dispatch(pending);
      else this.waiting.push(pending);
    });
  }

  /**
   * Starts sending through `sink`, at most `maxPending` requests in progress at once (the server's
   * `welcome.limits.maxPending`; none announced, no bound); requests queued while disconnected wait
   * for `flush()`.
   */
  open(sink: (bytes: Uint8Array) => void, maxPending = Infinity): void {
    this.sink = sink;
    this.maxPending = maxPending;
  }

  /** Sends queued requests, oldest first, while connected and under `maxPending`. */
  flush(): void {
    while (this.sink && this.waiting.length > 0 && this.inflight.size < this.maxPending) this.dispatch(this.waiting.shift()!);
  }

  /** The socket is gone: requests marked `retry` wait for the next one, the rest fail with `error`. */
  disconnect(error: ParleyError): void {
    this.sink = undefined;
    const sent = [...this.inflight.values()];
    this.inflight.clear();
    const kept: Pending[] = [];
    for (const pending of sent) {
      pending.r = undefined;
      if (pending.retry) kept.push(pending);
      else this.finish(pending, error);
    }
    this.waiting = [...kept, ...this.waiting];
  }

  /** Fails every request, sent or queued. */
  rejectAll(error: ParleyError): void {
    this.sink = undefined;
    const all = [...this.inflight.values(), ...this.waiting];
    this.inflight.clear();
    this.waiting = [];
    for (const pending of all) this.finish(pending, error);
  }

  /** Routes a reply to its request; false when no request with that `r` is waiting (e.g. it timed out). */
  settle(frame: ResultFrame | ErrorFrame): boolean {
    const pending = frame.r === undefined ? undefined : this.inflight.get(frame.r);
    if (!pending) return false;
    this.inflight.delete(frame.r!);
    this.flush();
    clearTimeout(pending.timer);
    if ('code' in frame) {
      pending.reject(errorFromFrame(frame));
      return true;
    }
    let data: unknown;
    try {
      data = resultSchemas[pending.op].parse(frame.data, 'data');
    } catch (err) {
      pending.reject(new ProtocolError(`invalid ${OP_NAMES[pending.op]} result: ${(err as Error).message}`, { cause: err }));
      return true;
    }
    pending.resolve(data);
    return true;
  }

  /** A reply for `r` arrived but could not be decoded: fail that request now rather than at its deadline. */
  fail(r: number, error: ParleyError): void {
    const pending = this.inflight.get(r);
    if (!pending) return;
    this.inflight.delete(r);
    this.flush();
    this.finish(pending, error);
  }

  private dispatch(pending: Pending): void {
    const r = this.nextId();
    const bytes = encodeFrame({ ...pending.frame, r });
    if (bytes.byteLength > this.maxFrameBytes) {
      this.finish(pending, new InvalidRequestError(ErrorCode.TooLarge, `frame of ${bytes.byteLength} bytes exceeds ${this.maxFrameBytes}`));
      return;
    }
    pending.r = r;
    this.inflight.set(r, pending);
    this.sink!(bytes);
  }

  private expire(pending: Pending): void {
    if (pending.r !== undefined) this.inflight.delete(pending.r);
    else this.waiting = this.waiting.filter((p) => p !== pending);
    this.flush();
    pending.reject(new TimeoutError(`${OP_NAMES[pending.op]} got no reply within ${pending.timeoutMs} ms`));
  }

  private finish(pending: Pending, error: ParleyError): void {
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  private nextId(): number {
    // 0 is the handshake's; ids wrap within uint32 and skip any still waiting for a reply.
    do this.lastId = this.lastId >= 0xffff_ffff ? 1 : this.lastId + 1;
    while (this.inflight.has(this.lastId));
    return this.lastId;
  }
}
