// Exponential backoff with full jitter: spreads reconnecting clients out after a server restart
// instead of letting them return in synchronized waves.

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minDelayMs: number,
    private readonly maxDelayMs: number,
  ) {}

  /** Delay before the next attempt: uniform in [0, min(max, min * 2^attempt)], in ms. */
  next(): number {
    // Capping the exponent keeps 2 ** attempt finite after days of failed attempts.
    const ceiling = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(Math.random() * ceiling);
  }

  /** Call after a success so that the next failure starts from the smallest delay again. */
  reset(): void {
    this.attempt = 0;
  }
}
