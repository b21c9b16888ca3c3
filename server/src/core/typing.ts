// Typing indicators: relay starts and stops, expire them after a TTL without refresh, clear on send.
// Refreshes are absorbed except one per half TTL, which is re-announced so that receivers can expire
// an indicator on their own after a TTL of silence (in case an `off` is lost).

interface Indicator {
  room: string;
  user: string;
  /** Root seq of the thread typed in; undefined: the room itself. */
  thread: number | undefined;
  timer: ReturnType<typeof setTimeout>;
  announcedAt: number;
}

/** Announces a change to the room; `thread` is set when the user types in that thread. */
export type TypingAnnounce = (room: string, user: string, on: boolean, thread: number | undefined) => void;

export class TypingTracker {
  /** One indicator per (room, thread, user): a user may type in the room and in a thread at once. */
  private readonly active = new Map<string, Indicator>();

  constructor(
    private readonly ttlMs: number,
    private readonly announce: TypingAnnounce,
  ) {}

  set(room: string, user: string, on: boolean, thread?: number): void {
    const key = `${room}\u0000${thread ?? ''}\u0000${user}`;
    const current = this.active.get(key);
    if (on) {
      let announcedAt = current?.announcedAt ?? 0;
      if (current) clearTimeout(current.timer);
      const now = Date.now();
      if (now - announcedAt >= this.ttlMs / 2) {
        this.announce(room, user, true, thread);
        announcedAt = now;
      }
      const timer = setTimeout(() => this.stop(key), this.ttlMs);
      this.active.set(key, { room, user, thread, timer, announcedAt });
    } else if (current) {
      this.stop(key);
    }
  }

  /** Clears the user's indicators in `room` (left it), or in every room (last connection gone). */
  clearUser(user: string, room?: string): void {
    for (const [key, i] of [...this.active]) {
      if (i.user === user && (room === undefined || i.room === room)) this.stop(key);
    }
  }

  close(): void {
    for (const i of this.active.values()) clearTimeout(i.timer);
    this.active.clear();
  }

  private stop(key: string): void {
    const current = this.active.get(key);
    if (!current) return;
    clearTimeout(current.timer);
    this.active.delete(key);
    this.announce(current.room, current.user, false, current.thread);
  }
}
