// The `send` fast path against the general decoder: on thousands of generated frames, valid and
// hostile (wrong types, limits crossed, NUL, byte-order marks, invalid UTF-8, repeated keys, wide
// encodings, cut or corrupted bytes), decodeClientFrame accepts exactly what the general decoder
// accepts, with the same value, and refuses the rest with the same error.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeClientFrameGeneral } from '../src/protocol/codec.js';
import { readSendFrame } from '../src/protocol/hot-decode.js';
import { decodeClientFrame, encodeFrame, FrameError, Limits, Op } from '../src/protocol/index.js';

type Outcome = { value: unknown; keys: string[] } | { error: [string, string, number | undefined, boolean] };

function outcome(decode: () => unknown): Outcome {
  try {
    const value = decode();
    return { value, keys: Object.keys(value as object) };
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    return { error: [err.code, err.message, err.r, err.undecodable] };
  }
}

const MAX = Limits.maxFrameBytes;
let fastReads = 0;

/** The property: the fast path never disagrees, and whatever it reads the general decoder reads alike. */
function agree(bytes: Uint8Array): void {
  const fast = readSendFrame(bytes, MAX);
  const general = outcome(() => decodeClientFrameGeneral(bytes, MAX));
  if (fast !== undefined) {
    fastReads++;
    expect(general).toStrictEqual({ value: fast, keys: Object.keys(fast) });
  }
  expect(outcome(() => decodeClientFrame(bytes, MAX))).toStrictEqual(general);
}

// ---- msgpack written by hand, so that a frame may repeat a key or pick a wider encoding than needed ----

const utf8 = new TextEncoder();
type Wide = 0 | 1 | 2 | 3;

function strBytes(s: string | Uint8Array, wide: Wide): number[] {
  const bytes = typeof s === 'string' ? utf8.encode(s) : s;
  const n = bytes.length;
  const head = wide === 0 && n < 32 ? [0xa0 | n] : (wide <= 1 && n < 0x100) ? [0xd9, n] : wide <= 2 && n < 0x10000 ? [0xda, n >> 8, n & 0xff] : [0xdb, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return [...head, ...bytes];
}

function valueBytes(v: unknown, wide: Wide): number[] {
  if (typeof v === 'string' || v instanceof Uint8Array) return strBytes(v, wide);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff && wide > 0) {
    if (wide === 1 && v < 0x100) return [0xcc, v];
    if (wide <= 2 && v < 0x10000) return [0xcd, v >> 8, v & 0xff];
    return [0xce, v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  }
  return [...encodeFrame(v === undefined ? (null as unknown as object) : (v as object))];
}

function mapBytes(entries: [string, unknown, Wide][]): Uint8Array {
  const head = entries.length < 16 ? [0x80 | entries.length] : [0xde, entries.length >> 8, entries.length & 0xff];
  return new Uint8Array([...head, ...entries.flatMap(([k, v, wide]) => [...strBytes(k, wide === 3 ? 1 : 0), ...valueBytes(v, wide)])]);
}

// ---- arbitraries: mostly what clients send, often just past what the schema allows ----

const text = (max: number) => fc.string({ unit: 'binary', maxLength: max });
const ascii = (max: number) => fc.string({ unit: fc.constantFrom(...'abcXYZ019_-.: /', '\u0000'), maxLength: max });
const uint = fc.oneof(fc.nat({ max: 200 }), fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0xffff_ffff, 2 ** 32, 2 ** 53 - 1));
const odd = fc.constantFrom<unknown>(null, -1, 1.5, '7', true, [], {}, 2 ** 32, -(2 ** 31), Number.MAX_SAFE_INTEGER + 2);
const notUtf8 = fc.constantFrom(new Uint8Array([0xc3]), new Uint8Array([0xff, 0x61]), new Uint8Array([0xed, 0xa0, 0x80]), new Uint8Array([0xef, 0xbb, 0xbf, 0x61]));
const strish = (valid: fc.Arbitrary<string>, max: number) =>
  fc.oneof({ weight: 6, arbitrary: valid }, ascii(max + 2), text(max + 2), fc.constant(''), fc.constant('\uFEFFhi'), notUtf8, odd);

