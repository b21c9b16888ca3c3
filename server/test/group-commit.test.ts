// GroupCommit on its own, with a flush the test controls: batching, batches in flight, overlap threshold.
import { describe, expect, it } from 'vitest';
import { GroupCommit, type Outcome } from '../src/store/group-commit.js';

/** A flush whose batches wait until the test releases them, oldest first. */
function controlledFlush() {
  const calls: { items: number[]; release: () => void }[] = [];
  let running = 0;
  let peak = 0;
  const flush = (items: readonly number[]) =>
    new Promise<Outcome<number>[]>((resolve) => {
      running++;
      peak = Math.max(peak, running);
      calls.push({
        items: [...items],
        release: () => {
          running--;
          resolve(items.map((value) => ({ ok: true, value: value * 10 })));
        },
      });
    });
  return { flush, calls, peak: () => peak };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('gathers what arrives during a flush into the next batch, and settles every item with its outcome', async () => {
    const f = controlledFlush();
    const gc = new GroupCommit(f.flush);
    const first = gc.submit(1);
    await turn();
    const rest = [2, 3, 4].map((i) => gc.submit(i));
    await turn();
    expect(f.calls.map((c) => c.items)).toEqual([[1]]);
    f.calls[0]!.release();
    await first;
    await turn();
    expect(f.calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    f.calls[1]!.release();
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    await gc.settled();
  });

  it('starts a batch beside one in flight only once minToOverlap items wait, and never more than maxInFlight', async () => {
    const f = controlledFlush();
    const gc = new GroupCommit(f.flush, { maxBatch: 4, maxInFlight: 2, minToOverlap: 3 });
    const all = [gc.submit(0)];
    await turn();
    all.push(gc.submit(1), gc.submit(2));
    await turn();
    expect(f.calls).toHaveLength(1); // two waiting: below the threshold
    all.push(...[3, 4, 5, 6, 7, 8, 9].map((i) => gc.submit(i)));
    await turn();
    expect(f.calls.map((c) => c.items)).toEqual([[0], [1, 2, 3, 4]]);
    const done = Promise.all(all);
    let finished = false;
    void done.then(() => (finished = true));
    const batches = [[0], [1, 2, 3, 4]];
    let released = 0;
    while (!finished) {
      // Release the oldest batch only: later ones start as the rule allows.
      const oldest = f.calls[released];
      if (oldest) {
        oldest.release();
        released++;
      }
      await turn();
      batches.push(...f.calls.slice(batches.length).map((c) => c.items));
    }
    expect(batches).toEqual([[0], [1, 2, 3, 4], [5, 6, 7, 8], [9]]);
    expect(await Promise.all(all)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(f.peak()).toBe(2);
    await gc.settled();
  });

  it('rejects every item of a batch whose flush throws, and keeps serving later ones', async () => {
    let fail = true;
    const gc = new GroupCommit<number, number>(async (items) => {
      if (fail) throw new Error('database down');
      return items.map((value) => ({ ok: true, value }));
    });
    const failed = await Promise.allSettled([gc.submit(1), gc.submit(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await gc.submit(3)).toBe(3);
  });
});
