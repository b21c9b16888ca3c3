// Recovers room events (or users' notices) a lossy broker dropped. For each room with local subscribers
// the node keeps which seqs reached it; periodically (and at once after the broker reconnects) it reads
// the store's heads of all those rooms in one query and hands the missing events, read from storage, to
// its local subscribers. Frames offered through `offer` also leave in seq order, once each: an early one
// waits for those before it (from the broker, or from storage here), a copy already sent is dropped.
import { encodeEventFrame, type RoomEvent } from '@parley/sdk/protocol';
import type { Logger } from '../log.js';

/** Most events recovered per room and pass; further behind, clients see the hole and page history. */
const MAX_RECOVER = 200;

interface RoomMark {
  /** Every seq up to this one reached this node's subscribers (or predates their subscription). */
  delivered: number;
  /** Seqs above `delivered` that arrived out of order: a frame held until those before it went, or null once sent (`saw`). */
  above: Map<number, Held | null>;
  /** The store's head at the previous pass: only seqs that old are treated as lost. */
  lastHead: number;
}

/** A frame that came before its turn, and what to do once it went out. */
interface Held {
  frame: Uint8Array;
  then: (() => void) | undefined;
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
    if (!this.rooms.has(room)) this.rooms.set(room, { delivered: head, above: new Map(), lastHead: head });
  }

  /** The room has no local subscribers any more. */
  untrack(room: string): void {
    this.rooms.delete(room);
  }

  /** An event of the room reached this node's subscribers. */
  saw(room: string, seq: number): void {
    const m = this.rooms.get(room);
    if (!m || seq <= m.delivered) return;
    if (seq !== m.delivered + 1) return void m.above.set(seq, null);
    m.delivered = seq;
    this.advance(room, m);
  }

  /**
   * Event `seq` of the room, encoded as `frame`, for this node's subscribers: sent now if it is the
   * next one (with the held ones it lets go), held if one before it is still missing, dropped if it
   * was sent already (the broker's copy of an event this node delivered itself). `then` runs once it
   * is sent. False when the room is not tracked: nothing was done, the caller delivers.
   */
  offer(room: string, seq: number, frame: Uint8Array, then?: () => void): boolean {
    const m = this.rooms.get(room);
    if (!m) return false;
    if (seq <= m.delivered || m.above.has(seq)) return true;
    if (seq !== m.delivered + 1) return void m.above.set(seq, { frame, then }), true;
    m.delivered = seq;
    this.send(room, frame, then);
    this.advance(room, m);
    return true;
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
    // Past the recovery bound the oldest missing events stay missing (clients page history for
    // them); frames held below the bound still go, in order.
    for (const seq of [...m.above.keys()].filter((s) => s <= from).sort((x, y) => x - y)) this.release(room, m, seq);
    const stored = new Map(page.events.map((e) => [e.seq, e]));
    for (let seq = Math.max(m.delivered, from) + 1; seq <= target && this.rooms.get(room) === m; seq++) {
      if (m.above.has(seq)) {
        this.release(room, m, seq);
        continue;
      }
      const e = stored.get(seq);
      if (e) {
        this.deps.deliver(room, this.encode(e));
        this.recovered++;
      }
    }
    m.delivered = Math.max(m.delivered, target);
    this.advance(room, m);
  }

  /** Sends the frames held right after `delivered`, in order, until the next missing seq. */
  private advance(room: string, m: RoomMark): void {
    while (m.above.has(m.delivered + 1) && this.rooms.get(room) === m) this.release(room, m, m.delivered + 1);
  }

  /** Sends what is held for `seq` (nothing if `saw` delivered it already) and forgets it. */
  private release(room: string, m: RoomMark, seq: number): void {
    const held = m.above.get(seq);
    m.above.delete(seq);
    if (seq > m.delivered) m.delivered = seq;
    if (held) this.send(room, held.frame, held.then);
  }

  private send(room: string, frame: Uint8Array, then: (() => void) | undefined): void {
    this.deps.deliver(room, frame);
    then?.();
  }
}