const valid = {
  t: fc.constant<unknown>(Op.Send),
  r: uint,
  room: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/),
  cid: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  body: fc.oneof(text(120).filter((s) => !s.includes('\u0000')), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.constant('x'.repeat(Limits.maxBody))),
  replyTo: fc.option(fc.nat(), { nil: undefined }),
  thread: fc.option(fc.nat(), { nil: undefined }),
  mentions: fc.constant(undefined),
  actions: fc.constant(undefined),
  files: fc.constant(undefined),
  extra: fc.constant(undefined),
};
const hostile = {
  t: fc.oneof({ weight: 8, arbitrary: valid.t }, fc.constantFrom<unknown>(Op.Join, Op.Ping, 2.5, -20, '20', 999)),
  r: fc.oneof({ weight: 5, arbitrary: uint }, odd),
  room: strish(valid.room, Limits.maxRoomId),
  cid: strish(valid.cid, Limits.maxCid),
  body: strish(valid.body, 200),
  replyTo: fc.oneof(fc.constant(undefined), uint, odd),
  thread: fc.oneof(fc.constant(undefined), uint, odd),
  mentions: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, fc.constant([]), odd),
  actions: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, odd),
  files: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, fc.constant(['up1']), odd),
  extra: fc.oneof(fc.constant(1), fc.constant(undefined)),
};
const wide = fc.constantFrom<Wide>(0, 0, 0, 1, 2, 3);
const KEYS = Object.keys(valid) as (keyof typeof valid)[];

/**
 * A send-like frame: a subset of the fields in any order (all required ones, when `required`),
 * sometimes one repeated, each in any width; half of them with only valid values.
 */
const anyFrame = fc
  .record({
    values: fc.oneof(fc.record(valid), fc.record(hostile)),
    keys: fc.shuffledSubarray(KEYS, { minLength: 4 }),
    required: fc.boolean(),
    repeat: fc.option(fc.constantFrom(...KEYS), { freq: 8 }),
    widths: fc.array(wide, { minLength: KEYS.length + 1, maxLength: KEYS.length + 1 }),
  })
  .map(({ values, keys, required, repeat, widths }) => {
    let names = required ? [...new Set([...keys, 't', 'r', 'room', 'cid', 'body'] as const)] : keys;
    if (repeat) names = [...names, repeat];
    // An unknown key is refused even when nil: in a valid frame it is absent.
    if (values.extra === undefined) names = names.filter((k) => k !== 'extra');
    return mapBytes(names.map((k, i) => [k, values[k], widths[i % widths.length]!]));
  });
/** What clients send most: valid values, the required fields and some optional ones, the shortest encodings. */
const commonFrame = fc
  .record({ values: fc.record(valid), keys: fc.shuffledSubarray(['replyTo', 'thread', 'mentions', 'actions', 'files'] as const) })
  .map(({ values, keys }) => mapBytes((['t', 'r', 'room', 'cid', 'body', ...keys] as const).map((k) => [k, values[k], 0])));
const frame = fc.oneof(commonFrame, anyFrame, anyFrame);

describe('send fast path', () => {
  it('reads what the SDK sends (unset options as nil) exactly as the general decoder does', () => {
    const bytes = encodeFrame({ t: Op.Send, r: 7, room: 'lobby', body: 'olá 👋', replyTo: undefined, thread: 3, mentions: undefined, actions: undefined, cid: 'c-1' });
    const fast = readSendFrame(bytes, MAX);
    expect(fast).toStrictEqual({ t: Op.Send, r: 7, room: 'lobby', cid: 'c-1', body: 'olá 👋', thread: 3 });
    expect(decodeClientFrameGeneral(bytes, MAX)).toStrictEqual(fast);
  });

  it('steps aside for mentions, files, other frames and anything over the size limit', () => {
    const withMentions = encodeFrame({ t: Op.Send, r: 1, room: 'lobby', cid: 'c', body: 'hi @ann', mentions: [{ user: 'ann', at: 3, len: 4 }] });
    expect(readSendFrame(withMentions, MAX)).toBeUndefined();
    expect(readSendFrame(encodeFrame({ t: Op.Join, r: 1, room: 'lobby', cid: 'c', body: 'x' }), MAX)).toBeUndefined();
    const plain = encodeFrame({ t: Op.Send, r: 1, room: 'lobby', cid: 'c', body: 'a fine message' });
    expect(readSendFrame(plain, plain.length - 1)).toBeUndefined();
    expect(outcome(() => decodeClientFrame(plain, plain.length - 1))).toStrictEqual({ error: ['too_large', `frame larger than ${plain.length - 1} bytes`, undefined, false] });
  });

  it('agrees with the general decoder on thousands of generated send frames, valid and hostile', () => {
    fastReads = 0;
    fc.assert(fc.property(frame, (bytes) => agree(bytes)), { numRuns: 1000 });
    // The property would hold with a fast path that never reads anything: it must read the valid ones.
    expect(fastReads).toBeGreaterThan(100);
  });

  it('agrees on the same frames cut short, extended or with a byte changed', () => {
    const mutated = fc.tuple(frame, fc.nat(), fc.nat({ max: 255 }), fc.constantFrom('cut', 'append', 'flip')).map(([bytes, at, byte, how]) => {
      const i = at % bytes.length;
      if (how === 'cut') return bytes.subarray(0, i);
      if (how === 'append') return new Uint8Array([...bytes, byte]);
      const copy = bytes.slice();
      copy[i] = byte;
      return copy;
    });
    fc.assert(fc.property(mutated, (bytes) => agree(bytes)), { numRuns: 1000 });
  });
});
