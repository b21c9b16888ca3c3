// Liveness: pings the server at an interval and declares the socket dead when a reply is late,
// because a half-open TCP connection can look healthy for minutes while nothing gets through.
import { TimeoutError } from './errors.js';

export class Liveness {
  private timer: ReturnType<typeof setInterval> | undefined;

  /** Pings every `intervalMs`; `ping` must reject with TimeoutError when its reply is late. */
  start(intervalMs: number, ping: () => Promise<unknown>, dead: (reason: TimeoutError) => void): void {
    this.stop();
    this.timer = setInterval(() => {
      const timer = this.timer;
      ping().catch((err: unknown) => {
        // A reply that was late for a socket we have since left is no news.
        if (err instanceof TimeoutError && this.timer === timer) dead(new TimeoutError(`no ping reply: ${err.message}`));
      });
    }, intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
