// The uWebSockets.js glue: WebSocket endpoint /ws and the HTTP API on one port. Maps sockets to core
// Sessions through the Conn interface and HTTP requests to HttpApi; the only module that knows uWS.
import { Limits } from '@parley/sdk/protocol';
import type { HttpResponse, TemplatedApp, us_listen_socket, us_socket, WebSocket } from '@trufflesuite/uws-js-unofficial';
import { ConfigError, type Config } from '../config.js';
import type { Conn, Publisher } from '../core/conn.js';
import type { Hub } from '../core/hub.js';
import type { Session } from '../core/session.js';
import type { HttpApi, HttpReply } from '../http/api.js';
import type { Logger } from '../log.js';
import { clientIp } from './client-ip.js';
import { BacklogWatch, type WatchedSocket } from './backlog-watch.js';
import { listenFailure } from './listen-failure.js';
import { OwnOrigins } from './own-origin.js';
import { tlsOptions } from './tls.js';
import { attachFileRoutes } from './uws-files.js';
import { loadUws, type Uws } from './uws-binary.js';

interface SocketData {
  ip: string;
  closed: boolean;
  /** Dropped for not reading its frames (counted under its own label, not as the 1006 it closes with). */
  slowConsumer?: boolean;
  conn?: UwsConn;
  session?: Session;
  /** Waiting for backpressure to drain. */
  drainWaiters?: (() => void)[];
}

const MAX_HTTP_BODY = Limits.maxHttpBytes;

class UwsConn implements Conn, WatchedSocket {
  /** Over its backpressure limit: takes no more frames and is dropped once no cork is open. */
  private overflowed = false;
  private corks = 0;
  /**
   * The queue was a quarter full at the BacklogWatch's last look. A 1006 close of such a socket
   * is uWS's own backpressure limit catching a fan-out burst between two looks: a slow consumer too.
   */
  backlogged = false;

  constructor(
    private readonly ws: WebSocket<SocketData>,
    private readonly data: SocketData,
    private readonly maxBackpressure: number,
  ) {}

  get closed(): boolean {
    return this.data.closed || this.overflowed;
  }

  get remoteAddress(): string {
    return this.data.ip;
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    // Corked: uWS first flushes the topic messages pending for this socket (the sender's own copy of
    // the event its ack follows) and then the frame, so both leave in one write instead of two.
    let status = 0;
    this.ws.cork(() => (status = this.ws.send(frame, true)));
    // 2 = dropped: never drop silently; the client reconnects and resumes from storage.
    if (status === 2 || this.ws.getBufferedAmount() > this.maxBackpressure) {
      this.overflowed = true;
      if (this.corks === 0) this.dropSlowConsumer();
    }
  }

  cork(fn: () => void): void {
    if (this.closed) return;
    this.corks++;
    try {
      this.ws.cork(fn);
    } finally {
      this.corks--;
    }
    if (this.overflowed && this.corks === 0) this.dropSlowConsumer();
  }

  /** How the close handler counts this socket's close with `code`. */
  droppedAsSlowConsumer(code: number): boolean {
    return this.data.slowConsumer === true || (code === 1006 && this.backlogged);
  }

  /**
   * Aborts the connection of a client that does not read: at once, without a close frame, which would
   * only queue behind the megabytes it did not read and never arrive (the client sees 1006 either way,
   * and resumes). What was queued for it is freed now rather than at a close timeout.
   */
  dropSlowConsumer(): void {
    if (this.data.closed) return;
    this.data.closed = true;
    this.data.slowConsumer = true;
    this.ws.close();
  }

  get bufferedAmount(): number {
    return this.data.closed ? 0 : this.ws.getBufferedAmount();
  }

  drained(): Promise<void> {
    if (this.data.closed || this.ws.getBufferedAmount() === 0) return Promise.resolve();
    return new Promise((resolve) => (this.data.drainWaiters ??= []).push(resolve));
  }

  subscribe(topic: string): void {
    if (!this.data.closed) this.ws.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    if (!this.data.closed) this.ws.unsubscribe(topic);
  }

  close(code: number, reason = ''): void {
    if (this.data.closed) return;
    this.data.closed = true;
    this.ws.end(code, reason);
  }
}

function releaseDrainWaiters(data: SocketData): void {
  const waiters = data.drainWaiters;
  data.drainWaiters = undefined;
  for (const w of waiters ?? []) w();
}

