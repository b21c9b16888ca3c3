// Properties of the compact browser msgpack codec: it round-trips every protocol value, writes the
// same bytes as the msgpackr setup it replaces, reads what msgpackr writes (and vice versa), and
// refuses truncated, extended, too deep and oversized input with the same messages as the pre-scan.
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import * as compact from '../src/protocol/msgpack-compact.js';
import * as msgpackr from '../src/protocol/msgpack.js';

const DEPTH = 8;
const ENTRIES = 1000;
const unpack = (bytes: Uint8Array | number[]) => compact.unpackValue(Uint8Array.from(bytes), DEPTH, ENTRIES);

/** What unpack(pack(v)) must give back: nil for undefined, 0 for -0 (both msgpack integers), plain bytes. */
function normalized(v: unknown): unknown {
  if (v === undefined) return null;
  if (Object.is(v, -0)) return 0;
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map(normalized);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalized(x)]));
  return v;
}

// Every kind of value the protocol allows, with numbers around every header boundary.
const boundary = fc.constantFrom(0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001, -(2 ** 31), -(2 ** 31) - 1);
const number = fc.oneof(boundary, fc.integer(), fc.maxSafeInteger(), fc.double());
// Strings whose UTF-8 length lands near a header boundary (32, 256, 65,536 bytes), in 1- to 4-byte characters.
const nearBoundary = fc
  .tuple(fc.constantFrom(32, 256, 65_536), fc.integer({ min: -4, max: 4 }), fc.constantFrom(['x', 1] as const, ['é', 2] as const, ['€', 3] as const, ['😀', 4] as const))
  .map(([limit, delta, [char, bytes]]) => char.repeat(Math.max(0, Math.floor(limit / bytes) + delta)));
const string = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 100 }), nearBoundary);
const key = fc.string({ unit: 'binary', maxLength: 20 }).filter((k) => k !== '__proto__');
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 5, withCrossShrink: true },
    fc.constantFrom(null, undefined, true, false),
    number,
    string,
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('v'), { maxLength: 8 }),
    fc.dictionary(key, tie('v'), { maxKeys: 8 }),
  ),
})).v;
// Containers of every header width (fix, 16-bit); 32-bit headers need more than the entry limit.
const wide = fc.integer({ min: 0, max: ENTRIES }).chain((n) => fc.oneof(fc.constant(Array.from({ length: n }, (_, i) => i)), fc.constant(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])))));

