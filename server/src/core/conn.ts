// What the core needs from one client socket. Implemented by the transport (uWS); core never imports uWS.

export interface Conn {
  /** Sends one binary frame. A no-op once closed; a socket over its backpressure limit is aborted (the client sees 1006). */
  send(frame: Uint8Array): void;
  /** Runs `fn` with the socket corked, so several sends leave in one write. */
  cork(fn: () => void): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Closes with a WebSocket close code. Idempotent. */
  close(code: number, reason?: string): void;
  readonly closed: boolean;
  readonly remoteAddress: string;
  /** Bytes queued for this socket in user space, not yet taken by the kernel. */
  readonly bufferedAmount: number;
  /** Resolves once the queued bytes have drained (or the socket closed). */
  drained(): Promise<void>;
}

/** Delivers an encoded frame to every local socket subscribed to `topic`. */
export interface Publisher {
  publish(topic: string, frame: Uint8Array): void;
}

/** The channel (broker) and topic (socket subscriptions) of a room's frames. */
export const roomTopic = (room: string): string => `r/${room}`;
/** The channel and topic of frames for one user wherever they are connected (e.g. "you were added"). */
export const userTopic = (user: string): string => `u/${user}`;
/** The channel and topic of a user's own log (`user_event` frames), followed by connections that sent `user_subscribe`. */
export const userLogTopic = (user: string): string => `l/${user}`;
