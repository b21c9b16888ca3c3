// Typing indicators: relay starts and stops, expire them after a TTL without refresh, clear on send.
// Refreshes of an indicator that is already on are absorbed here, so they cost no fan-out.

export class TypingTracker {
  private readonly active = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly ttlMs: number,
    /** Announces a change to the room. */
    private readonly announce: (room: string, user: string, on: boolean) => void,
  ) {}

  set(room: string, user: string, on: boolean): void {
    const key = `${room}\u0000${user}`;
    const timer = this.active.get(key);
    if (on) {
      if (timer) clearTimeout(timer);
      else this.announce(room, user, true);
      this.active.set(key, setTimeout(() => this.stop(key, room, user), this.ttlMs));
    } else if (timer) {
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
    for (const t of this.active.values()) clearTimeout(t);
    this.active.clear();
  }

  private stop(key: string, room: string, user: string): void {
    const timer = this.active.get(key);
    if (timer) clearTimeout(timer);
    this.active.delete(key);
    this.announce(room, user, false);
  }
}
