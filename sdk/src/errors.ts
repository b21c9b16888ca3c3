// One Error subclass per way a Parley call can fail, each with a stable `code`, plus the mapping
// from protocol error frames and WebSocket close codes onto them.
import { CloseCode, ErrorCode } from './protocol/codes.js';

/** Base class of every error the SDK produces. `code` is stable and safe to switch on. */
export class ParleyError extends Error {
  override name = 'ParleyError';
  constructor(
    /** A protocol `ErrorCode` when the server reported the failure, else an SDK code such as `timeout`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No reply (or no handshake, or no ack, or no connection by `connectTimeoutMs`) arrived in time. Code `timeout`. */
export class TimeoutError extends ParleyError {
  override name = 'TimeoutError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('timeout', message, options);
  }
}

/**
 * One attempt to connect failed before the server's welcome; the client tries again after a backoff
 * delay. Reported on `error` for every such attempt; `cause` says why. Code `connect_failed`.
 */
export class ConnectError extends ParleyError {
  override name = 'ConnectError';
  constructor(
    message: string,
    /** Failed attempts in a row, counting this one (1 for the first). */
    readonly attempt: number,
    options: { cause: ParleyError },
  ) {
    super('connect_failed', message, options);
  }
}

/** The token was rejected (error `unauthorized` or close 4001). Fatal to the connection. */
export class UnauthorizedError extends ParleyError {
  override name = 'UnauthorizedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Unauthorized, message, options);
  }
}

/**
 * Signed in but not allowed: not a member, not the owner, banned, muted, in slow mode, a locked room.
 * Code `forbidden`. Not retried by the outbox: a message refused while muted fails with this error.
 */
export class ForbiddenError extends ParleyError {
  override name = 'ForbiddenError';
  constructor(
    message: string,
    /** When waiting helps (a mute, slow mode, a timed ban): how long, in ms. The message says it in words. */
    readonly retryAfter?: number,
    /** Why, when moderation refused it: `muted`, `slow`, `banned`, `locked`, `guests`, `filter`, `links`, or a later word. */
    readonly reason?: string,
  ) {
    super(ErrorCode.Forbidden, message);
  }
}

/** The room's filter held the message for a moderator to review: it is not in the log. Code `held`. Not retried. */
export class HeldError extends ParleyError {
  override name = 'HeldError';
  constructor(message: string) {
    super(ErrorCode.Held, message);
  }
}

/** The room or user does not exist. Code `not_found`. */
export class NotFoundError extends ParleyError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super(ErrorCode.NotFound, message);
  }
}

/** The thing already exists (e.g. a room id is taken). Code `conflict`. */
export class ConflictError extends ParleyError {
  override name = 'ConflictError';
  constructor(message: string) {
    super(ErrorCode.Conflict, message);
  }
}

/** Too many frames. `retryAfter` is how long the server asks us to wait, in ms. */
export class RateLimitedError extends ParleyError {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfter: number,
  ) {
    super(ErrorCode.RateLimited, message);
  }
}

/**
 * A quota of the server is used up for this user or address: rooms created, open connections.
 * Retrying soon does not help. Code `limit_reached`.
 */
export class LimitReachedError extends ParleyError {
  override name = 'LimitReachedError';
  constructor(message: string) {
    super(ErrorCode.LimitReached, message);
  }
}

/** An action id was used already: a click reaches its bot at most once (feature `interactive`). Code `replayed`. */
export class ReplayedError extends ParleyError {
  override name = 'ReplayedError';
  constructor(message: string) {
    super(ErrorCode.Replayed, message);
  }
}

/** The action's time is over: an edit after the server's `limits.editWindowMs`. Code `too_late`. */
export class TooLateError extends ParleyError {
  override name = 'TooLateError';
  constructor(message: string) {
    super(ErrorCode.TooLate, message);
  }
}

/**
 * The request itself is unacceptable and retrying it unchanged cannot help: a field too long or
 * malformed. Code `bad_frame`, `too_large` or `unknown_type`; raised locally before sending when possible.
 */
export class InvalidRequestError extends ParleyError {
  override name = 'InvalidRequestError';
}

