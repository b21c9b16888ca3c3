// Socket lifecycle: opens the WebSocket, runs the hello/welcome handshake, checks liveness with pings,
// and reconnects with backoff after every non-fatal close until `close()`, a fatal error, or a first
// `connect()` that found no server in time. In browsers it also follows offline/online: a socket is
// dropped when the network goes, and retried when it returns. Frames leave paced below the server's rate.
import { Liveness } from './liveness.js';
import { watchNetwork } from './network.js';
import { encodeFrame } from './protocol/codec.js';
import { CloseCode, Op, PROTOCOL_VERSION } from './protocol/codes.js';
import type { ClientFrame, ResultData, ResultOp, ServerFrame, WelcomeFrame } from './protocol/frames.js';
import { ClientClosedError, ConnectError, ConnectionClosedError, errorFromClose, errorFromFrame, TimeoutError, UnauthorizedError, type ParleyError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { FrameQueue } from './pacing.js';
import { isFatalClose, ReconnectDelay } from './reconnect.js';
import { checkFrame, Requests, type RequestBody, type RequestOptions } from './requests.js';
import { Socket } from './socket.js';
import { TokenSource } from './token.js';

export type ClientState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

// All client frames per second the server allows when its welcome does not say (protocol 4.3).
const DEFAULT_FRAME_RATE = 50;

export interface ConnectionHooks {
  state(oldState: ClientState, newState: ClientState): void;
  /** After every handshake, before queued requests go out: the place to resume rooms. */
  welcome(frame: WelcomeFrame): void;
  /** Every frame after the handshake that is not a reply to a request. */
  frame(frame: ServerFrame): void;
  /** The socket is gone; a reconnect follows unless the state is now `closed`. */
  down(): void;
  /** The client is closed for good (until `connect()`): cancel everything. */
  closed(error: ParleyError): void;
  error(error: ParleyError): void;
}

export class Connection {
  readonly requests = new Requests();
  state: ClientState = 'idle';
  welcome: WelcomeFrame | undefined;
  private socket: Socket | undefined;
  /** True once this socket's `welcome` arrived. */
  private ready = false;
  /** Whether the current attempt got as far as a welcome (it stays true after its socket is gone). */
  private welcomedAttempt = false;
  /** Attempts in a row that ended before a welcome, and why the last one did. */
  private failures = 0;
  private lastFailure: ParleyError | undefined;
  /** Armed by a `connect()` from idle or closed until the first welcome. */
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly outgoing = new FrameQueue();
  private readonly liveness = new Liveness();
  private readonly token: TokenSource;
  /** Bumped whenever an attempt is abandoned, so its pending async steps do nothing. */
  private attempt = 0;
  private handshakeError: ParleyError | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly reconnect: ReconnectDelay | undefined;
  private waiters: Array<{ resolve(w: WelcomeFrame): void; reject(e: ParleyError): void }> = [];
  private unwatchNetwork: (() => void) | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.token = new TokenSource(options.token, options.getToken);
    const { reconnect } = options;
    this.reconnect = reconnect ? new ReconnectDelay(reconnect.minDelayMs, reconnect.maxDelayMs) : undefined;
  }

  /** The token for an HTTP request (uploads), from the same source as `hello`'s. */
  httpToken(): Promise<string> {
    return this.token.get();
  }

  /** Resolves on the next `welcome`; rejects on a fatal error or `close()`. Transient failures are retried. */
  connect(): Promise<WelcomeFrame> {
    if (this.state === 'connected' && this.welcome) return Promise.resolve(this.welcome);
    const ready = new Promise<WelcomeFrame>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.state === 'idle' || this.state === 'closed') {
      this.setState('connecting');
      this.failures = 0;
      this.lastFailure = undefined;
      this.connectTimer = setTimeout(() => this.giveUp(), this.options.connectTimeoutMs);
      this.unwatchNetwork ??= watchNetwork({ offline: () => this.networkLost(), online: () => this.networkBack() });
      void this.open();
    }
    return ready;
  }

  request<O extends ResultOp>(op: O, body: RequestBody<O>, options: RequestOptions): Promise<ResultData[O]> {
    const refused = this.refusal();
    return refused ? Promise.reject(refused) : this.requests.request(op, body, options);
  }

  /** Why nothing can be sent now (the client is idle or closed), if so. */
  refusal(): ClientClosedError | undefined {
    if (this.state === 'idle') return new ClientClosedError('not connected: call connect() first');
    return this.state === 'closed' ? new ClientClosedError() : undefined;
  }

  /** Sends a frame that gets no reply (typing, presence). Dropped while disconnected: it is ephemeral. */
  notify(frame: ClientFrame): void {
    const checked = checkFrame(frame);
    if (this.ready) this.outgoing.push(encodeFrame(checked));
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const socket = this.detach();
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    this.attempt++;
    this.setState('closed');
    this.terminate(new ClientClosedError());
    await socket?.close();
  }

  private async open(): Promise<void> {
    const attempt = ++this.attempt;
    this.handshakeError = undefined;
    this.welcomedAttempt = false;
    let token: string;
    try {
      token = await this.token.get();
    } catch (err) {
      if (attempt !== this.attempt) return;
      // Usually a failed fetch to the app's backend: report it and retry like a failed connection.
      if (this.reconnect) this.hooks.error(err as ParleyError);
      this.lost(1006, 'no token', err as ParleyError);
      return;
    }
    if (attempt !== this.attempt) return;
    let socket: Socket;
    try {
      socket = new Socket(this.options.WebSocket, this.options.url, { t: Op.Hello, r: 0, v: PROTOCOL_VERSION, token, device: this.options.device }, {
        welcome: (frame) => this.welcomed(frame),
        // The server closes right after; this reason decides whether that close is fatal.
        refused: (error) => (this.handshakeError = error),
        frame: (frame) => this.receive(frame),
        malformed: (error, r) => {
          if (r !== undefined) this.requests.fail(r, error);
          this.hooks.error(error);
        },
        close: (code, reason) => this.lost(code, reason),
      });
    } catch (err) {
      // A malformed URL will not get better by retrying.
      this.fail(new ConnectionClosedError(`cannot open ${this.options.url}: ${(err as Error)?.message}`, undefined, { cause: err }));
      return;
    }
    this.socket = socket;
    this.liveness.awaitWelcome(this.options.requestTimeoutMs, (reason) => this.drop(reason));
  }

  /** A dead network rarely closes a socket by itself (no FIN, no RST): do not wait for pings to time out. */
  private networkLost(): void {
    if (this.socket) this.drop(new ConnectionClosedError('the browser went offline', 1006));
  }

  /** Back online: try now rather than at the end of the backoff delay. */
  private networkBack(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    void this.open();
  }

  private receive(frame: ServerFrame): void {
    if (frame.t === Op.Result) this.requests.settle(frame);
    else if (frame.t === Op.Error) {
      // A reply to a request that already timed out is dropped; an error without `r` is news.
      if (frame.r === undefined) this.hooks.error(errorFromFrame(frame));
      else this.requests.settle(frame);
    } else if (frame.t !== Op.Welcome) this.hooks.frame(frame);
  }

  private welcomed(frame: WelcomeFrame): void {
    const socket = this.socket!;
    this.ready = true;
    this.welcomedAttempt = true;
    this.failures = 0;
    clearTimeout(this.connectTimer);
    this.welcome = frame;
    this.token.accepted();
    this.reconnect?.ready();
    this.requests.maxFrameBytes = frame.limits.maxFrameBytes || this.requests.maxFrameBytes;
    this.outgoing.open((bytes) => socket.send(bytes), frame.limits.frameRate || DEFAULT_FRAME_RATE);
    this.requests.open((bytes) => this.outgoing.push(bytes), frame.limits.maxPending);
    const { pingIntervalMs, requestTimeoutMs } = this.options;
    this.liveness.welcomed(pingIntervalMs, () => this.requests.request(Op.Ping, {}, { timeoutMs: requestTimeoutMs }), (reason) => this.drop(reason));
    this.setState('connected');
    // Listeners may close the client from inside any hook.
    if (this.socket !== socket) return;
    this.hooks.welcome(frame);
    if (this.socket !== socket) return;
    this.requests.flush();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(frame);
  }

  /** The socket is unresponsive: abandon it and carry on as if it had closed. */
  private drop(reason: ParleyError): void {
    this.detach()?.kill();
    this.lost(1006, reason.message, reason);
  }

  private lost(code: number, reason: string, cause?: ParleyError): void {
    this.detach();
    const error = this.handshakeError ?? cause ?? errorFromClose(code, reason);
    this.requests.disconnect(new ConnectionClosedError(`connection lost: ${error.message}`, code, { cause: error }));
    this.hooks.down();
    if (this.state === 'closed') return;
    let fatal = isFatalClose(code, this.handshakeError);
    // One fresh token may fix a rejected one; a second rejection means it will not.
    if (error instanceof UnauthorizedError) fatal = !this.token.rejected();
    if (code === CloseCode.TokenExpired) this.token.expired();
    if (fatal || !this.reconnect) {
      this.fail(error);
      return;
    }
    if (!this.welcomedAttempt) {
      this.failures++;
      this.lastFailure = error;
      // A failed getToken was reported already, as what it is; too many connections is reported
      // below, once, as what it is.
      if (error.code !== 'token_unavailable' && code !== CloseCode.TooManyConnections) {
        this.hooks.error(new ConnectError(`connection attempt ${this.failures} to ${this.options.url} failed: ${error.message}`, this.failures, { cause: error }));
        // A listener may have closed the client (a change the narrowing above cannot see).
        if ((this.state as ClientState) === 'closed') return;
      }
    }
    const delay = this.reconnect.next(code);
    // Only the user can free a place (close a tab): tell the app, which may say so.
    if (code === CloseCode.TooManyConnections) this.hooks.error(error);
    if (this.state === 'connected') this.setState('reconnecting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.open();
    }, delay);
  }

  /** The first `connect()` found no server within `connectTimeoutMs`: stop trying and say why. */
  private giveUp(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.detach()?.kill();
    const { url, connectTimeoutMs } = this.options;
    const last = this.lastFailure;
    const tried = last ? ` (${this.failures} failed attempts, the last: ${last.message})` : '';
    this.fail(new TimeoutError(`could not connect to ${url} within ${connectTimeoutMs} ms${tried}`, { cause: last }));
  }

  private fail(error: ParleyError): void {
    clearTimeout(this.connectTimer);
    this.attempt++;
    this.setState('closed');
    this.terminate(error);
    this.hooks.error(error);
  }

  private terminate(error: ParleyError): void {
    this.unwatchNetwork?.();
    this.unwatchNetwork = undefined;
    this.requests.rejectAll(error);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
    this.hooks.closed(error);
  }

  /** Forgets the current socket and its timers; returns it so the caller can close it. */
  private detach(): Socket | undefined {
    this.liveness.stop();
    this.outgoing.close();
    const socket = this.socket;
    this.socket = undefined;
    this.ready = false;
    socket?.detach();
    return socket;
  }

  private setState(next: ClientState): void {
    const prev = this.state;
    if (prev === next) return;
    this.state = next;
    this.hooks.state(prev, next);
  }
}