describe('compact msgpack codec', () => {
  it('round-trips every protocol value', () => {
    fc.assert(
      fc.property(fc.oneof(value, wide), (v) => {
        expect(unpack(compact.packValue(v))).toEqual(normalized(v));
      }),
      { numRuns: 500 },
    );
  });

  it('writes exactly the bytes msgpackr writes with the protocol settings', () => {
    fc.assert(
      fc.property(fc.oneof(value, wide), (v) => {
        expect(Buffer.from(compact.packValue(v)).toString('hex')).toBe(Buffer.from(msgpackr.packValue(v)).toString('hex'));
      }),
      { numRuns: 500 },
    );
  });

  it('reads what msgpackr writes, and msgpackr reads what it writes', () => {
    fc.assert(
      fc.property(value, (v) => {
        const expected = normalized(v);
        expect(unpack(msgpackr.packValue(v))).toEqual(expected);
        expect(normalizedBytes(msgpackr.unpackValue(compact.packValue(v), DEPTH, ENTRIES))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('reads the integer and float widths other encoders choose', () => {
    // 64-bit integers (what an encoder given bigints writes) and float 32, which msgpackr can emit too.
    const wideInts = new Packr({ useRecords: false, useBigIntExtension: false });
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), (n) => {
        const bytes = wideInts.pack(n);
        expect(unpack(bytes)).toBe(Number(n));
      }),
      { numRuns: 500 },
    );
    expect(unpack([0xcf, 0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00])).toBe(1_700_000_000_000);
    expect(unpack([0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe])).toBe(-2);
    expect(unpack([0xca, 0x3f, 0xc0, 0, 0])).toBe(1.5);
    // The documented timestamp example: 1700000000000 as float 64.
    expect(unpack([0xcb, 0x42, 0x78, 0xbc, 0xfe, 0x56, 0x80, 0x00, 0x00])).toBe(1_700_000_000_000);
    expect([...compact.packValue(1_700_000_000_000)]).toEqual([0xcb, 0x42, 0x78, 0xbc, 0xfe, 0x56, 0x80, 0x00, 0x00]);
    // Non-minimal headers are legal msgpack: str 8 holding 1 byte, map 16 holding 1 pair.
    expect(unpack([0xd9, 0x01, 0x61])).toBe('a');
    expect(unpack([0xde, 0x00, 0x01, 0xa1, 0x74, 0x14])).toEqual({ t: 20 });
  });

  it('agrees with msgpackr behind the pre-scan on arbitrary and corrupted bytes', () => {
    const corrupted = fc.tuple(value, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat()).map(([v, flips, cut]) => {
      const bytes = compact.packValue(v);
      for (const [i, b] of flips) bytes[i % bytes.length] = b;
      return cut % 4 === 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), corrupted), (bytes) => {
        const ours = attempt(() => compact.unpackValue(bytes, DEPTH, ENTRIES));
        const theirs = attempt(() => msgpackr.unpackValue(bytes, DEPTH, ENTRIES));
        if ('value' in ours) {
          expect(theirs).toHaveProperty('value');
          expect(ours.value).toEqual(normalizedBytes((theirs as { value: unknown }).value));
        } else if ('value' in theirs) {
          // The only input msgpackr takes and we refuse: strings that are not UTF-8 (the protocol forbids them).
          expect(ours.error).toBe('invalid UTF-8 in a string');
        } else if (STRUCTURAL.test(ours.error)) {
          // Both read front to back, so the first structural fault is the same; we may stop earlier
          // at a fault msgpackr only finds after its pre-scan (a container key, invalid UTF-8).
          expect(ours.error).toBe(theirs.error);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('compact msgpack codec refuses bad input', () => {
  it('refuses every truncation of a valid encoding', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = compact.packValue(v);
        for (let n = 0; n < bytes.length; n += Math.max(1, bytes.length >> 4)) {
          expect(() => compact.unpackValue(bytes.subarray(0, n), DEPTH, ENTRIES)).toThrow('truncated');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses extension types and the never-used byte', () => {
    for (const type of [0xc1, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]) {
      expect(() => unpack([type, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow(`unsupported msgpack type 0x${type.toString(16)}`);
      // Also when nested, where a lenient decoder might skip it.
      expect(() => unpack([0x81, 0xa1, 0x65, type, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow('unsupported msgpack type');
    }
    // The msgpack timestamp extension (what a Date would become) is an extension like any other.
    expect(() => unpack([0xd6, 0xff, 0x65, 0x53, 0xf1, 0x00])).toThrow('unsupported msgpack type 0xd6');
  });

  it('accepts nesting up to the depth limit and refuses one level more', () => {
    const nested = (depth: number): unknown => (depth === 1 ? {} : { a: nested(depth - 1) });
    expect(unpack(compact.packValue(nested(DEPTH)))).toEqual(nested(DEPTH));
    expect(() => unpack(compact.packValue(nested(DEPTH + 1)))).toThrow(`nested deeper than ${DEPTH}`);
    expect(() => unpack(compact.packValue([[[[[[[[[1]]]]]]]]]))).toThrow(`nested deeper than ${DEPTH}`);
    // A million open arrays must fail fast instead of overflowing the stack.
    const deep = new Uint8Array(1_000_001).fill(0x91);
    deep[deep.length - 1] = 0xc0;
    expect(() => unpack(deep)).toThrow(`nested deeper than ${DEPTH}`);
  });

  it('refuses containers over the entry limit and lengths longer than the input', () => {
    const list = Array.from({ length: ENTRIES + 1 }, () => 0);
    expect(() => unpack(compact.packValue(list))).toThrow(`container has more than ${ENTRIES} entries`);
    expect(() => unpack(compact.packValue(Object.fromEntries(list.map((_, i) => [String(i), 0]))))).toThrow(`container has more than ${ENTRIES} entries`);
    expect(unpack(compact.packValue(list.slice(1)))).toHaveLength(ENTRIES);
    // array32 announcing 4 billion entries, map16 announcing more pairs than there are bytes, str32 and bin32 announcing 4 GiB.
    expect(() => unpack([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0])).toThrow(`container has more than ${ENTRIES} entries`);
    expect(() => unpack([0xde, 0x00, 0x03, 0xa1, 0x61, 0xc0])).toThrow('truncated');
    expect(() => unpack([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61])).toThrow('truncated');
    expect(() => unpack([0xc6, 0xff, 0xff, 0xff, 0xff, 0x61])).toThrow('truncated');
  });

  it('refuses trailing bytes, invalid UTF-8 and container keys', () => {
    expect(() => unpack([0xc0, 0xc0])).toThrow('trailing bytes after the frame');
    expect(() => unpack([0x80, 0x00])).toThrow('trailing bytes after the frame');
    expect(() => unpack([0xa2, 0xc3, 0x28])).toThrow('invalid UTF-8 in a string');
    expect(() => unpack([0xd9, 0x12, ...Buffer.from('a long ascii text'), 0xff])).toThrow('invalid UTF-8 in a string');
    expect(() => unpack([0x81, 0x90, 0x01])).toThrow('map keys must be strings');
    expect(() => unpack([0x81, 0xc4, 0x01, 0x61, 0x01])).toThrow('map keys must be strings');
  });

  it('keeps a leading byte order mark, renames __proto__ and never touches a prototype', () => {
    expect(unpack(compact.packValue('\ufeffhello, long enough for TextDecoder'))).toBe('\ufeffhello, long enough for TextDecoder');
    const decoded = unpack([0x82, ...fixstr('__proto__'), 0x81, ...fixstr('polluted'), 0xc3, ...fixstr('ok'), 0xc3]) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto_', 'ok']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses to encode values msgpack has no plain form for', () => {
    expect(() => compact.packValue({ n: 1n })).toThrow('cannot encode a bigint');
    expect(() => compact.packValue([() => 1])).toThrow('cannot encode a function');
    expect(() => compact.packValue(Symbol('x'))).toThrow('cannot encode a symbol');
  });
});

const STRUCTURAL = /^(truncated|trailing bytes|nested deeper|container has more|unsupported msgpack type)/;

function attempt(fn: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** msgpackr hands out Node Buffers for bin; compare them as plain bytes. */
function normalizedBytes(v: unknown): unknown {
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map(normalizedBytes);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalizedBytes(x)]));
  return v;
}

function fixstr(s: string): number[] {
  return [0xa0 | s.length, ...Buffer.from(s)];
}
