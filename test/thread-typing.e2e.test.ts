// Typing in a thread over the wire: `typing.thread` reaches the room's other members as
// `typing_state.thread`, apart from typing in the room itself, on one node and across two over Redis.
import { ErrorCode, Feature, Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './support/redis.js';
import { dropStorage, freshStorage, postgresAvailable, startNode, userToken, type TestNode } from './support/server.js';

type Frame = Record<string, unknown>;

let roomCounter = 0;
const uniqueRoom = (p: string) => `${p}-${Date.now().toString(36)}-${roomCounter++}`;

/** A typing_state of `user` in `room`, switched `on`, in thread `thread` (undefined: the room itself). */
const typingState = (room: string, user: string, on: boolean, thread: number | undefined) => (f: Frame) =>
  f.t === Op.TypingState && f.room === room && f.user === user && f.on === on && f.thread === thread;

/** A room with a first message to thread under: its creator `a` and a member `b` follow it. */
async function roomWithRoot(a: RawClient, b: RawClient, prefix: string): Promise<{ room: string; root: number }> {
  const room = uniqueRoom(prefix);
  await a.ok({ t: Op.RoomCreate, kind: 'public', id: room });
  await b.ok({ t: Op.Join, room });
  const { seq } = await a.ok({ t: Op.Send, room, cid: `${room}-root`, body: 'start a thread here' });
  return { room, root: seq as number };
}

describe('typing in a thread (one node)', () => {
  let node: TestNode;
  const clients: RawClient[] = [];
  const signIn = async (sub: string, name = sub) => {
    const c = await RawClient.signedIn(node.url, userToken(sub, name));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    node = await startNode('pglite', { typingTtlMs: 1000 });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('typing in a thread reaches another member with its thread; typing in the room comes without one', async () => {
    const a = await signIn('thread-typist', 'Tess Typist');
    const b = await signIn('thread-reader');
    expect(a.frames.find((f) => f.t === Op.Welcome)?.features).toContain(Feature.Threads);
    const { room, root } = await roomWithRoot(a, b, 'tt-relay');

    let mark = b.mark;
    a.send({ t: Op.Typing, room, on: true, thread: root });
    const inThread = await b.next(typingState(room, 'thread-typist', true, root), 5000, mark);
    expect(inThread).toMatchObject({ name: 'Tess Typist', thread: root });

    a.send({ t: Op.Typing, room, on: true });
    const inRoom = await b.next(typingState(room, 'thread-typist', true, undefined), 5000, mark);
    expect(inRoom).not.toHaveProperty('thread');

    // A reply in the thread ends typing there, well before the TTL, and leaves the room's indicator on.
    mark = b.mark;
    await a.ok({ t: Op.Send, room, cid: `${room}-reply`, body: 'a reply', thread: root });
    await b.next(typingState(room, 'thread-typist', false, root), 500, mark);
    expect(b.frames.slice(mark).filter(typingState(room, 'thread-typist', false, undefined))).toEqual([]);
    // The room's indicator then expires on its own, as before threads.
    await b.next(typingState(room, 'thread-typist', false, undefined), 3000, mark);
  });

  test('each place expires on its own; stopping in the thread leaves the room typing; leaving the room ends both', async () => {
    const a = await signIn('two-places');
    const b = await signIn('two-places-reader');
    const { room, root } = await roomWithRoot(a, b, 'tt-places');

    let mark = b.mark;
    a.send({ t: Op.Typing, room, on: true, thread: root });
    await b.next(typingState(room, 'two-places', true, root), 5000, mark);
    const started = Date.now();
    await b.next(typingState(room, 'two-places', false, root), 5000, mark);
    expect(Date.now() - started).toBeGreaterThanOrEqual(node.config.typingTtlMs - 300);

    mark = b.mark;
    a.send({ t: Op.Typing, room, on: true });
    a.send({ t: Op.Typing, room, on: true, thread: root });
    await b.next(typingState(room, 'two-places', true, root), 5000, mark);
    a.send({ t: Op.Typing, room, on: false, thread: root });
    await b.next(typingState(room, 'two-places', false, root), 500, mark);
    expect(b.frames.slice(mark).filter(typingState(room, 'two-places', false, undefined))).toEqual([]);

    mark = b.mark;
    a.send({ t: Op.Typing, room, on: true, thread: root });
    await b.next(typingState(room, 'two-places', true, root), 5000, mark);
    await a.ok({ t: Op.Leave, room });
    await b.next(typingState(room, 'two-places', false, root), 500, mark);
    await b.next(typingState(room, 'two-places', false, undefined), 500, mark);
  });

  // (nil is absent, as for every optional field: typing in the room.)
  test('a thread that is not a seq is refused with bad_frame and relays nothing', async () => {
    const a = await signIn('bad-thread');
    const b = await signIn('bad-thread-reader');
    const { room } = await roomWithRoot(a, b, 'tt-bad');
    const mark = b.mark;
    for (const thread of [-1, 1.5, '3', true, 2 ** 53]) {
      const from = a.mark;
      a.send({ t: Op.Typing, room, on: true, thread });
      const refusal = await a.next((f) => f.t === Op.Error, 5000, from);
      expect(refusal).toMatchObject({ code: ErrorCode.BadFrame });
      expect(refusal.r).toBeUndefined();
      expect(refusal.message).toContain('thread');
    }
    // The socket still serves, and the first typing the other member sees is the valid one after.
    a.send({ t: Op.Typing, room, on: true });
    const first = await b.next((f) => f.t === Op.TypingState && f.room === room, 5000, mark);
    expect(first).toMatchObject({ user: 'bad-thread', on: true });
    expect(first).not.toHaveProperty('thread');
  });

  test('the thread root is not looked up: typing under a seq past the head is relayed as sent', async () => {
    const a = await signIn('far-thread');
    const b = await signIn('far-thread-reader');
    const { room, root } = await roomWithRoot(a, b, 'tt-far');
    const mark = b.mark;
    a.send({ t: Op.Typing, room, on: true, thread: root + 1000 });
    await b.next(typingState(room, 'far-thread', true, root + 1000), 5000, mark);
  });
});

const clustered = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!clustered)('typing in a thread across two nodes over Redis', () => {
  const storage = freshStorage('postgres');
  const cluster = { redisUrl: REDIS_URL, redisPrefix: uniquePrefix() };
  let a: TestNode;
  let b: TestNode;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    a = await startNode('postgres', cluster, storage);
    b = await startNode('postgres', cluster, storage);
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await a?.stop();
    await b?.stop();
    await dropStorage(storage);
  });

  test('typing in a thread on one node reaches a member on the other with its thread', async () => {
    const writer = await RawClient.signedIn(a.url, userToken('node-a-typist'));
    const reader = await RawClient.signedIn(b.url, userToken('node-b-reader'));
    clients.push(writer, reader);
    const { room, root } = await roomWithRoot(writer, reader, 'tt-nodes');
    const mark = reader.mark;
    writer.send({ t: Op.Typing, room, on: true, thread: root });
    await reader.next(typingState(room, 'node-a-typist', true, root), 5000, mark);
    writer.send({ t: Op.Typing, room, on: false, thread: root });
    await reader.next(typingState(room, 'node-a-typist', false, root), 5000, mark);
  });
});
