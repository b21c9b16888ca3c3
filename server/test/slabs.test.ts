// Upload bodies gathered into pooled slabs (files/slabs.ts): the bytes come out whole and in order
// whatever the pieces' sizes, each full slab is handed over once, and released slabs are reused.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { SLAB_BYTES, SlabFiller, type Slab } from '../src/files/slabs.js';

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
