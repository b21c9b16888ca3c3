// GroupCommit on its own, with a flush the test controls: batching, batches in flight, settling order, timings.
import { describe, expect, it } from 'vitest';
import { GroupCommit, type BatchTiming, type Outcome } from '../src/store/group-commit.js';

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

  it('starts a batch beside one in flight as soon as one item waits, up to maxBatch items and never more than maxInFlight batches', async () => {
    const f = controlledFlush();
    const gc = new GroupCommit(f.flush, { maxBatch: 4, maxInFlight: 2 });
    const all = [gc.submit(0)];
    await turn();
    all.push(gc.submit(1));
    await turn();
    expect(f.calls.map((c) => c.items)).toEqual([[0], [1]]); // no count to wait for
    all.push(...[2, 3, 4, 5, 6, 7, 8, 9].map((i) => gc.submit(i)));
    await turn();
    expect(f.calls).toHaveLength(2); // both slots taken
    const done = Promise.all(all);
    let finished = false;
    void done.then(() => (finished = true));
    let released = 0;
    while (!finished) {
      // Release the oldest batch only: later ones start as slots free up.
      const oldest = f.calls[released];
      if (oldest) {
        oldest.release();
        released++;
      }
      await turn();
    }
    expect(f.calls.map((c) => c.items)).toEqual([[0], [1], [2, 3, 4, 5], [6, 7, 8, 9]]);
    expect(await done).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(f.peak()).toBe(2);
    await gc.settled();
  });

  it('settles a batch before handing the next to the flush while another batch is in flight', async () => {
    const log: string[] = [];
    const f = controlledFlush();
    const gc = new GroupCommit<number, number>(
      (items) => {
        log.push(`flush ${items.join(',')}`);
        return f.flush(items);
      },
      { maxInFlight: 2 },
    );
    const track = (i: number) => gc.submit(i).then((v) => (log.push(`settled ${i}`), v));
    const all = [track(0)];
    await turn();
    all.push(track(1));
    await turn();
    all.push(track(2), track(3));
    await turn();
    f.calls[0]!.release();
    await turn();
    f.calls[1]!.release();
    await turn();
    f.calls[2]!.release();
    await Promise.all(all);
    expect(log).toEqual(['flush 0', 'flush 1', 'settled 0', 'flush 2,3', 'settled 1', 'settled 2', 'settled 3']);
  });

  it('tells its observer each batch’s size, flush time and every item’s wait in the queue', async () => {
    const f = controlledFlush();
    const gc = new GroupCommit(f.flush);
    const seen: BatchTiming[] = [];
    gc.observer = (b) => seen.push(b);
    const first = gc.submit(1);
    await turn();
    const rest = [gc.submit(2), gc.submit(3)];
    await new Promise((resolve) => setTimeout(resolve, 30));
    f.calls[0]!.release();
    await first;
    await turn();
    f.calls[1]!.release();
    await Promise.all(rest);
    expect(seen.map((b) => [b.size, b.ok, b.queueSeconds.length])).toEqual([
      [1, true, 1],
      [2, true, 2],
    ]);
    // The first batch was held 30 ms at the flush; the second batch's items waited behind it.
    expect(seen[0]!.flushSeconds).toBeGreaterThanOrEqual(0.025);
    expect(Math.min(...seen[1]!.queueSeconds)).toBeGreaterThanOrEqual(0.025);
    expect(seen[0]!.queueSeconds[0]).toBeLessThan(seen[1]!.queueSeconds[0]!);
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
