// Recovers room events (or users' notices) a lossy broker dropped. For each room with local subscribers
// the node keeps which seqs reached it; periodically (and at once after the broker reconnects) it reads
// the store's heads of all those rooms in one query and hands the missing events, read from storage, to
// its local subscribers. Clients drop what they already have by seq, so a late broker copy costs nothing.
import { encodeEventFrame, type RoomEvent } from '@parley/sdk/protocol';
import type { Logger } from '../log.js';

/** Most events recovered per room and pass; further behind, clients see the hole and page history. */
const MAX_RECOVER = 200;

interface RoomMark {
  /** Every seq up to this one reached this node's subscribers (or predates their subscription). */
  delivered: number;
  /** Seqs above `delivered` that arrived out of order. */
  above: Set<number>;
  /** The store's head at the previous pass: only seqs that old are treated as lost. */
  lastHead: number;
}

/** The logs a catch-up reads, each by its key: rooms' by default, users' own ones too. */
export interface CatchUpSource<E extends { seq: number }> {
  /** The head seq of each of `keys` that exists, in one query. */
  heads(keys: readonly string[]): Promise<Map<string, number>>;
  /** Events with seq > `after`, ascending, at most `limit`. */
  history(key: string, query: { after: number; limit: number }): Promise<{ events: E[] }>;
}

export interface CatchUpDeps<E extends { seq: number } = RoomEvent> {
  store: CatchUpSource<E>;
  /** Delivers an encoded frame to this node's subscribers of the room (not through the broker). */
  deliver(room: string, frame: Uint8Array): void;
  /** Encodes an event for its subscribers. Default: a room `event` frame. */
  encode?: (event: E) => Uint8Array;
  log: Logger;
  /** Pass interval, ms. */
  intervalMs: number;
}

export class CatchUp<E extends { seq: number } = RoomEvent> {
  private readonly rooms = new Map<string, RoomMark>();
  private readonly timer: ReturnType<typeof setInterval>;
  private running: Promise<void> | undefined;
  private urgent = false;
  /** Events delivered from storage because the broker had not brought them. */
  recovered = 0;

  private readonly encode: (event: E) => Uint8Array;

  constructor(private readonly deps: CatchUpDeps<E>) {
    // Without `encode` the events are rooms' (E is RoomEvent, the default).
    this.encode = deps.encode ?? ((e) => encodeEventFrame(e as unknown as RoomEvent));
    this.timer = setInterval(() => void this.poll(), deps.intervalMs);
    this.timer.unref();
  }

  /** The room got its first local subscriber, which has everything up to `head` (read after subscribing). */
  track(room: string, head: number): void {
    if (!this.rooms.has(room)) this.rooms.set(room, { delivered: head, above: new Set(), lastHead: head });
  }

  /** The room has no local subscribers any more. */
  untrack(room: string): void {
    this.rooms.delete(room);
  }

  /** An event of the room reached this node's subscribers. */
  saw(room: string, seq: number): void {
    const m = this.rooms.get(room);
    if (!m || seq <= m.delivered) return;
    if (seq !== m.delivered + 1) return void m.above.add(seq);
    m.delivered = seq;
    advance(m);
  }

  /** What the timer runs: recovers events that were already in the store at the previous pass and never arrived. */
  poll(): Promise<void> {
    return this.pass(false);
  }

  /**
   * Compares with the store now and recovers everything it holds beyond what arrived: for after a
   * broker reconnect, when anything published during the outage is known lost.
   */
  resync(): Promise<void> {
    return this.pass(true);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private pass(urgent: boolean): Promise<void> {
    if (this.running) {
      // One pass at a time; an urgent request during a pass runs right after it.
      this.urgent ||= urgent;
      return this.running;
    }
    this.running = this.run(urgent).finally(() => {
      this.running = undefined;
      if (this.urgent) {
        this.urgent = false;
        void this.pass(true);
      }
    });
    return this.running;
  }

  private async run(urgent: boolean): Promise<void> {
    if (this.rooms.size === 0) return;
    let heads: Map<string, number>;
    try {
      heads = await this.deps.store.heads([...this.rooms.keys()]);
    } catch (err) {
      this.deps.log.debug('catch-up: heads unavailable', { err });
      return;
    }
    for (const [room, head] of heads) {
      const m = this.rooms.get(room);
      if (!m) continue;
      // An event committed since the last pass may still be on its way through the broker: give it
      // one interval before reading it from storage (unless the broker is known to have lost it).
      const target = urgent ? head : Math.min(head, m.lastHead);
      m.lastHead = head;
      if (target > m.delivered) await this.recover(room, m, target);
    }
  }

  private async recover(room: string, m: RoomMark, target: number): Promise<void> {
    const from = Math.max(m.delivered, target - MAX_RECOVER);
    let page;
    try {
      page = await this.deps.store.history(room, { after: from, limit: target - from });
    } catch (err) {
      this.deps.log.debug('catch-up: history unavailable', { room, err });
      return;
    }
    if (this.rooms.get(room) !== m) return; // unsubscribed meanwhile
    for (const e of page.events) {
      if (e.seq > target || e.seq <= m.delivered || m.above.has(e.seq)) continue;
      this.deps.deliver(room, this.encode(e));
      this.recovered++;
    }
    m.delivered = Math.max(m.delivered, target);
    for (const seq of m.above) if (seq <= target) m.above.delete(seq);
    advance(m);
  }
}

function advance(m: RoomMark): void {
  while (m.above.delete(m.delivered + 1)) m.delivered++;
}