export class UwsTransport implements Publisher {
  private readonly uws: Uws;
  private readonly app: TemplatedApp;
  /** Every open WebSocket; a deletion during a BacklogWatch look is safe (Set iteration allows it). */
  private readonly conns = new Set<UwsConn>();
  private readonly backlogs: BacklogWatch;
  private listenSocket: us_listen_socket | undefined;
  /** The port bound by listen(). */
  private port = 0;
  private readonly ownOrigins: OwnOrigins;
  private draining = false;
  /** True when serving https:// and wss:// (a certificate is configured). */
  readonly secure: boolean;
  private readonly trustedProxies: ReadonlySet<string>;
  /** Open sockets per client address, for PARLEY_CONNECTIONS_PER_IP. */
  private readonly perIp = new Map<string, number>();
  /** Addresses refused since they last had no socket: each is logged once, not on every attempt. */
  private readonly crowdedIps = new Set<string>();

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.uws = loadUws();
    const tls = tlsOptions(config);
    this.secure = tls !== undefined;
    this.trustedProxies = new Set(config.trustedProxies);
    this.ownOrigins = new OwnOrigins(config.publicUrls);
    this.backlogs = new BacklogWatch(() => this.conns, config.maxBackpressure);
    try {
      this.app = tls ? this.uws.SSLApp(tls) : this.uws.App();
    } catch (err) {
      // Reached only if the files changed since tlsOptions checked them, or uWS rejects what node:crypto accepts.
      throw new ConfigError(`TLS: uWebSockets.js could not use ${config.tlsCert} and ${config.tlsKey}: ${(err as Error).message}`);
    }
  }

  publish(topic: string, frame: Uint8Array): void {
    this.app.publish(topic, frame, true);
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  attach(hub: Hub, api: HttpApi): void {
    const { config, log } = this;
    const { metrics } = hub;
    this.app.ws<SocketData>('/ws', {
      maxPayloadLength: Limits.maxFrameBytes,
      // uWS's own limit is a backstop at twice ours: the BacklogWatch and the send path drop a slow
      // consumer first, knowingly. Past it uWS would skip publishes (a silent drop) without
      // closeOnBackpressureLimit, which closes instead, so that the client resumes.
      // (Typed as a number in this package's typings; the native side reads it as a boolean.)
      maxBackpressure: config.maxBackpressure * 2,
      closeOnBackpressureLimit: 1,
      idleTimeout: config.idleTimeout,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const origin = req.getHeader('origin');
        const key = req.getHeader('sec-websocket-key');
        const protocol = req.getHeader('sec-websocket-protocol');
        const extensions = req.getHeader('sec-websocket-extensions');
        if (this.draining) {
          metrics.httpRequest('/ws', 503);
          return void res.writeStatus('503 Service Unavailable').end('draining');
        }
        if (origin && !this.originAllowed(origin) && !this.ownOrigins.includes(origin, this.port, this.secure)) {
          metrics.httpRequest('/ws', 403);
          return void res.writeStatus('403 Forbidden').end('origin not allowed');
        }
        const ip = clientIp(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader('x-forwarded-for'), this.trustedProxies);
        if (this.crowded(ip)) {
          // Refused before a socket exists: a flood from one address costs no more than its requests.
          metrics.httpRequest('/ws', 429);
          return void res.writeStatus('429 Too Many Requests').writeHeader('retry-after', '30').end('too many connections from this address');
        }
        metrics.httpRequest('/ws', 101);
        res.upgrade<SocketData>({ ip, closed: false }, key, protocol, extensions, context);
      },
      open: (ws) => {
        const data = ws.getUserData();
        this.perIp.set(data.ip, (this.perIp.get(data.ip) ?? 0) + 1);
        data.conn = new UwsConn(ws, data, config.maxBackpressure);
        this.conns.add(data.conn);
        data.session = hub.openSession(data.conn);
      },
      message: (ws, message, isBinary) => {
        const session = ws.getUserData().session!;
        try {
          if (isBinary) session.onBinary(new Uint8Array(message));
          else session.onText();
        } catch (err) {
          session.log.error('frame handling failed', { err });
          session.conn.close(1011, 'internal error');
        }
      },
      drain: (ws) => {
        const data = ws.getUserData();
        if (data.drainWaiters && ws.getBufferedAmount() < config.maxBackpressure / 4) releaseDrainWaiters(data);
      },
      close: (ws, code) => {
        const data = ws.getUserData();
        if (data.conn?.droppedAsSlowConsumer(code)) metrics.slowConsumerDropped();
        else metrics.socketClosed(code);
        data.closed = true;
        releaseDrainWaiters(data);
        if (data.conn) this.conns.delete(data.conn);
        const left = (this.perIp.get(data.ip) ?? 1) - 1;
        if (left > 0) {
          this.perIp.set(data.ip, left);
        } else {
          this.perIp.delete(data.ip);
          this.crowdedIps.delete(data.ip);
        }
        data.session?.onClose();
      },
    });
    if (hub.files) {
      attachFileRoutes(this.app, {
        files: hub.files,
        auth: hub.auth,
        metrics,
        log: log.child({ component: 'files' }),
        originAllowed: (o) => this.originAllowed(o) || this.ownOrigins.includes(o, this.port, this.secure),
      });
    }
    this.app.any('/*', (res, req) => {
      const method = req.getMethod().toUpperCase();
      const request = {
        method,
        path: req.getUrl(),
        query: new URLSearchParams(req.getQuery() ?? ''),
        authorization: req.getHeader('authorization'),
        origin: req.getHeader('origin'),
        ip: clientIp(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader('x-forwarded-for'), this.trustedProxies),
        body: '',
        acceptEncoding: req.getHeader('accept-encoding'),
        ifNoneMatch: req.getHeader('if-none-match'),
      };
      let aborted = false;
      res.onAborted(() => (aborted = true));
      const respond = (reply: HttpReply) => {
        metrics.httpRequest(request.path, reply.status);
        if (aborted) return;
        res.cork(() => writeReply(res, reply, method === 'HEAD'));
      };
      const run = () =>
        api.handle(request).then(respond, (err: unknown) => {
          log.error('http request failed', { err, path: request.path });
          respond({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
        });
      if (method === 'POST' || method === 'PUT') {
        readBody(res, MAX_HTTP_BODY).then(
          (body) => {
            request.body = body;
            void run();
          },
          () => respond({ status: 413, body: { error: { code: 'too_large', message: `body over ${MAX_HTTP_BODY} bytes` } } }),
        );
      } else {
        void run();
      }
    });
  }

  /** Binds the port, exclusively unless `reusePort`; rejects with ListenError saying why not. */
  listen(): Promise<number> {
    const { host, port, reusePort } = this.config;
    // Without the exclusive flag uWS sets SO_REUSEPORT: a second process on the port would start and
    // take half of the connections, with another guest secret and other sessions.
    const options = reusePort ? 0 : (this.uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;
    const listen = this.app.listen as unknown as (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => void;
    return new Promise((resolve, reject) => {
      listen.call(this.app, host, port, options, (socket) => {
        if (!socket) return void listenFailure(host, port).then(reject);
        this.listenSocket = socket;
        this.port = this.uws.us_socket_local_port(socket as unknown as us_socket);
        this.backlogs.start();
        resolve(this.port);
      });
    });
  }

  /** Stops accepting connections; open sockets keep working. */
  stopAccepting(): void {
    this.draining = true;
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }

  /** Closes every open socket with `code`. */
  closeAll(code: number, reason: string): void {
    this.backlogs.stop();
    for (const conn of [...this.conns]) conn.close(code, reason);
  }

  /** Whether `ip` already has as many sockets as PARLEY_CONNECTIONS_PER_IP allows (logged once per episode). */
  private crowded(ip: string): boolean {
    const cap = this.config.connectionsPerIp;
    if (cap === 0 || (this.perIp.get(ip) ?? 0) < cap) return false;
    if (!this.crowdedIps.has(ip)) {
      this.crowdedIps.add(ip);
      this.log.warn(
        'refusing WebSocket connections from an address at PARLEY_CONNECTIONS_PER_IP; if it is your proxy, list it in PARLEY_TRUSTED_PROXIES (when it sets X-Forwarded-For) or raise the cap',
        { ip, cap },
      );
    }
    return true;
  }

  /** True when `origin` is one of this server's own pages (PARLEY_PUBLIC_URL, else loopback at this port). */
  ownOrigin(origin: string): boolean {
    return this.ownOrigins.includes(origin, this.port, this.secure);
  }

  originAllowed(origin: string): boolean {
    return this.config.origins === undefined || this.config.origins.includes(origin);
  }
}

function readBody(res: HttpResponse, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      size += chunk.byteLength;
      if (size > limit) return reject(new Error('too large'));
      chunks.push(Buffer.from(chunk.slice(0))); // the ArrayBuffer is only valid during this call
      if (isLast) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function writeReply(res: HttpResponse, reply: HttpReply, head: boolean): void {
  res.writeStatus(STATUS[reply.status] ?? String(reply.status));
  const headers = reply.headers ?? {};
  for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
  // Every answer says what it is (JSON, metrics text, files): browsers must not guess another type.
  if (!('x-content-type-options' in headers)) res.writeHeader('x-content-type-options', 'nosniff');
  if (reply.status === 304) {
    res.endWithoutBody();
  } else if (reply.body instanceof Uint8Array) {
    // HEAD: the length GET would send, and no body. (endWithoutBody(length) breaks keep-alive in
    // this uWS build: the next request on the connection dies, so the header is written by hand.)
    if (head) res.writeHeader('content-length', String(reply.body.byteLength)).endWithoutBody();
    else res.end(reply.body);
  } else if (typeof reply.body === 'string') {
    res.end(reply.body);
  } else {
    res.writeHeader('content-type', 'application/json; charset=utf-8');
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }
}

const STATUS: Record<number, string> = {
  200: '200 OK',
  204: '204 No Content',
  304: '304 Not Modified',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  413: '413 Payload Too Large',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};
