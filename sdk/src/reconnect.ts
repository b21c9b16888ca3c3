// When to reconnect and how long to wait: which failures are fatal, exponential backoff with full
// jitter, a longer pause after flooding, and a reset only once a connection has proven stable.
import { Backoff } from './backoff.js';
import { CloseCode, ErrorCode, FATAL_CLOSE_CODES } from './protocol/codes.js';
import type { ParleyError } from './errors.js';

// Flooding closes (4006) ask for a pause: a quick return would only be refused again.
const RATE_LIMITED_PAUSE_MS = 5000;
// Too many connections of this user (4008): only another tab or device closing frees a place, so
// come back rarely rather than join the queue of refused attempts.
const TOO_MANY_CONNECTIONS_PAUSE_MS = 30_000;
// A connection that drops sooner than this after its welcome does not reset the backoff, so a
// server that accepts and then kicks us keeps getting slower retries instead of a tight loop.
const STABLE_AFTER_MS = 10_000;
// Handshake errors after which the same hello would fail again.
const FATAL_HELLO_ERRORS: ReadonlySet<string> = new Set([
  ErrorCode.Unauthorized,
  ErrorCode.UnsupportedVersion,
  ErrorCode.BadFrame,
  ErrorCode.NotReady,
]);

/** Whether a close must not be followed by a reconnect (before the token-refresh exception). */
export function isFatalClose(code: number, handshakeError: ParleyError | undefined): boolean {
  // Any other error in reply to hello (unavailable, internal...) makes the close that follows transient.
  if (handshakeError) return FATAL_HELLO_ERRORS.has(handshakeError.code);
  return FATAL_CLOSE_CODES.has(code);
}

export class ReconnectDelay {
  private readonly backoff: Backoff;
  private readyAt = 0;

  constructor(minDelayMs: number, maxDelayMs: number) {
    this.backoff = new Backoff(minDelayMs, maxDelayMs);
  }

  /** A handshake succeeded. */
  ready(): void {
    this.readyAt = Date.now();
  }

  /** Delay before the next attempt after a close with `code`, in ms. */
  next(code: number): number {
    if (this.readyAt && Date.now() - this.readyAt >= STABLE_AFTER_MS) this.backoff.reset();
    this.readyAt = 0;
    const delay = this.backoff.next();
    if (code === CloseCode.TooManyConnections) return Math.max(delay, TOO_MANY_CONNECTIONS_PAUSE_MS);
    return code === CloseCode.RateLimited ? Math.max(delay, RATE_LIMITED_PAUSE_MS) : delay;
  }
}
