// The two directions of the schemas (ADR 0011): what a server sends is read tolerantly (open strings,
// no compile-time lengths, unknown keys dropped, unreadable events as placeholders); what a client
// sends is checked strictly (unknown keys refused by name).
import { describe, expect, expectTypeOf, it } from 'vitest';
import { checkFrame } from '../src/requests.js';
import { InvalidRequestError } from '../src/errors.js';
import {
  AnyRoomEventShape,
  decodeClientFrame,
  decodeServerFrame,
  encodeFrame,
  ErrorCode,
  FrameError,
  Limits,
  MemberShape,
  Op,
  resultSchemas,
  RoomSummaryShape,
  type Member,
  type RoomSummary,
  type UnknownEvent,
} from '../src/protocol/index.js';

const event = { room: 'lobby', seq: 7, id: 'ev7', kind: 'msg', ts: 1_700_000_000_000, by: 'bob', name: 'Bob', body: 'hi' };

function frameError(fn: () => unknown): FrameError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FrameError);
    return err as FrameError;
  }
  throw new Error('expected a FrameError');
}

describe('server -> client shapes', () => {
  it('pass kinds, roles and presence states this build does not know through', () => {
    const summary = RoomSummaryShape.parse({ id: 'r', name: 'R', kind: 'space', head: 3, role: 'admin', members: 2 }, 'room');
    expect(summary).toMatchObject({ kind: 'space', role: 'admin' });
    expect(MemberShape.parse({ user: 'u', name: 'U', role: 'moderator', state: 'dnd' }, 'm')).toMatchObject({ role: 'moderator', state: 'dnd' });
    const frame = decodeServerFrame(encodeFrame({ t: Op.Presence, room: 'r', user: 'u', name: 'U', state: 'in_a_call' }));
    expect(frame).toMatchObject({ state: 'in_a_call' });
    const decoded = decodeServerFrame(encodeFrame({ t: Op.Event, e: { ...event, kind: 'poll', data: { question: 'lunch?' } } }));
    expect(decoded).toMatchObject({ t: Op.Event, e: { kind: 'poll', data: { question: 'lunch?' } } });
    const error = decodeServerFrame(encodeFrame({ t: Op.Error, r: 3, code: 'quota_exceeded', message: 'later' }));
    expect(error).toMatchObject({ code: 'quota_exceeded' });
  });

  it('keep the known values visible to TypeScript while accepting any string', () => {
    expectTypeOf<'public'>().toMatchTypeOf<RoomSummary['kind']>();
    expectTypeOf<'space'>().toMatchTypeOf<RoomSummary['kind']>();
    expectTypeOf<'owner'>().toMatchTypeOf<Member['role']>();
    expectTypeOf<number>().not.toMatchTypeOf<Member['state']>();
  });

  it('bound strings by the frame, not by this build\'s limits', () => {
    const long = 'x'.repeat(Limits.maxName * 20);
    const summary = RoomSummaryShape.parse({ id: 'i'.repeat(Limits.maxRoomId + 100), name: long, kind: 'public', head: 0, members: 1 }, 'room');
    expect(summary.name).toBe(long);
    const big = { ...event, name: long, by: 'u'.repeat(Limits.maxUserId * 2), body: 'b'.repeat(Limits.maxBody * 3), cid: 'c'.repeat(200) };
    expect(AnyRoomEventShape.parse(big, 'e')).toEqual(big);
    // Room and user ids with characters this build's patterns would refuse still name their room.
    expect(AnyRoomEventShape.parse({ ...event, room: 'a room/with spaces' }, 'e')).toMatchObject({ room: 'a room/with spaces', kind: 'msg' });
    const data = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`key-${i}`.padEnd(80, '-'), i]));
    expect(AnyRoomEventShape.parse({ ...event, data }, 'e')).toMatchObject({ data });
  });

  it('drop keys they do not know, in frames and results', () => {
    const welcome = decodeServerFrame(
      encodeFrame({
        t: Op.Welcome,
        r: 0,
        v: 1,
        user: { id: 'u', name: 'U', guest: false, avatar: 'x.png' },
        session: 's',
        limits: { maxFrameBytes: 1, maxBody: 1, maxHistory: 1, resumeLimit: 1, sendRate: 1, typingTtlMs: 1, maxTeleports: 3 },
        features: ['edit', 'teleport'],
        motd: 'hello',
      }),
    );
    expect(welcome).not.toHaveProperty('motd');
    expect(welcome).toMatchObject({ features: ['edit', 'teleport'], user: { id: 'u', name: 'U', guest: false } });
    expect((welcome as { user: object }).user).not.toHaveProperty('avatar');
    expect(resultSchemas[Op.Send].parse({ cid: 'c', id: 'i', seq: 1, ts: 2, duplicate: false, extra: [1] }, 'data')).not.toHaveProperty('extra');
  });

  it('turn an event that fails validation into an unknown placeholder keeping room, seq and what is readable', () => {
    const placeholder = AnyRoomEventShape.parse({ ...event, ts: 'noon', data: [1, 2] }, 'e') as UnknownEvent;
    expect(placeholder).toEqual({ room: 'lobby', seq: 7, kind: 'unknown', id: 'ev7', by: 'bob', problem: 'ts: expected a non-negative integer' });
    expect(AnyRoomEventShape.parse({ room: 'lobby', seq: 8, kind: 5 }, 'e')).toEqual({ room: 'lobby', seq: 8, kind: 'unknown', problem: 'id: expected a string' });
    // In a history page the placeholder takes the page's place too.
    const page = resultSchemas[Op.History].parse({ events: [event, { ...event, seq: 8, data: { a: { b: 1 } } }], more: false }, 'data');
    expect(page.events.map((e) => e.kind)).toEqual(['msg', 'unknown']);
  });

  it('drop (and report) an event frame without a readable room and seq, as before', () => {
    expect(frameError(() => decodeServerFrame(encodeFrame({ t: Op.Event, e: { ...event, seq: -1 } }))).message).toContain('e.seq');
    expect(frameError(() => decodeServerFrame(encodeFrame({ t: Op.Event, e: { ...event, room: '' } }))).message).toContain('e.room');
    expect(frameError(() => decodeServerFrame(encodeFrame({ t: Op.Event, e: 'msg' }))).message).toContain('e: expected a map');
  });
});