/**
 * Storage is unreachable or failed mid-write. For a write the outcome is unknown: the database may
 * have stored it before the connection to it broke. Retrying is safe where the request is idempotent;
 * the outbox re-sends a message with the same `cid`, which returns the stored one (`duplicate: true`)
 * if it was stored. Code `unavailable`.
 */
export class UnavailableError extends ParleyError {
  override name = 'UnavailableError';
  constructor(message: string) {
    super(ErrorCode.Unavailable, message);
  }
}

/** An unexpected fault inside the server. Code `internal`. */
export class ServerError extends ParleyError {
  override name = 'ServerError';
  constructor(message: string) {
    super(ErrorCode.Internal, message);
  }
}

/**
 * The peers do not understand each other: a malformed or invalid server frame, close 4000, or an
 * unsupported protocol version. Code `protocol_error`, `not_ready` or `unsupported_version`.
 */
export class ProtocolError extends ParleyError {
  override name = 'ProtocolError';
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'protocol_error', message, options);
  }
}

/** The connection dropped before the request was answered. `closeCode` is the WebSocket close code. */
export class ConnectionClosedError extends ParleyError {
  override name = 'ConnectionClosedError';
  constructor(
    message: string,
    readonly closeCode?: number,
    options?: { cause?: unknown },
  ) {
    super('connection_closed', message, options);
  }
}

/** The client was closed with `close()` (or was never connected). Code `client_closed`. */
export class ClientClosedError extends ParleyError {
  override name = 'ClientClosedError';
  constructor(message = 'the client is closed') {
    super('client_closed', message);
  }
}

/** The browser (or the user) refused the microphone, camera or screen to a call. Code `media_denied`. */
export class MediaPermissionError extends ParleyError {
  override name = 'MediaPermissionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('media_denied', message, options);
  }
}

/** No microphone or camera exists (or the one asked for cannot be used). Code `no_device`. */
export class NoMediaDeviceError extends ParleyError {
  override name = 'NoMediaDeviceError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('no_device', message, options);
  }
}

/** Maps a protocol `error` frame onto the matching error class. */
export function errorFromFrame(frame: { code: string; message: string; retryAfter?: number; reason?: string }): ParleyError {
  const { code, message } = frame;
  switch (code) {
    case ErrorCode.Unauthorized: return new UnauthorizedError(message);
    case ErrorCode.Forbidden: return new ForbiddenError(message, frame.retryAfter, frame.reason);
    case ErrorCode.Held: return new HeldError(message);
    case ErrorCode.NotFound: return new NotFoundError(message);
    case ErrorCode.Conflict: return new ConflictError(message);
    // A server that forgets retryAfter still gets a pause, not a hot retry loop.
    case ErrorCode.RateLimited: return new RateLimitedError(message, frame.retryAfter ?? 1000);
    case ErrorCode.Unavailable: return new UnavailableError(message);
    case ErrorCode.LimitReached: return new LimitReachedError(message);
    case ErrorCode.TooLate: return new TooLateError(message);
    case ErrorCode.Replayed: return new ReplayedError(message);
    case ErrorCode.Internal: return new ServerError(message);
    case ErrorCode.BadFrame:
    case ErrorCode.TooLarge:
    case ErrorCode.UnknownType:
      return new InvalidRequestError(code, message);
    case ErrorCode.NotReady:
    case ErrorCode.UnsupportedVersion:
      return new ProtocolError(message, { code });
    default:
      // Codes added by later protocol versions stay inspectable through `code`.
      return new ParleyError(code, message);
  }
}

/** Maps a WebSocket close onto the error that explains it. */
export function errorFromClose(code: number, reason: string): ParleyError {
  const text = `connection closed (${code}${reason ? `: ${reason}` : ''})`;
  if (code === CloseCode.Unauthorized) return new UnauthorizedError(text);
  if (code === CloseCode.ProtocolError) return new ProtocolError(text);
  if (code === CloseCode.UnsupportedVersion) return new ProtocolError(text, { code: ErrorCode.UnsupportedVersion });
  return new ConnectionClosedError(text, code);
}
