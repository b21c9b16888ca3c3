// Catch-up from storage of room events the broker dropped: what is recovered, when, and what is not sent twice.
import { decodeServerFrame, encodeEventFrame, type RoomEvent } from '@parley/sdk/protocol';
import { afterEach, describe, expect, test } from 'vitest';
import { CatchUp } from '../src/core/catch-up.js';
import { silentLogger } from '../src/log.js';
import type { HistoryQuery } from '../src/store/store.js';

/** A room log in memory with the two reads catch-up makes. */
class FakeLog {
  readonly events = new Map<string, RoomEvent[]>();
  headReads = 0;
  failing = false;
  append(room: string): RoomEvent {
    const list = this.events.get(room) ?? [];
    this.events.set(room, list);
    const e: RoomEvent = { room, seq: list.length + 1, id: `${room}-${list.length + 1}`, kind: 'msg', ts: 0, by: 'u', name: 'u', body: `#${list.length + 1}` };
    list.push(e);
    return e;
  }
  async heads(rooms: readonly string[]) {
    this.headReads++;
    if (this.failing) throw new Error('down');
    return new Map(rooms.filter((r) => this.events.has(r)).map((r) => [r, this.events.get(r)!.length]));
  }
  async history(room: string, q: HistoryQuery) {
    const after = (this.events.get(room) ?? []).filter((e) => e.seq > (q.after ?? 0));
    return { events: after.slice(0, q.limit), more: after.length > q.limit };
  }
}

describe('CatchUp', () => {
  let catchUp: CatchUp | undefined;
  afterEach(() => catchUp?.close());

  function setup() {
    const log = new FakeLog();
    const delivered: number[] = [];
    catchUp = new CatchUp({
      store: log,
      deliver: (_room, frame) => {
        const f = decodeServerFrame(frame) as { e: RoomEvent };
        delivered.push(f.e.seq);
      },
      log: silentLogger,
      intervalMs: 60_000, // the test drives passes with poll() and resync(); the timer stays idle
    });
    return { log, delivered, catchUp };
  }

  test('recovers a dropped last event of a quiet room, and nothing that arrived through the broker', async () => {
    const { log, delivered, catchUp } = setup();
    log.append('a');
    catchUp.track('a', 1);
    const e2 = log.append('a');
    log.append('a'); // seq 3: dropped by the broker
    const e4 = log.append('a');
    catchUp.saw('a', e2.seq);
    catchUp.saw('a', e4.seq);
    await catchUp.resync();
    expect(delivered).toEqual([3]);
    expect(catchUp.recovered).toBe(1);
    await catchUp.resync();
    expect(delivered).toEqual([3]); // nothing twice
  });

  test('a periodic pass leaves events committed since the previous pass to the broker for one interval', async () => {
    const { log, delivered, catchUp } = setup();
    catchUp.track('a', 0);
    log.append('a');
    await catchUp.poll();
    expect(delivered).toEqual([]); // maybe still in flight
    await catchUp.poll();
    expect(delivered).toEqual([1]); // one interval later it is lost: recovered
  });

  test('rooms without local subscribers are not read, and a store outage is survived', async () => {
    const { log, delivered, catchUp } = setup();
    await catchUp.resync();
    expect(log.headReads).toBe(0);
    catchUp.track('a', 0);
    log.append('a');
    log.failing = true;
    await catchUp.resync();
    expect(delivered).toEqual([]);
    log.failing = false;
    await catchUp.resync();
    expect(delivered).toEqual([1]);
    catchUp.untrack('a');
    log.append('a');
    await catchUp.resync();
    expect(delivered).toEqual([1]);
  });

  test('far behind, only the newest events are sent: clients see the hole and page history themselves', async () => {
    const { log, delivered, catchUp } = setup();
    catchUp.track('a', 0);
    for (let i = 0; i < 450; i++) log.append('a');
    await catchUp.resync();
    expect(delivered[0]).toBe(251);
    expect(delivered.at(-1)).toBe(450);
    expect(delivered).toHaveLength(200);
  });

  describe('offer: frames of a tracked room leave in seq order, once each', () => {
    const frameOf = (e: RoomEvent) => encodeEventFrame(e);

    test('an early frame waits for the one before it, and a second copy is dropped', () => {
      const { log, delivered, catchUp } = setup();
      catchUp.track('a', 0);
      const [e1, e2, e3] = [log.append('a'), log.append('a'), log.append('a')];
      const after: number[] = [];
      expect(catchUp.offer('a', e2.seq, frameOf(e2), () => after.push(2))).toBe(true);
      expect(catchUp.offer('a', e3.seq, frameOf(e3))).toBe(true);
      expect(delivered).toEqual([]);
      expect(after).toEqual([]); // runs once its frame left, not before
      catchUp.offer('a', e1.seq, frameOf(e1));
      expect(delivered).toEqual([1, 2, 3]);
      expect(after).toEqual([2]);
      for (const e of [e1, e2, e3]) catchUp.offer('a', e.seq, frameOf(e)); // the broker's copies
      catchUp.offer('a', e3.seq, frameOf(e3));
      expect(delivered).toEqual([1, 2, 3]);
    });

    test('an untracked room is left to the caller', () => {
      const { log, delivered, catchUp } = setup();
      const e1 = log.append('a');
      expect(catchUp.offer('a', e1.seq, frameOf(e1))).toBe(false);
      expect(delivered).toEqual([]);
    });

    test('frames held behind a lost one leave, in order, right after storage fills the hole', async () => {
      const { log, delivered, catchUp } = setup();
      catchUp.track('a', 0);
      const events = Array.from({ length: 5 }, () => log.append('a'));
      for (const e of events) if (e.seq !== 2) catchUp.offer('a', e.seq, frameOf(e)); // seq 2 lost on the way
      expect(delivered).toEqual([1]);
      await catchUp.poll(); // committed since the last pass: maybe still in flight
      expect(delivered).toEqual([1]);
      await catchUp.poll();
      expect(delivered).toEqual([1, 2, 3, 4, 5]);
      expect(catchUp.recovered).toBe(1); // only the lost one came from storage
    });

    test('a frame whose "then" unsubscribes the room stops the ones held behind it', () => {
      const { log, delivered, catchUp } = setup();
      catchUp.track('a', 0);
      const [e1, e2, e3] = [log.append('a'), log.append('a'), log.append('a')];
      catchUp.offer('a', e3.seq, frameOf(e3));
      catchUp.offer('a', e2.seq, frameOf(e2), () => catchUp.untrack('a'));
      catchUp.offer('a', e1.seq, frameOf(e1));
      expect(delivered).toEqual([1, 2]);
    });
  });
});
