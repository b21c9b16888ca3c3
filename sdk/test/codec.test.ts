// Properties of the wire codec: every valid frame survives encode/decode unchanged, hostile bytes only
// ever produce FrameError, and hostile shapes (deep, huge, `__proto__`-keyed) are refused or defused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClientFrame,
  decodeRaw,
  decodeServerFrame,
  SERVER_FRAME_DEPTH,
  encodeEventFrame,
  encodeFrame,
  encodeResultFrame,
  ErrorCode,
  FrameError,
  Limits,
  Op,
  resultSchemas,
  type ResultOp,
  type RoomEvent,
} from '../src/protocol/index.js';

// ---- arbitraries for valid values (lengths are UTF-16 code units, as the schemas count them) ----

// Any text but U+0000, which no protocol string may hold (PostgreSQL cannot store it).
const text = (min: number, max: number) =>
  fc
    .string({ unit: 'binary', minLength: min, maxLength: max })
    .filter((s) => s.length >= min && s.length <= max && !s.includes('\u0000'));
const r = fc.integer({ min: 0, max: 0xffff_ffff });
const seq = fc.maxSafeNat();
const roomId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/);
const cid = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const userId = text(1, Limits.maxUserId);
const name = text(0, Limits.maxName);
const displayName = text(1, Limits.maxName);
const kind = fc.constantFrom('public' as const, 'private' as const, 'dm' as const);
const presence = fc.constantFrom('online' as const, 'away' as const, 'offline' as const);
// -0 is encoded as the integer 0 by msgpack: equal as a number, not under Object.is.
const scalar = fc.oneof(text(0, 100), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)), fc.boolean());
// `__proto__` is renamed by the decoder (see the dedicated tests below), so it cannot round-trip.
const dataKey = text(0, 64).filter((k) => k !== '__proto__');

const roomEvent = fc.record(
  {
    room: roomId,
    seq,
    id: text(1, 64),
    kind: text(1, 32),
    ts: seq,
    by: userId,
    name,
    cid: text(1, Limits.maxCid),
    body: text(0, 500),
    data: fc.dictionary(dataKey, scalar, { maxKeys: 32 }),
  },
  { requiredKeys: ['room', 'seq', 'id', 'kind', 'ts', 'by', 'name'] },
);
const roomSummary = fc.record(
  { id: roomId, name, kind, head: seq, role: fc.constantFrom('owner' as const, 'member' as const), members: seq },
  { requiredKeys: ['id', 'name', 'kind', 'head', 'members'] },
);
const user = fc.record({ id: userId, name, guest: fc.boolean() });

const clientFrame = fc.oneof(
  fc.record({ t: fc.constant(Op.Hello), r, v: fc.integer({ min: 0, max: 0xffff }), token: text(1, 2000) }),
  fc.record({ t: fc.constant(Op.Ping), r }),
  fc.record(
    { t: fc.constant(Op.RoomCreate), r, kind, id: roomId, name: displayName, members: fc.array(userId, { maxLength: Limits.maxCreateMembers }) },
    { requiredKeys: ['t', 'r', 'kind'] },
  ),
  fc.record({ t: fc.constant(Op.RoomList), r, scope: fc.constantFrom('joined' as const, 'public' as const) }, { requiredKeys: ['t', 'r'] }),
  fc.record({ t: fc.constantFrom(Op.Join, Op.Leave, Op.Unsubscribe, Op.Members), r, room: roomId }),
  fc.record({ t: fc.constant(Op.Invite), r, room: roomId, user: userId }),
  fc.record({ t: fc.constant(Op.Subscribe), r, room: roomId, after: seq }, { requiredKeys: ['t', 'r', 'room'] }),
  fc.record({ t: fc.constant(Op.RoomUpdate), r, room: roomId, name: displayName }),
  fc.record({ t: fc.constant(Op.Send), r, room: roomId, cid, body: text(1, Limits.maxBody) }),
  fc.record(
    { t: fc.constant(Op.History), r, room: roomId, before: seq, after: seq, limit: fc.integer({ min: 0, max: Limits.maxHistory }) },
    { requiredKeys: ['t', 'r', 'room'] },
  ),
  fc.record({ t: fc.constant(Op.Typing), room: roomId, on: fc.boolean() }),
  fc.record({ t: fc.constant(Op.SetPresence), state: fc.constantFrom('online' as const, 'away' as const) }),
  fc.record({ t: fc.constant(Op.SetProfile), r, name: displayName }),
);

