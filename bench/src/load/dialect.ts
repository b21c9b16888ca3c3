// What the load generator needs to speak to one kind of server: handshake, message frames, and how
// to recognise a delivered chat message from the first bytes of a frame without decoding it.
import type { RawWs } from './raw-ws.js';

/** The servers under test. */
export const PeerKind = {
  Parley: 'parley',
  ParleyNaive: 'parley-naive',
  /** Parley with its embedded store (PGlite, the default without DATABASE_URL). */
  ParleyEmbedded: 'parley-pglite',
  SocketIo: 'socketio',
  /** Bare uWS relay publishing each frame from its message callback (unbatched). */
  Relay: 'uws-relay',
  /** Bare uWS relay publishing a room's frames together once per event-loop turn (batched). */
  RelayBatched: 'uws-relay-batched',
} as const;
export type PeerKind = (typeof PeerKind)[keyof typeof PeerKind];

export interface OutFrame {
  opcode: number;
  payload: Buffer;
}

export interface Dialect {
  /** Path of the WebSocket endpoint. */
  readonly path: string;
  /** Authenticates with `token` (peers without auth ignore it) and joins `room` when given. */
  handshake(ws: RawWs, token: string, room: string | undefined): Promise<void>;
  /** The frame that posts `body` to `room`; `n` numbers this connection's sends from 1. */
  message(room: string, body: string, n: number): OutFrame;
  /** Whether a received data frame is a delivered chat message, from its first bytes only. */
  isDelivery(opcode: number, payload: Buffer): boolean;
  /** The body of a delivered chat message (a full decode: only sampled clients call it). */
  bodyOf(payload: Buffer): string;
  /** For frames that are not deliveries: the `n` of a send the frame acknowledges as stored, if any. */
  ackOf?(payload: Buffer): number | undefined;
  /** For frames that are not deliveries: a frame to answer with (an application-level pong), if any. */
  answer?(opcode: number, payload: Buffer): OutFrame | undefined;
}

/**
 * Runs `start`, then waits for the first data frame `accept` returns a value for (or throws on), with
 * a deadline. Used for handshakes, while the connection's sink is not yet the counting one.
 */
export function exchange<T>(
  ws: RawWs,
  start: () => void,
  accept: (opcode: number, payload: Buffer) => T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const previous = ws.sink;
    const timer = setTimeout(() => finish(new Error('handshake timed out')), timeoutMs);
    const onClose = () => finish(new Error(`closed during handshake (code ${ws.closeCode ?? 'none'})`));
    ws.socket.once('close', onClose);
    const finish = (err: Error | undefined, value?: T) => {
      clearTimeout(timer);
      ws.socket.off('close', onClose);
      ws.sink = previous;
      if (err) reject(err);
      else resolve(value as T);
    };
    const sink = {
      frame(opcode: number, payload: Buffer) {
        let value: T | undefined;
        try {
          value = accept(opcode, payload);
        } catch (err) {
          return finish(err as Error);
        }
        if (value !== undefined) finish(undefined, value);
      },
    };
    start();
    ws.sink = sink;
  });
}
