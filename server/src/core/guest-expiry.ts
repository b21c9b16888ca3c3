// Ends guests' memberships of public rooms once no token of theirs can be valid any more. A guest id
// lives only as long as the token it was issued with, so a membership older than the guest token
// lifetime (plus the clock tolerance) belongs to someone who can never come back (ADR 0008).
import type { Hub } from './hub.js';

/** How often a node looks for expired memberships. */
const SWEEP_EVERY_MS = 60_000;
/** Memberships read per query; a sweep reads until none are left. */
const BATCH = 200;

export class GuestMembershipExpiry {
  private timer: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly hub: Hub,
    /** How long after it began a guest's membership ends, ms. */
    private readonly lifetimeMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.hub.log.warn('could not end expired guest memberships; will try again', { err }));
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /**
   * Ends, with a `leave` event each, the guest memberships of public rooms that began more than the
   * lifetime before `now`; resolves with how many this call ended. Several nodes may sweep at once:
   * a membership another node ended first is simply skipped.
   */
  sweep(now = Date.now()): Promise<number> {
    this.sweeping ??= this.run(now).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async run(now: number): Promise<number> {
    const { hub } = this;
    let ended = 0;
    for (;;) {
      const batch = await hub.store.expiredGuestMemberships(now - this.lifetimeMs, BATCH);
      for (const m of batch) {
        const events = await hub.store.leave(m.room, { id: m.user, name: m.name });
        for (const e of events) hub.publishEvent(e);
        hub.dropMembership(m.room, m.user, events[0] ?? null);
        if (events.length > 0) ended++;
      }
      if (batch.length < BATCH) return ended;
    }
  }
}
