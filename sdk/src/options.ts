// ChatClient options with their defaults, and the minimal WebSocket shape the client needs, so that
// browsers' WebSocket and Node's `ws` both fit without the SDK importing either.
import { httpBase } from './upload.js';
import { deviceId } from './device.js';

/**
 * The part of a WHATWG WebSocket the client uses. Handler parameters are typed `never` on purpose:
 * it lets both the DOM's and `ws`'s event types be assigned here; the client reads only the fields
 * it declares in its own handlers.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drops the TCP connection without a closing handshake. */
  terminate?(): void;
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `WebSocket` from `ws` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ReconnectOptions {
  /** Upper bound of the first reconnect delay, in ms; doubles per failed attempt (full jitter). Default 500. */
  minDelayMs?: number;
  /** Largest reconnect delay, in ms. Default 15000. */
  maxDelayMs?: number;
}

export interface ClientOptions {
  /** WebSocket URL of the server, e.g. `wss://chat.example.com/ws`. Required. */
  url: string;
  /** Base URL of the server's HTTP API (uploads, downloads). Default: `url` with http(s) for ws(s) and without `/ws`. */
  httpUrl?: string;
  /** Access token (JWT) sent in `hello`; never put in the URL. Default: none (then `getToken` is required). */
  token?: string;
  /** Returns a fresh token; called when there is none, after close 4002 and once after a rejection (4001). Default: none. */
  getToken?: () => string | Promise<string>;
  /** WebSocket constructor; pass `WebSocket` from `ws` in Node. Default: `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** How long a request, the handshake and a liveness ping wait for their reply, in ms. Default 10000. */
  requestTimeoutMs?: number;
  /** How long `connect()` keeps trying when no connection comes up before it rejects with TimeoutError, in ms. Default 30000. */
  connectTimeoutMs?: number;
  /** Reconnect delays in ms (exponential, full jitter), or `false` to never reconnect. Default `{ minDelayMs: 500, maxDelayMs: 15000 }`. */
  reconnect?: ReconnectOptions | false;
  /** Interval between liveness pings while connected, in ms. Default 25000. */
  pingIntervalMs?: number;
  /** How long a message may wait for its ack (queued, paced or retried) before `room.send` fails with TimeoutError, in ms. Default 300000. */
  outboxTtlMs?: number;
  /** How long a gap in a room's seq may wait for live or replayed events before history is fetched, in ms. Default 250. */
  gapFillDelayMs?: number;
  /**
   * Stable id of this device (1–64 of `A-Z a-z 0-9 _ -`), sent in `hello`. Default: in browsers one
   * kept in localStorage (`parley.device`; per page load where storage is blocked); in Node one per
   * process, so bots should set a fixed one.
   */
  device?: string;
}

export interface ResolvedOptions {
  url: string;
  httpUrl: string;
  token: string | undefined;
  getToken: (() => string | Promise<string>) | undefined;
  WebSocket: WebSocketConstructor;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  reconnect: Required<ReconnectOptions> | false;
  pingIntervalMs: number;
  outboxTtlMs: number;
  gapFillDelayMs: number;
  device: string;
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  if (!options || typeof options.url !== 'string' || !options.url) throw new TypeError('ChatClient: `url` is required');
  if (!options.token && !options.getToken) throw new TypeError('ChatClient: `token` or `getToken` is required');
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WebSocket !== 'function') {
    throw new TypeError(
      'ChatClient: no WebSocket implementation found; pass one as the `WebSocket` option ' +
        "(in Node: `import { WebSocket } from 'ws'`)",
    );
  }
  const reconnect = options.reconnect === false ? false : {
    minDelayMs: positive(options.reconnect?.minDelayMs, 500),
    maxDelayMs: positive(options.reconnect?.maxDelayMs, 15_000),
  };
  return {
    url: options.url,
    httpUrl: options.httpUrl ?? httpBase(options.url),
    token: options.token || undefined,
    getToken: options.getToken,
    WebSocket,
    requestTimeoutMs: positive(options.requestTimeoutMs, 10_000),
    connectTimeoutMs: positive(options.connectTimeoutMs, 30_000),
    reconnect,
    pingIntervalMs: positive(options.pingIntervalMs, 25_000),
    outboxTtlMs: positive(options.outboxTtlMs, 300_000),
    gapFillDelayMs: positive(options.gapFillDelayMs, 250, true),
    device: deviceId(options.device),
  };
}

function positive(value: number | undefined, fallback: number, zeroOk = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroOk)) {
    throw new TypeError(`ChatClient: expected a positive number of ms, got ${String(value)}`);
  }
  return value;
}
