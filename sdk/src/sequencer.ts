// Per-log ordering (a room's, or the user's own): delivers events exactly once and in seq order, whatever
// order live and replayed events arrive in; holds early ones back and fetches the missing ones when a gap does not close.
import { ClientClosedError, ConnectionClosedError, ForbiddenError, NotFoundError, ProtocolError, RateLimitedError, type ParleyError } from './errors.js';
import type { AnyRoomEvent } from './protocol/frames.js';

export interface HistoryPage {
  events: AnyRoomEvent[];
  more: boolean;
}

export interface SequencerHooks<E extends { seq: number } = AnyRoomEvent> {
  deliver(event: E): void;
  /** Events up to `head` will not be delivered: the app must reload them. */
  reset(head: number): void;
  /** Loads the events after `after`, ascending (or has them pushed before it resolves). */
  fetch(after: number): Promise<{ events: E[] }>;
  error(error: ParleyError): void;
}

// After a failed fill, waiting longer than the normal gap delay avoids hammering a struggling server.
const RETRY_DELAY_MS = 1000;

export class Sequencer<E extends { seq: number } = AnyRoomEvent> {
  /** Seq of the last delivered event; undefined until a join/subscribe result sets the starting point. */
  private last: number | undefined;
  /** Events that arrived ahead of `last + 1`, by seq. */
  private readonly early = new Map<number, E>();
  /** Highest seq known to exist, from events and results. */
  private head = 0;
  /** True while no result vouches for the stream (before join, during a resume): do not fetch yet. */
  private paused = true;
  private filling = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by pause(), so that a fill started before a reconnect cannot act after it. */
  private epoch = 0;

  constructor(
    private readonly hooks: SequencerHooks<E>,
    private readonly delayMs: number,
    /** Largest gap worth paging through history; a bigger one is a reset, like the server's resume bound. */
    private readonly maxGap: () => number,
  ) {}

  get lastSeq(): number | undefined {
    return this.last;
  }

  /** A live or replayed event arrived. */
  push(event: E): void {
    const { seq } = event;
    if ((this.last !== undefined && seq <= this.last) || this.early.has(seq)) return;
    this.early.set(seq, event);
    if (seq > this.head) this.head = seq;
    this.drain();
  }

  /** A join/subscribe result: `head` is the room's latest seq; `gap` means the server could not replay. */
  synced(head: number, gap: boolean): void {
    if (head > this.head) this.head = head;
    this.paused = false;
    if (gap) this.jump(head);
    else if (this.last === undefined) this.moveTo(head);
    this.drain();
  }

  /** The connection dropped: keep what we have, but fetch nothing until the resume result. */
  pause(): void {
    this.paused = true;
    this.filling = false;
    this.epoch++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private drain(): void {
    if (this.last === undefined) return;
    for (let next = this.early.get(this.last + 1); next; next = this.early.get(this.last + 1)) {
      this.early.delete(next.seq);
      this.last = next.seq;
      this.hooks.deliver(next);
    }
    this.schedule(this.delayMs);
  }

  private schedule(delay: number): void {
    if (this.last === undefined || this.last >= this.head) {
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.paused || this.filling || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fill();
    }, delay);
  }

  private async fill(): Promise<void> {
    const epoch = this.epoch;
    this.filling = true;
    let retryIn = 0;
    let unreadable = false;
    try {
      while (this.last! < this.head) {
        if (this.head - this.last! > this.maxGap()) {
          this.skipHole();
          break;
        }
        const before = this.last!;
        const page = await this.hooks.fetch(before);
        if (epoch !== this.epoch) return;
        for (const event of page.events) this.push(event);
        if (this.last === before) {
          // The log has nothing after `before` that we can use: waiting longer will not change that.
          this.hooks.error(new ProtocolError(`history after seq ${before} does not continue the room's log`));
          this.skipHole();
          break;
        }
      }
    } catch (err) {
      if (epoch !== this.epoch) return;
      // A lost connection is covered by the resume that follows it; a lost room cannot be filled.
      if (err instanceof ConnectionClosedError || err instanceof ClientClosedError) return;
      this.hooks.error(err as ParleyError);
      if (err instanceof ForbiddenError || err instanceof NotFoundError) return;
      // The answer could not be read (events readable to the placeholder are not this): asking again
      // would get the same answer, forever. Give up on the hole instead.
      unreadable = err instanceof ProtocolError;
      retryIn = err instanceof RateLimitedError ? err.retryAfter : RETRY_DELAY_MS;
    } finally {
      if (epoch === this.epoch) this.filling = false;
    }
    if (epoch !== this.epoch) return;
    if (unreadable) this.skipHole();
    else this.schedule(retryIn || this.delayMs);
  }

  /** Gives up on the missing events below the first held-back one (or the head), loudly. */
  private skipHole(): void {
    let to = this.head;
    for (const seq of this.early.keys()) to = Math.min(to, seq - 1);
    this.jump(to);
    this.drain();
  }

  private jump(head: number): void {
    this.moveTo(head);
    this.hooks.reset(head);
  }

  private moveTo(seq: number): void {
    if (this.last !== undefined && seq <= this.last) return;
    this.last = seq;
    for (const held of this.early.keys()) if (held <= seq) this.early.delete(held);
  }
}
