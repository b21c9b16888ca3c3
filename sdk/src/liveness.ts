// Liveness of one socket: the handshake must finish in time, then pings must be answered in time,
// because a half-open TCP connection can look healthy for minutes while nothing gets through.
import { TimeoutError } from './errors.js';

export class Liveness {
  private handshake: ReturnType<typeof setTimeout> | undefined;
  private pings: ReturnType<typeof setInterval> | undefined;

  /** Declares the socket dead unless `welcomed()` is called within `timeoutMs`. */
  awaitWelcome(timeoutMs: number, dead: (reason: TimeoutError) => void): void {
    this.stop();
    this.handshake = setTimeout(() => dead(new TimeoutError(`no welcome within ${timeoutMs} ms`)), timeoutMs);
  }

  /** Pings every `intervalMs`; `ping` must reject with TimeoutError when its reply is late. */
  welcomed(intervalMs: number, ping: () => Promise<unknown>, dead: (reason: TimeoutError) => void): void {
    this.stop();
    const pings = setInterval(() => {
      ping().catch((err: unknown) => {
        // A late reply on a socket we have since left is no news.
        if (err instanceof TimeoutError && this.pings === pings) dead(new TimeoutError(`no ping reply: ${err.message}`));
      });
    }, intervalMs);
    this.pings = pings;
  }

  stop(): void {
    clearTimeout(this.handshake);
    clearInterval(this.pings);
    this.handshake = this.pings = undefined;
  }
}
