// Drains the outgoing-webhook queue (ADR 0022): every poll fills it from the room log, claims the due
// deliveries no other node holds, posts them signed, and on failure schedules the next attempt with
// exponential backoff and jitter, or keeps the delivery as dead after the last one. A message stored
// on this node wakes it at once (`wake`); the poll stays for other nodes' messages and for retries.
// While nothing waits, the next poll is at the next retry's time or after `idleMs`, whichever is first.
import type { Logger } from '../log.js';
import { isUnavailable } from '../store/sql.js';
import { StoreUnavailableError } from '../store/store.js';
import type { WebhookStore } from '../store/webhooks.js';
import type { AddressGuard } from './address-guard.js';
import { postWebhook } from './webhook-post.js';

export interface WebhookQueueOptions {
  store: WebhookStore;
  guard: AddressGuard;
  log: Logger;
  /** Attempts before a delivery is dead. */
  attempts: number;
  /** Wait before the second attempt, ms; doubled for each further one (with jitter), at most an hour. */
  retryMs: number;
  /** One attempt's time limit, ms. */
  timeoutMs: number;
  /** How often the queue is looked at while it has work, or after a failed look, ms. */
  pollMs: number;
  /**
   * The longest wait between looks while nothing is queued or due, ms (default `pollMs`): a due retry
   * or an expiring lease is looked at on time whatever this is. Longer only where every message and
   * hook change of the store wakes this queue (a store no other node writes).
   */
  idleMs?: number;
  ca?: string | Buffer | undefined;
}

/** Deliveries one node sends at once. */
const PARALLEL = 16;
const MAX_DELAY_MS = 3_600_000;

/** The wait before attempt `attempt + 1`: retryMs·2^(attempt-1), at most an hour, scaled by a random 0.5-1 (jitter). */
export function retryDelay(attempt: number, retryMs: number, random = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, retryMs * 2 ** Math.min(30, attempt - 1));
  return Math.round(base * (0.5 + random() / 2));
}

export class WebhookQueue {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** A wake came while a poll ran: poll again as soon as it ends. */
  private again = false;
  /** Whether the last poll saw any outgoing hook: without one, a stored message wakes nothing. */
  private hooked = true;

  constructor(private readonly o: WebhookQueueOptions) {}

  start(): void {
    this.schedule(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Polls now rather than at the next poll: a message was stored on this node (or, `force`, a hook
   * was made here). Wakes during a poll fold into one poll right after it.
   */
  wake(force = false): void {
    if (this.closed || (!force && !this.hooked)) return;
    if (force) this.hooked = true;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.again = false;
      let wait = this.o.pollMs;
      this.running = this.tick()
        .then((ms) => {
          wait = ms;
        })
        .finally(() => {
          this.running = undefined;
          if (!this.closed) this.schedule(this.again ? 0 : wait);
        });
    }, ms);
    this.timer.unref();
  }

  /** One look at the queue; resolves with the wait before the next one, ms. */
  private async tick(): Promise<number> {
    try {
      const now = Date.now();
      const work = await this.o.store.work(now);
      this.hooked = work.hooked;
      if (work.fill && (await this.o.store.fill(now)) > 0) work.due = true;
      if (!work.due) return this.idleWait(work.fill, work.next, now);
      // The lease outlasts an attempt: a node that died mid-post leaves its rows to be claimed after it.
      const due = await this.o.store.claim(now, PARALLEL, this.o.timeoutMs * 3);
      await Promise.all(due.map((d) => this.deliver(d)));
      return this.o.pollMs;
    } catch (err) {
      // Storage away: the next poll tries again. Anything else is a fault worth seeing.
      if (isUnavailable(err) || err instanceof StoreUnavailableError) this.o.log.debug('webhook queue unavailable', { err });
      else this.o.log.warn('webhook queue failed', { err });
      return this.o.pollMs;
    }
  }

  /** Nothing was due: look again when the next pending delivery may be claimed, or after the idle wait. */
  private idleWait(filling: boolean, next: number | null, now: number): number {
    // Events left to queue (a hook another node is filling): keep the busy cadence.
    const idle = filling ? this.o.pollMs : (this.o.idleMs ?? this.o.pollMs);
    return next === null ? idle : Math.max(0, Math.min(idle, next - now));
  }

  private async deliver(d: Awaited<ReturnType<WebhookStore['claim']>>[number]): Promise<void> {
    const { store, attempts, retryMs } = this.o;
    try {
      await postWebhook({ url: d.url, secret: d.secret, id: d.id, body: d.payload, guard: this.o.guard, timeoutMs: this.o.timeoutMs, ca: this.o.ca });
      await store.delivered(d.id);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const now = Date.now();
      const last = d.attempts >= attempts;
      if (last) this.o.log.warn('webhook delivery failed its last attempt: kept as dead for an admin', { id: d.id, attempts: d.attempts, reason });
      await store.attemptFailed(d.id, reason, now, last ? undefined : now + retryDelay(d.attempts, retryMs));
    }
  }
}
