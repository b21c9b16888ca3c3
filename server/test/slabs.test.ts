// Upload bodies gathered into pooled slabs (files/slabs.ts): the bytes come out whole and in order
// whatever the pieces' sizes, each full slab is handed over once, and released slabs are reused.
import { randomBytes } from 'node:crypto';
import { describe, expect, test, vi } from 'vitest';
import { IntakePacer, SLAB_BYTES, SlabFiller, type Slab } from '../src/files/slabs.js';

describe('upload body slabs', () => {
  test('pieces of any size come out as full slabs, then the rest at seal, bytes in order', () => {
    const body = randomBytes(2 * SLAB_BYTES + 12_345);
    const out: Buffer[] = [];
    const sizes: number[] = [];
    const filler = new SlabFiller((slab) => {
      sizes.push(slab.bytes.byteLength);
      out.push(Buffer.from(slab.bytes));
      slab.release();
    });
    // Socket-like pieces, one of them larger than a slab, none aligned to one.
    const cuts = [1, 65_536, 3, SLAB_BYTES + 7, 100_000, 40_000];
    let at = 0;
    for (let i = 0; at < body.length; i++) {
      const piece = new Uint8Array(body.subarray(at, at + cuts[i % cuts.length]!));
      filler.add(piece);
      piece.fill(0); // its owner reuses it at once: the slab must have copied it
      at += piece.byteLength;
    }
    expect(sizes).toEqual([SLAB_BYTES, SLAB_BYTES]);
    filler.seal();
    filler.seal(); // nothing left: no empty slab
    expect(sizes).toEqual([SLAB_BYTES, SLAB_BYTES, 12_345]);
    expect(Buffer.concat(out).equals(body)).toBe(true);
  });

  test('a released slab is the next one filled; one still being written is not', () => {
    const held: Slab[] = [];
    const filler = new SlabFiller((slab) => held.push(slab));
    filler.add(new Uint8Array(10).fill(1));
    filler.seal();
    filler.add(new Uint8Array(10).fill(2));
    filler.seal();
    const [first, second] = held as [Slab, Slab];
    expect(first.bytes.buffer).not.toBe(second.bytes.buffer);
    expect([...first.bytes]).toEqual(Array(10).fill(1));
    first.release();
    first.release(); // twice is once: the pool must not hand the same slab to two bodies
    filler.add(new Uint8Array(4).fill(3));
    filler.seal();
    const third = held[2]!;
    expect(third.bytes.buffer).toBe(first.bytes.buffer);
    const other = new SlabFiller((slab) => held.push(slab));
    other.add(new Uint8Array(4).fill(4));
    other.seal();
    expect(held[3]!.bytes.buffer).not.toBe(third.bytes.buffer);
    expect([...second.bytes]).toEqual(Array(10).fill(2));
  });
});

describe('upload intake per turn of the event loop', () => {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  test('a turn takes in up to its share; the next turn starts afresh', async () => {
    const pacer = new IntakePacer(1000, 400);
    expect(pacer.take(400)).toBe(true);
    expect(pacer.take(400)).toBe(true);
    expect(pacer.take(400)).toBe(false); // 1,200 of 1,000: this request waits
    await turn();
    expect(pacer.take(900)).toBe(true);
    expect(pacer.take(100)).toBe(false);
  });

  test('waiting requests go in the order they came, as many per turn as one read each fits in the share', async () => {
    const pacer = new IntakePacer(1000, 400); // two per turn
    const resumed: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) pacer.wait(() => (resumed.push(name), true));
    expect(resumed).toEqual([]);
    await turn();
    expect(resumed).toEqual(['a', 'b']);
    // The two let go bring body: the turn that took it in lets the next two go at its end.
    pacer.take(400);
    await turn();
    expect(resumed).toEqual(['a', 'b', 'c', 'd']);
    pacer.take(400);
    await turn();
    expect(resumed).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pacer.queued).toBe(0);
  });

  test('when the ones let go bring nothing, a timer lets the next ones go; the loop does not spin meanwhile', async () => {
    const pacer = new IntakePacer(400, 400, 20); // one per turn, 20 ms
    const resumed: string[] = [];
    pacer.wait(() => false); // aborted while it waited: takes no place
    pacer.wait(() => (resumed.push('b'), true));
    pacer.wait(() => (resumed.push('c'), true)); // b is a slow sender: nothing arrives from it
    await turn();
    expect(resumed).toEqual(['b']);
    const spy = vi.spyOn(globalThis, 'setImmediate');
    try {
      await turn();
      await turn();
      expect(resumed).toEqual(['b']);
      expect(spy.mock.calls.length).toBe(2); // this test's own turns only
    } finally {
      spy.mockRestore();
    }
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(resumed).toEqual(['b', 'c']);
    expect(pacer.queued).toBe(0);
  });

  test('with nobody waiting and no body arriving, nothing is scheduled', async () => {
    const pacer = new IntakePacer(1000, 400);
    pacer.wait(() => true);
    await turn();
    expect(pacer.queued).toBe(0);
    const immediate = vi.spyOn(globalThis, 'setImmediate');
    const timeout = vi.spyOn(globalThis, 'setTimeout');
    try {
      await turn();
      await turn();
      expect(immediate.mock.calls.length).toBe(2); // this test's own turns only
      expect(timeout).not.toHaveBeenCalled();
    } finally {
      immediate.mockRestore();
      timeout.mockRestore();
    }
  });
});
