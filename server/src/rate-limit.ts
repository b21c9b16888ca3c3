// Token bucket: a steady refill rate with a burst allowance, checked per frame without timers.
// A cost larger than the burst is allowed from a full bucket and paid off by waiting (the bucket goes
// below zero), so that no request is refused forever by a small burst.

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    /** Tokens added per second. */
    private readonly rate: number,
    /** Most tokens held at once. */
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Whether `n` tokens may be taken now. */
  canTake(n = 1): boolean {
    this.refill();
    return this.tokens >= Math.min(n, this.burst);
  }

  /** Takes `n` tokens if {@link canTake} allows it. */
  take(n = 1): boolean {
    if (!this.canTake(n)) return false;
    this.tokens -= n;
    return true;
  }

  /** Takes `n` tokens whatever the bucket holds: for a cost known only after the work was done. */
  charge(n: number): void {
    this.refill();
    this.tokens -= n;
  }

  /** Milliseconds until `n` tokens may be taken. */
  retryAfterMs(n = 1): number {
    this.refill();
    const needed = Math.min(n, this.burst);
    return this.tokens >= needed ? 0 : Math.ceil(((needed - this.tokens) / this.rate) * 1000);
  }

  private refill(): void {
    const t = this.now();
    const elapsed = t - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
      this.last = t;
    }
  }
}