const serverFrame = fc.oneof(
  fc.record({
    t: fc.constant(Op.Welcome),
    r,
    v: fc.integer({ min: 0, max: 0xffff }),
    user,
    session: text(1, 64),
    limits: fc.record({ maxFrameBytes: seq, maxBody: seq, maxHistory: seq, resumeLimit: seq, sendRate: seq, frameRate: seq, typingTtlMs: seq }),
  }),
  fc.record({ t: fc.constant(Op.Error), r, code: text(1, 64), message: text(0, 1024), retryAfter: seq }, { requiredKeys: ['t', 'code', 'message'] }),
  fc.record({ t: fc.constant(Op.Event), e: roomEvent }),
  fc.record({ t: fc.constant(Op.TypingState), room: roomId, user: userId, name, on: fc.boolean() }),
  fc.record({ t: fc.constant(Op.Presence), room: roomId, user: userId, name, state: presence }),
  fc.record({ t: fc.constant(Op.Profile), room: roomId, user: userId, name }),
);

/** A request opcode and a valid `data` for its result. */
const resultData = fc.oneof(
  fc.record({ op: fc.constant(Op.Ping), data: fc.record({ ts: seq }) }),
  fc.record({ op: fc.constant(Op.RoomCreate), data: fc.record({ room: roomSummary, created: fc.boolean() }) }),
  fc.record({ op: fc.constant(Op.RoomList), data: fc.record({ rooms: fc.array(roomSummary, { maxLength: 20 }) }) }),
  fc.record({
    op: fc.constantFrom(Op.Join, Op.Subscribe),
    data: fc.record({ room: roomSummary, replayed: seq, gap: fc.boolean() }, { requiredKeys: ['room', 'replayed'] }),
  }),
  fc.record({ op: fc.constantFrom(Op.Leave, Op.Unsubscribe), data: fc.record({ room: roomId }) }),
  fc.record({ op: fc.constant(Op.Invite), data: fc.record({ room: roomId, user: userId }) }),
  fc.record({
    op: fc.constant(Op.Members),
    data: fc.record({ members: fc.array(fc.record({ user: userId, name, role: fc.constantFrom('owner' as const, 'member' as const), state: presence }), { maxLength: 20 }) }),
  }),
  fc.record({ op: fc.constant(Op.RoomUpdate), data: fc.record({ room: roomSummary }) }),
  fc.record({ op: fc.constant(Op.Send), data: fc.record({ cid, id: text(1, 64), seq, ts: seq, duplicate: fc.boolean() }) }),
  fc.record({ op: fc.constant(Op.History), data: fc.record({ events: fc.array(roomEvent, { maxLength: 10 }), more: fc.boolean() }) }),
  fc.record({ op: fc.constant(Op.SetProfile), data: fc.record({ user }) }),
);

