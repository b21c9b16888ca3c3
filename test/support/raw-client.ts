// A bare protocol client for tests: sends any bytes or frames and records every frame and the close,
// so tests can assert exactly what the server put on the wire (the SDK hides most of that).
import { decodeServerFrame, encodeFrame, Op, PROTOCOL_VERSION, type ServerFrame } from '@parley/sdk/protocol';
import WebSocket from 'ws';

export interface Closed {
  code: number;
  reason: string;
}

type Frame = ServerFrame & Record<string, unknown>;

export class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<Closed>;
  private nextR = 1;
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(new Uint8Array(data)) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => (w.pred(frame) ? (w.resolve(frame), false) : true));
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Connects and completes the handshake. */
  static async signedIn(url: string, token: string): Promise<RawClient> {
    const c = await RawClient.open(url);
    const welcome = await c.request({ t: Op.Hello, v: PROTOCOL_VERSION, token });
    if (welcome.t !== Op.Welcome) throw new Error(`hello failed: ${JSON.stringify(welcome)}`);
    return c;
  }

  sendRaw(bytes: Uint8Array | string): void {
    this.ws.send(bytes);
  }

  send(frame: object): void {
    this.ws.send(encodeFrame(frame));
  }

  /** Sends a request with a fresh `r` and resolves with its reply (welcome, result or error). */
  request(frame: Record<string, unknown>): Promise<Frame> {
    const r = this.nextR++;
    const reply = this.next((f) => f.r === r && (f.t === Op.Result || f.t === Op.Error || f.t === Op.Welcome));
    this.send({ ...frame, r });
    return reply;
  }

  /** Resolves with the result data, or throws with the error code. */
  async ok(frame: Record<string, unknown>): Promise<Record<string, any>> {
    const reply = await this.request(frame);
    if (reply.t !== Op.Result) throw new Error(`${String(reply.code)}: ${String(reply.message)}`);
    return (reply.data ?? {}) as Record<string, any>;
  }

  /** Index the next received frame will have: pass it to `next` to ignore what came before. */
  get mark(): number {
    return this.frames.length;
  }

  /** The first frame matching `pred`, already received at index >= `from`, or yet to come. */
  next(pred: (f: Frame) => boolean, timeoutMs = 5000, from = 0): Promise<Frame> {
    const seen = this.frames.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    const failure = new Error(`no matching frame within ${timeoutMs} ms`); // captured here for a useful stack
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(failure), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Room events received so far for `room`, in arrival order. */
  events(room: string): Record<string, any>[] {
    return this.frames.filter((f) => f.t === Op.Event && (f.e as { room: string }).room === room).map((f) => f.e as Record<string, any>);
  }

  close(): Promise<Closed> {
    this.ws.close();
    return this.closed;
  }
}
