// Token expiry of authenticated sessions, driven by one coarse timer for all of them rather than a
// timer per connection: an idle connection should cost a few hundred bytes, and a Timeout alone is
// ~120 (plus a timer list per distinct duration). Items expire within `tickMs` after their time.

export class ExpiryWheel<T> {
  /** Items by the tick at which they are due. */
  private readonly due = new Map<number, Set<T>>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly expire: (item: T) => void,
    private readonly tickMs = 1000,
  ) {}

  /** Expires `item` at `at` (ms since the epoch) or up to one tick later; returns its slot for {@link remove}. */
  add(item: T, at: number): number {
    const slot = Math.ceil(at / this.tickMs);
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
