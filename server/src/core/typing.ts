// Typing indicators: relay starts and stops, expire them after a TTL without refresh, clear on send.
// Refreshes are absorbed except one per half TTL, which is re-announced so that receivers can expire
// an indicator on their own after a TTL of silence (in case an `off` is lost).

interface Indicator {
  timer: ReturnType<typeof setTimeout>;
  announcedAt: number;
}

export class TypingTracker {
  private readonly active = new Map<string, Indicator>();

  constructor(
    private readonly ttlMs: number,
    /** Announces a change to the room. */
    private readonly announce: (room: string, user: string, on: boolean) => void,
  ) {}

  set(room: string, user: string, on: boolean): void {
    const key = `${room}\u0000${user}`;
    const current = this.active.get(key);
    if (on) {
      let announcedAt = current?.announcedAt ?? 0;
      if (current) clearTimeout(current.timer);
      const now = Date.now();
      if (now - announcedAt >= this.ttlMs / 2) {
        this.announce(room, user, true);
        announcedAt = now;
      }
      this.active.set(key, { timer: setTimeout(() => this.stop(key, room, user), this.ttlMs), announcedAt });
    } else if (current) {
      this.stop(key, room, user);
    }
  }

  /** Clears the user's indicator in every room (last connection gone). */
  clearUser(user: string): void {
    for (const key of [...this.active.keys()]) {
      const [room, u] = key.split('\u0000') as [string, string];
      if (u === user) this.stop(key, room, user);
    }
  }

  close(): void {
    for (const i of this.active.values()) clearTimeout(i.timer);
    this.active.clear();
  }

  private stop(key: string, room: string, user: string): void {
    const current = this.active.get(key);
    if (current) clearTimeout(current.timer);
    this.active.delete(key);
    this.announce(room, user, false);
  }
}