/** Rebuilds objects with plain prototypes so that equality ignores the decoder's null-prototype maps. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

// Hand-written msgpack, for shapes that encodeFrame would never produce.
const fixmap = (entries: Array<[string, number[]]>) => [0x80 | entries.length, ...entries.flatMap(([k, v]) => [...fixstr(k), ...v])];
const fixstr = (s: string) => [0xa0 | s.length, ...Buffer.from(s)];

function expectFrameError(decode: () => unknown, code?: string): FrameError {
  let caught: unknown;
  try {
    decode();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FrameError);
  if (code) expect((caught as FrameError).code).toBe(code);
  return caught as FrameError;
}

describe('codec round trips', () => {
  it('decodes every valid client frame to exactly what was encoded', () => {
    fc.assert(
      fc.property(clientFrame, (frame) => {
        expect(plain(decodeClientFrame(encodeFrame(frame)))).toEqual(plain(frame));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes every valid server frame to exactly what was encoded', () => {
    fc.assert(
      fc.property(serverFrame, (frame) => {
        expect(plain(decodeServerFrame(encodeFrame(frame)))).toEqual(plain(frame));
      }),
      { numRuns: 500 },
    );
  });

  it('carries every kind of result data through a result frame and its schema', () => {
    fc.assert(
      fc.property(r, resultData, (rid, { op, data }) => {
        const frame = decodeServerFrame(encodeFrame({ t: Op.Result, r: rid, data }));
        expect(frame).toMatchObject({ t: Op.Result, r: rid });
        const parsed = resultSchemas[op as ResultOp].parse((frame as { data: unknown }).data, 'data');
        expect(plain(parsed)).toEqual(plain(data));
      }),
      { numRuns: 300 },
    );
  });
});

describe('hot-path encoders', () => {
  // Integers of every width (fixint to above 2^32, where msgpack has them as float64) and every string size.
  const anySeq = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 70_000 }), fc.maxSafeNat());
  const event = fc.record(
    { room: roomId, seq: anySeq, id: text(1, 64), kind: text(1, 32), ts: anySeq, by: userId, name, cid, body: fc.oneof(text(0, 40), text(200, 70_000)), data: fc.dictionary(dataKey, scalar, { maxKeys: 20 }) },
    { requiredKeys: ['room', 'seq', 'id', 'kind', 'ts', 'by', 'name'] },
  );

  it('writes an event frame byte for byte as encodeFrame does', () => {
    fc.assert(
      fc.property(event, (e) => {
        const fast = encodeEventFrame(e as RoomEvent);
        expect(Buffer.from(fast).equals(Buffer.from(encodeFrame({ t: Op.Event, e })))).toBe(true);
        expect(plain(decodeServerFrame(fast))).toEqual(plain({ t: Op.Event, e }));
      }),
      { numRuns: 300 },
    );
  });

  it('writes every kind of result frame byte for byte as encodeFrame does', () => {
    fc.assert(
      fc.property(r, resultData, (rid, { data }) => {
        expect(Buffer.from(encodeResultFrame(rid, data)).equals(Buffer.from(encodeFrame({ t: Op.Result, r: rid, data })))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves undefined fields out, which the schema reads as absent', () => {
    const e = { room: 'lobby', seq: 1, id: 'x', kind: 'message', ts: 5, by: 'u', name: 'U', cid: undefined, body: 'hi' };
    expect(plain(decodeServerFrame(encodeEventFrame(e as RoomEvent)))).toEqual({ t: Op.Event, e: { room: 'lobby', seq: 1, id: 'x', kind: 'message', ts: 5, by: 'u', name: 'U', body: 'hi' } });
  });
});

describe('hostile bytes', () => {
  it('never throws anything but FrameError for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        for (const decode of [decodeClientFrame, decodeServerFrame, decodeRaw]) {
          try {
            decode(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(FrameError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but FrameError for corrupted valid frames', () => {
    const corrupted = fc
      .tuple(fc.oneof(clientFrame, serverFrame), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat())
      .map(([frame, flips, cut]) => {
        const bytes = encodeFrame(frame).slice();
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        return cut % 3 === 0 ? bytes.subarray(0, cut % bytes.length) : bytes;
      });
    fc.assert(
      fc.property(corrupted, (bytes) => {
        for (const decode of [decodeClientFrame, decodeServerFrame]) {
          try {
            decode(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(FrameError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects nesting deeper than the limit without recursing into it', () => {
    const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);
    // {t, r, members: [[...]]}: the frame map is level 1.
    // Within the depth the schema refuses it (members are strings); one level more, the pre-scan does.
    expect(expectFrameError(() => decodeClientFrame(encodeFrame({ t: Op.RoomCreate, r: 1, kind: 'public', members: nested(Limits.maxDepth - 1) })), ErrorCode.BadFrame).undecodable).toBe(false);
    expect(expectFrameError(() => decodeClientFrame(encodeFrame({ t: Op.RoomCreate, r: 1, kind: 'public', members: nested(Limits.maxDepth) })), ErrorCode.BadFrame).undecodable).toBe(true);
    // What a server sends may nest deeper (a later frame shape), up to SERVER_FRAME_DEPTH.
    expect(decodeServerFrame(encodeFrame({ t: Op.Result, r: 1, data: nested(SERVER_FRAME_DEPTH - 1) }))).toBeDefined();
    expectFrameError(() => decodeServerFrame(encodeFrame({ t: Op.Result, r: 1, data: nested(SERVER_FRAME_DEPTH) })), ErrorCode.BadFrame);
    // A million levels would blow the stack of a recursive decoder (server frames have no size cap).
    const deep = new Uint8Array(1_000_001).fill(0x91);
    deep[deep.length - 1] = 0xc0;
    expectFrameError(() => decodeServerFrame(deep), ErrorCode.BadFrame);
  });

  it('rejects oversized frames, oversized containers and lying length headers', () => {
    expectFrameError(() => decodeClientFrame(encodeFrame({ t: Op.Send, r: 1, room: 'a', cid: 'c', body: 'x'.repeat(70_000) })), ErrorCode.TooLarge);
    expectFrameError(() => decodeClientFrame(encodeFrame({ t: Op.RoomCreate, r: 1, kind: 'public', members: Array(1001).fill('u') })), ErrorCode.BadFrame);
    // array32 announcing 4 billion entries, and str32 announcing 4 GiB, each followed by one byte.
    expectFrameError(() => decodeRaw(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0])), ErrorCode.BadFrame);
    expectFrameError(() => decodeRaw(new Uint8Array([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61])), ErrorCode.BadFrame);
    // Fields over their schema limits are too_large, with the request id kept for the reply.
    const error = expectFrameError(() => decodeClientFrame(encodeFrame({ t: Op.Send, r: 7, room: 'a', cid: 'c', body: 'x'.repeat(4001) })), ErrorCode.TooLarge);
    expect(error.r).toBe(7);
  });

  it('refuses a string holding U+0000 anywhere in a frame, with bad_frame and the request id', () => {
    fc.assert(
      fc.property(text(0, 40), text(0, 40), r, (before, after, reqId) => {
        const body = `${before}\u0000${after}`;
        const err = expectFrameError(() => decodeClientFrame(encodeFrame({ t: Op.Send, r: reqId, room: 'lobby', cid: 'c1', body })), ErrorCode.BadFrame);
        expect(err.r).toBe(reqId);
        expect(err.message).toMatch(/NUL/);
      }),
    );
    expectFrameError(() => decodeClientFrame(encodeFrame({ t: Op.SetProfile, r: 1, name: 'A\u0000B' })), ErrorCode.BadFrame);
  });

  it('rejects extension types', () => {
    expectFrameError(() => decodeRaw(new Uint8Array([0xd4, 0x00, 0x00])), ErrorCode.BadFrame);
    expectFrameError(() => decodeRaw(new Uint8Array([0xd6, 0xff, 0, 0, 0, 0])), ErrorCode.BadFrame);
  });

  it('encodes undefined as nil, which an optional field reads as absent', () => {
    const bytes = encodeFrame({ t: Op.Subscribe, r: 1, room: 'a', after: undefined });
    expect([...bytes]).not.toContain(0xd4);
    expect(decodeClientFrame(bytes)).toEqual({ t: Op.Subscribe, r: 1, room: 'a' });
  });
});

describe('__proto__ keys', () => {
  const polluted = () => (Object.prototype as Record<string, unknown>).polluted;

  it('never changes an object prototype, whatever the nesting', () => {
    const key = fc.constantFrom('__proto__', 'constructor', 'prototype', 'polluted', 'a');
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.boolean(), fc.integer(), fc.dictionary(key, tie('node'), { maxKeys: 3 }), fc.array(tie('node'), { maxLength: 3 })),
    })).node;
    const walk = (v: unknown): void => {
      if (typeof v !== 'object' || v === null) return;
      const proto = Object.getPrototypeOf(v);
      expect([Object.prototype, Array.prototype, null]).toContain(proto);
      for (const child of Object.values(v)) walk(child);
    };
    fc.assert(
      fc.property(tree, (value) => {
        // JSON.parse makes `__proto__` an own key, so the encoder writes it out as a map key.
        const bytes = encodeFrame({ t: Op.Result, r: 1, data: JSON.parse(JSON.stringify(value ?? null)) });
        try {
          walk(decodeServerFrame(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(FrameError);
        }
        expect(polluted()).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('drops a __proto__ key at frame level and defuses one inside event data', () => {
    const frame = fixmap([
      ['t', [Op.Event]],
      ['__proto__', fixmap([['polluted', [0xc3]]])],
      [
        'e',
        fixmap([
          ['room', fixstr('lobby')],
          ['seq', [1]],
          ['id', fixstr('e1')],
          ['kind', fixstr('msg')],
          ['ts', [1]],
          ['by', fixstr('bob')],
          ['name', fixstr('Bob')],
          ['data', fixmap([['__proto__', [0xc3]], ['ok', [0xc3]]])],
        ]),
      ],
    ]);

    const decoded = decodeServerFrame(new Uint8Array(frame));

    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect((decoded as { polluted?: unknown }).polluted).toBeUndefined();
    const data = (decoded as { e: { data: Record<string, unknown> } }).e.data;
    // The decoder renames the key, so it stays plain data and never reaches the prototype slot.
    expect(Object.getPrototypeOf(data)).toBeNull();
    expect(Object.keys(data).sort()).toEqual(['__proto_', 'ok']);
    expect(polluted()).toBeUndefined();
  });
});
