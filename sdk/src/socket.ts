// One WebSocket, wrapped: sends `hello` on open, decodes and validates every incoming frame, splits
// the handshake reply from the rest, and lets go of the socket (detach, kill, close) without leaks.
import { decodeServerFrame, encodeFrame, FrameError } from './protocol/codec.js';
import { ErrorCode, Op, PROTOCOL_VERSION } from './protocol/codes.js';
import type { HelloFrame, ServerFrame, WelcomeFrame } from './protocol/frames.js';
import { errorFromFrame, ProtocolError, type ParleyError } from './errors.js';
import type { WebSocketConstructor, WebSocketLike } from './options.js';

export interface SocketHandlers {
  welcome(frame: WelcomeFrame): void;
  /** The server answered `hello` with an error; it closes the socket next. */
  refused(error: ParleyError): void;
  /** Every frame after the welcome. */
  frame(frame: ServerFrame): void;
  /** A frame that failed decoding or validation; `r` is its request id when one was readable. */
  malformed(error: ProtocolError, r: number | undefined): void;
  close(code: number, reason: string): void;
}

const CLOSED = 3;
// How long a graceful close waits for the closing handshake before dropping the connection.
const CLOSE_GRACE_MS = 1000;
const noop = (): void => {};

export class Socket {
  private readonly ws: WebSocketLike;
  private welcomed = false;

  /** Throws what the WebSocket constructor throws (e.g. a malformed URL). */
  constructor(WebSocket: WebSocketConstructor, url: string, hello: HelloFrame, handlers: SocketHandlers) {
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => ws.send(encodeFrame(hello));
    ws.onmessage = (event: { data: unknown }) => {
      const frame = decode(event.data, handlers);
      if (!frame) return;
      if (this.welcomed) handlers.frame(frame);
      else if (frame.t === Op.Error) handlers.refused(errorFromFrame(frame));
      else if (frame.t === Op.Welcome && frame.v !== PROTOCOL_VERSION) {
        // A newer server may answer with its own version; this client cannot speak it.
        handlers.refused(new ProtocolError(`the server speaks protocol v${frame.v}, this client v${PROTOCOL_VERSION}`, { code: ErrorCode.UnsupportedVersion }));
        ws.close(1000);
      } else if (frame.t === Op.Welcome) {
        this.welcomed = true;
        handlers.welcome(frame);
      }
    };
    // An error is always followed by close, which carries the code that matters; `ws` also says why
    // (refused, DNS, an HTTP answer instead of an upgrade), which browsers keep to themselves.
    let why = '';
    ws.onerror = (event: { message?: unknown }) => {
      if (typeof event?.message === 'string') why = event.message;
    };
    ws.onclose = (event: { code: number; reason: string }) => handlers.close(event.code, event.reason || why);
  }

  send(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  /** Stops all callbacks; the socket itself is left to the caller. */
  detach(): void {
    const ws = this.ws;
    ws.onopen = ws.onmessage = ws.onclose = null;
    // `ws` throws when an error event finds no listener, so keep one.
    ws.onerror = noop;
  }

  /** Abandons an unresponsive socket without waiting for a closing handshake that may never come. */
  kill(): void {
    this.detach();
    try {
      if (this.ws.terminate) this.ws.terminate();
      else this.ws.close(1000, 'unresponsive');
    } catch {
      // Already closing or closed: nothing left to release.
    }
  }

  /** Closes normally; resolves when the server confirmed or after a short grace period. */
  close(): Promise<void> {
    this.detach();
    const ws = this.ws;
    if (ws.readyState === CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve();
      }, CLOSE_GRACE_MS);
      ws.onclose = () => {
        clearTimeout(timer);
        resolve();
      };
      try {
        ws.close(1000);
      } catch {
        clearTimeout(timer);
        this.kill();
        resolve();
      }
    });
  }
}

function decode(data: unknown, handlers: SocketHandlers): ServerFrame | undefined {
  const bytes = toBytes(data);
  if (!bytes) {
    handlers.malformed(new ProtocolError('the server sent a text frame'), undefined);
    return undefined;
  }
  try {
    return decodeServerFrame(bytes);
  } catch (err) {
    // Frame types from later protocol versions are skipped, as the protocol requires.
    if (err instanceof FrameError && err.code === ErrorCode.UnknownType) return undefined;
    const r = err instanceof FrameError ? err.r : undefined;
    handlers.malformed(new ProtocolError(`malformed frame from the server: ${(err as Error).message}`, { cause: err }), r);
    return undefined;
  }
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
    return new Uint8Array(data as ArrayBuffer);
  }
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
