// Token expiry of authenticated sessions, driven by one coarse timer for all of them rather than a
// timer per connection: an idle connection should cost a few hundred bytes, and a Timeout alone is
// ~120 (plus a timer list per distinct duration). Items expire before their deadline, never after:
// a connection must not receive anything once its token has expired.

export class ExpiryWheel<T> {
  /** Items by the tick at which they are due. */
  private readonly due = new Map<number, Set<T>>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly expire: (item: T) => void,
    private readonly tickMs = 1000,
  ) {}

  /**
   * Expires `item` before `deadline` (ms since the epoch), at most two ticks before it; returns its
   * slot for {@link remove}. An item due within a tick is expired at once (on the next turn of the loop).
   */
  add(item: T, deadline: number): number {
    // A slot is handled by the first tick at or after slot × tickMs, which comes less than a tick
    // later: slot + 1 ticks must not pass the deadline.
    const slot = Math.floor(deadline / this.tickMs) - 1;
    if (deadline - Date.now() <= this.tickMs) setImmediate(() => this.tick());
    let set = this.due.get(slot);
    if (!set) this.due.set(slot, (set = new Set()));
    set.add(item);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
    return slot;
  }

  remove(item: T, slot: number): void {
    const set = this.due.get(slot);
    if (!set?.delete(item) || set.size > 0) return;
    this.due.delete(slot);
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.due.clear();
  }

  private tick(): void {
    const now = Date.now() / this.tickMs;
    for (const [slot, items] of this.due) {
      if (slot > now) continue;
      this.due.delete(slot);
      for (const item of items) this.expire(item);
    }
  }
}