describe('client -> server shapes', () => {
  it('refuse a key they do not know, naming it, with the request id', () => {
    const err = frameError(() => decodeClientFrame(encodeFrame({ t: Op.Send, r: 9, room: 'lobby', cid: 'c1', body: 'hi', colour: 'red' })));
    expect(err.code).toBe(ErrorCode.BadFrame);
    expect(err.r).toBe(9);
    expect(err.message).toBe('invalid frame: unknown field "colour"');
    expect(frameError(() => decodeClientFrame(encodeFrame({ t: Op.Typing, room: 'lobby', on: true, colour: null }))).message).toContain('unknown field "colour"');
    // Names that an object inherits are unknown keys too.
    expect(frameError(() => decodeClientFrame(encodeFrame({ t: Op.Ping, r: 1, constructor: 1 }))).message).toContain('unknown field "constructor"');
  });

  it('keep their other checks: a wrong value is still refused for what it is', () => {
    expect(frameError(() => decodeClientFrame(encodeFrame({ t: Op.RoomCreate, r: 1, kind: 'space' }))).message).toContain('kind: expected one of public, private, dm');
    expect(frameError(() => decodeClientFrame(encodeFrame({ t: Op.RoomUpdate, r: 1, room: 'r', name: 'n'.repeat(Limits.maxName + 1) }))).code).toBe(ErrorCode.TooLarge);
  });

  it('let hello through with keys it does not know (a client sees features only after welcome)', () => {
    expect(decodeClientFrame(encodeFrame({ t: Op.Hello, r: 0, v: 1, token: 't', device: 'd1', someday: true }))).toEqual({ t: Op.Hello, r: 0, v: 1, token: 't', device: 'd1' });
  });

  it('in the SDK, refuse an unknown key before sending, but treat an undefined one as absent', () => {
    expect(checkFrame({ t: Op.Join, r: 1, room: 'lobby', after: undefined } as never)).toEqual({ t: Op.Join, r: 1, room: 'lobby' });
    expect(() => checkFrame({ t: Op.Join, r: 1, room: 'lobby', after: 3 } as never)).toThrow(InvalidRequestError);
  });
});
