// The tolerant read path (ADR 0011) driven through the public API: a fuzzer feeds a real client, over
// a real socket, events it cannot fully read — unknown kinds, oversize strings, unexpected and
// mistyped fields, nested data — live and through history fills, and the room must keep delivering
// every seq once, in order, with no hole, no reset and no history request repeated.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Feature, ProtocolError, type AnyRoomEvent, type RoomEvent } from '../src/index.js';
import { EventKind, Op } from '../src/protocol/index.js';
import { makeClient, record, sleep, startServer } from './helpers.js';

type Expect = 'readable' | 'unknown';
interface Hostile {
  fields: Record<string, unknown>;
  expect: Expect;
}

const deep = (depth: number): unknown => (depth === 0 ? 'bottom' : { down: deep(depth - 1) });
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }));
const notUint = fc.oneof(fc.string({ maxLength: 5 }), fc.double({ noInteger: true }), fc.integer({ min: -1e9, max: -1 }), fc.boolean(), fc.constant(null));
const unknownKind = fc.stringMatching(/^[a-z_]{1,12}$/).filter((k) => !Object.values(EventKind).includes(k as EventKind) && k !== 'unknown');

/** One event this build cannot fully know, and whether it must come out readable or as a placeholder. */
const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  unknownKind.map((kind) => ({ fields: { kind, data: { emoji: '+1', on: true } }, expect: 'readable' as Expect })),
  fc.integer({ min: 65, max: 20_000 }).map((n) => ({ fields: { kind: 'note', name: 'n'.repeat(n), by: 'u'.repeat(n) }, expect: 'readable' as Expect })),
  fc.integer({ min: 4001, max: 50_000 }).map((n) => ({ fields: { kind: 'note', body: 'b'.repeat(n), cid: 'c'.repeat(n % 500 + 65) }, expect: 'readable' as Expect })),
  fc.record({ key: fc.stringMatching(/^[a-z]{1,10}$/), value: fc.oneof(fc.string(), fc.integer(), fc.constant(deep(6)), fc.array(fc.integer())) }).map(({ key, value }) => ({
    fields: { kind: 'note', [`x_${key}`]: value, mentions: [{ user: 'u', at: 0, len: 1 }] },
    expect: 'readable' as Expect,
  })),
  fc.record({ role: fc.string({ minLength: 1, maxLength: 8 }), state: fc.string({ minLength: 1, maxLength: 8 }) }).map((data) => ({ fields: { kind: EventKind.Room, data: { ...data, kind: 'space', name: 'x'.repeat(300) } }, expect: 'readable' as Expect })),
  fc.integer({ min: 33, max: 400 }).map((n) => ({ fields: { kind: 'note', data: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`.padEnd(70, '_'), i])) }, expect: 'readable' as Expect })),
  fc.constantFrom('id', 'kind', 'by', 'name').chain((field) => notString.map((v) => ({ fields: { [field]: v }, expect: 'unknown' as Expect }))),
  fc.constantFrom('cid', 'body').chain((field) => notString.map((v) => ({ fields: { kind: 'note', [field]: v }, expect: 'unknown' as Expect }))),
  notUint.map((ts) => ({ fields: { ts }, expect: 'unknown' as Expect })),
  fc.integer({ min: 1, max: 20 }).map((depth) => ({ fields: { kind: 'note', data: { nested: deep(depth) } }, expect: 'unknown' as Expect })),
  fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer())).map((data) => ({ fields: { kind: 'note', data }, expect: 'unknown' as Expect })),
);

/** A step: a real message or a hostile event, sent live or left for the client to fetch from history. */
const step = fc.record({ event: fc.option(hostile, { nil: undefined, freq: 2 }), live: fc.boolean() });

const isPlaceholder = (e: AnyRoomEvent): boolean => 'problem' in e;

describe('tolerant reads', () => {
  it('keeps delivering every seq in order, without holes, resets or repeated fetches, whatever events it cannot read', async () => {
    const server = await startServer({ historyPage: 5 });
    const client = makeClient(server);
    const events = record(client, 'event');
    const messages = record(client, 'message');
    const errors = record(client, 'error');
    const resets = record(client, 'reset');
    await client.connect();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const id = `fuzz-${++run}`;
        server.createRoom(id);
        const room = await client.join(id);
        const start = room.lastSeq;
        const fetchesBefore = server.last.sent(Op.History).length;
        const expected: Array<{ seq: number; expect: Expect | 'message'; kind?: unknown }> = [];
        const post = (fields: Record<string, unknown>, live: boolean): number => {
          const e = server.append(id, fields as Partial<RoomEvent>);
          if (live) server.publish(e);
          return e.seq;
        };
        steps.forEach((s, i) => {
          if (s.event) expected.push({ seq: post(s.event.fields, s.live), expect: s.event.expect, kind: s.event.fields.kind });
          else expected.push({ seq: post({ cid: `real-${i}`, body: `real ${i}` }, s.live), expect: 'message' });
        });
        // The messages that follow, live: the room must still deliver them, in order.
        for (const n of [1, 2, 3]) expected.push({ seq: post({ cid: `after-${n}`, body: `after ${n}` }, true), expect: 'message' });
        const head = expected[expected.length - 1]!.seq;
        await server.waitFor(() => room.lastSeq === head, 5000, `seq ${head} in ${id}`);

        const mine = events.filter((c) => c.room === room).map((c) => c.event);
        expect(mine.map((e) => e.seq)).toEqual(expected.map((x) => x.seq));
        expect(mine[0]!.seq).toBe(start + 1);
        mine.forEach((e, i) => {
          const want = expected[i]!;
          if (want.expect === 'unknown') expect(e, `seq ${e.seq}`).toMatchObject({ kind: 'unknown', room: id, seq: want.seq, problem: expect.any(String) });
          else expect(isPlaceholder(e), `seq ${e.seq}: ${'problem' in e ? e.problem : ''}`).toBe(false);
          if (want.expect === 'readable') expect(e.kind).toBe(want.kind ?? EventKind.Message);
        });
        const bodies = messages.filter((c) => c.room === room).map((c) => c.event.body);
        expect(bodies).toEqual(expected.filter((x) => x.expect === 'message').map((x) => mine.find((e) => e.seq === x.seq)!.body));
        expect(bodies.slice(-3)).toEqual(['after 1', 'after 2', 'after 3']);

        // Quiet now: no history request keeps going out for something that was already delivered.
        const fetches = server.last.sent(Op.History).length - fetchesBefore;
        expect(fetches).toBeLessThanOrEqual(steps.filter((s) => !s.live).length);
        await sleep(120);
        expect(server.last.sent(Op.History).length - fetchesBefore).toBe(fetches);
        await room.leave();
      }),
      { numRuns: 30 },
    );
    expect(resets).toEqual([]);
    // Unreadable events are reported once per room that had any, not once per event.
    const unreadable = errors.filter((c) => c.error instanceof ProtocolError);
    expect(errors.length).toBe(unreadable.length);
    const rooms = unreadable.map((c) => c.room?.id);
    expect(new Set(rooms).size).toBe(rooms.length);
  }, 60_000);

  it('reports an unreadable event once per room on error, naming its seq and what was wrong', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    const client = makeClient(server);
    const errors = record(client, 'error');
    const events = record(client, 'event');
    await client.connect();
    const room = await client.join('lobby');
    server.post('lobby', { kind: 'note', ts: 'yesterday' as unknown as number });
    server.post('lobby', { kind: 'note', data: { deep: { er: 1 } } as unknown as Record<string, number> });
    const last = server.post('lobby', { body: 'still here' });
    await server.waitFor(() => room.lastSeq === last.seq);
    expect(events.map((c) => c.event.kind)).toEqual(['unknown', 'unknown', 'msg']);
    expect(events[0]!.event).toMatchObject({ kind: 'unknown', room: 'lobby', seq: 2, by: 'bob', problem: 'ts: expected a non-negative integer' });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.room).toBe(room);
    expect(errors[0]!.error).toBeInstanceOf(ProtocolError);
    expect(errors[0]!.error.message).toContain('event 2 of room lobby could not be read (ts: expected a non-negative integer)');
  });

  it('gives up loudly, once, on an event without a readable seq instead of fetching it forever', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    const client = makeClient(server);
    const errors = record(client, 'error');
    const resets = record(client, 'reset');
    const messages = record(client, 'message');
    await client.connect();
    const room = await client.join('lobby');
    const broken = server.append('lobby');
    (broken as unknown as Record<string, unknown>).seq = 'two';
    server.rooms.get('lobby')!.events[1] = broken;
    server.publish(broken);
    const after = server.post('lobby', { body: 'after the broken one' });
    await server.waitFor(() => room.lastSeq === after.seq);
    expect(messages.map((c) => c.event.body)).toEqual(['after the broken one']);
    // The live frame was dropped and reported; the history page holding it could not be read either,
    // so the client skipped the seq with a reset rather than asking again.
    expect(resets.map((c) => c.head)).toEqual([2]);
    const fetches = server.last.sent(Op.History).length;
    expect(fetches).toBe(1);
    await sleep(200);
    expect(server.last.sent(Op.History).length).toBe(fetches);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.every((c) => c.error instanceof ProtocolError)).toBe(true);
  });

  it('exposes welcome.features as client.features: empty before the first welcome and against servers that send none', async () => {
    const older = await startServer();
    const a = makeClient(older);
    expect(a.features.size).toBe(0);
    await a.connect();
    expect(a.features.size).toBe(0);

    const newer = await startServer({ features: [Feature.StrictRequests, 'time_travel'] });
    const b = makeClient(newer);
    await b.connect();
    expect([...b.features]).toEqual([Feature.StrictRequests, 'time_travel']);
    expect(b.features.has(Feature.Edit)).toBe(false);
    expect(b.features).toBe(b.features);
  });
});
