// Client-side pacing below the server's per-connection rate limits (protocol section 11.1), so that
// the SDK's own traffic is never refused with `rate_limited` nor closed with 4006 for flooding.

/**
 * A token bucket like the server's, but holding one second of tokens where the server holds two:
 * the server counts a frame when it processes it, and frames sent at an even pace can be processed
 * in a bunch (a stalled network, a busy event loop). The second in reserve absorbs up to a second
 * of such bunching before the server would see more than its own burst.
 */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly rate: number) {
    this.tokens = rate;
  }

  /** Takes a token and returns 0, or returns how many ms until there will be one. */
  take(): number {
    const now = Date.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens < 1) return Math.ceil(((1 - this.tokens) * 1000) / this.rate);
    this.tokens--;
    return 0;
  }
}

/** Frames waiting for the connection's all-frames budget, oldest first; dropped with their socket. */
export class FrameQueue {
  private queued: Uint8Array[] = [];
  private bucket: TokenBucket | undefined;
  private write: ((bytes: Uint8Array) => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** A socket is ready: frames go to `write`, at most `frameRate` per second. */
  open(write: (bytes: Uint8Array) => void, frameRate: number): void {
    this.close();
    this.write = write;
    this.bucket = new TokenBucket(frameRate);
  }

  push(bytes: Uint8Array): void {
    this.queued.push(bytes);
    if (this.timer === undefined) this.drain();
  }

  /** The socket is gone: what did not leave is dropped (requests are re-sent or failed by their owner). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queued = [];
    this.write = undefined;
  }

  private drain(): void {
    this.timer = undefined;
    const { write, bucket } = this;
    if (!write || !bucket) return;
    let sent = 0;
    for (let wait = 0; sent < this.queued.length; sent++) {
      if ((wait = bucket.take())) {
        this.timer = setTimeout(() => this.drain(), wait);
        break;
      }
      write(this.queued[sent]!);
    }
    this.queued.splice(0, sent);
  }
}
