// How many rooms a user may create, and how fast. The total is counted by the store, so it holds on
// every node at once; the pace is a token bucket per user on this node (several nodes each allow it).

export interface RoomLimitSettings {
  /** Rooms a user signed in with a host token may create in all. */
  roomsPerUser: number;
  /** Rooms a guest may create in all. */
  roomsPerGuest: number;
  /** Room creations per minute per user (and the burst). */
  roomCreateRate: number;
}

interface Allowance {
  tokens: number;
  /** When `tokens` was last brought up to date, ms. */
  at: number;
}

const MINUTE_MS = 60_000;
/** Allowances are forgotten once this many users are tracked and theirs have refilled. */
const PRUNE_AT = 10_000;

export class RoomCreationLimits {
  private readonly allowances = new Map<string, Allowance>();

  constructor(
    private readonly settings: RoomLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Rooms a guest (or a user with a host token) may create in all. */
  quota(guest: boolean): number {
    return guest ? this.settings.roomsPerGuest : this.settings.roomsPerUser;
  }

  /** Creations per minute (also the burst). */
  get perMinute(): number {
    return this.settings.roomCreateRate;
  }

  /** Takes one creation from `user`'s allowance: 0 when granted, else the ms until one is. */
  take(user: string): number {
    const a = this.current(user);
    if (a.tokens >= 1) {
      a.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - a.tokens) * MINUTE_MS) / this.perMinute));
  }

  /** Gives back a creation that did not happen (the room existed already). */
  refund(user: string): void {
    const a = this.allowances.get(user);
    if (a) a.tokens = Math.min(this.perMinute, a.tokens + 1);
  }

  private current(user: string): Allowance {
    const t = this.now();
    let a = this.allowances.get(user);
    if (!a) {
      if (this.allowances.size >= PRUNE_AT) this.prune(t);
      a = { tokens: this.perMinute, at: t };
      this.allowances.set(user, a);
    }
    a.tokens = Math.min(this.perMinute, a.tokens + ((t - a.at) * this.perMinute) / MINUTE_MS);
    a.at = t;
    return a;
  }

  /** Forgets users idle for a minute: their allowance is full again, the same as a fresh one. */
  private prune(t: number): void {
    for (const [user, a] of this.allowances) if (t - a.at >= MINUTE_MS) this.allowances.delete(user);
  }
}
