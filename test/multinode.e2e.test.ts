// Two nodes in one process over the shared Redis (a unique prefix) and PostgreSQL (a unique schema):
// clients on different nodes chat, see typing and presence as if on one node; a leave on one node
// reaches the user's sessions on the other; a fan-out Redis drops is recovered from storage.
import { ChatClient } from '@parley/sdk';
import { ErrorCode, Op, PresenceState } from '@parley/sdk/protocol';
import { afterAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { lossyPair } from './support/dropping-broker.js';
import { RawClient } from './support/raw-client.js';
import { redisAvailable } from './support/redis.js';
import { postgresAvailable, userToken, type TestNode } from './support/server.js';
import { twoNodesOverRedis } from './support/two-nodes.js';
import { until } from './support/until.js';

const available = (await postgresAvailable()) && (await redisAvailable());


const isPresence = (room: string, user: string, state: string) => (f: Record<string, unknown>) =>
  f.t === Op.Presence && f.room === room && f.user === user && f.state === state;

describe.skipIf(!available)('two nodes over Redis and PostgreSQL', () => {
  let a: TestNode;
  let b: TestNode;
  twoNodesOverRedis({}, (x, y) => ([a, b] = [x, y]));
  const raws: RawClient[] = [];
  const signIn = async (node: TestNode, user: string) => {
    const c = await RawClient.signedIn(node.url, userToken(user));
    raws.push(c);
    return c;
  };

  afterAll(async () => {
    for (const c of raws) c.ws.terminate();
  });

  test('SDK clients on different nodes chat in one order', async () => {
    const alice = new ChatClient({ url: a.url, token: userToken('alice'), WebSocket });
    const bob = new ChatClient({ url: b.url, token: userToken('bob'), WebSocket });
    try {
      await Promise.all([alice.connect(), bob.connect()]);
      const [ra, rb] = [await alice.join('lobby'), await bob.join('lobby')];
      const seen = { alice: [] as string[], bob: [] as string[] };
      ra.on('message', ({ event }) => seen.alice.push(`${event.seq}:${event.body}`));
      rb.on('message', ({ event }) => seen.bob.push(`${event.seq}:${event.body}`));
      for (let i = 0; i < 5; i++) await Promise.all([ra.send(`a${i}`), rb.send(`b${i}`)]);
      await until(() => seen.alice.length === 10 && seen.bob.length === 10);
      expect(seen.bob).toEqual(seen.alice);
      expect(new Set(seen.alice.map((s) => s.split(':')[1])).size).toBe(10);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  test('typing on one node is shown on the other, in the room and in a thread', async () => {
    const carol = await signIn(a, 'carol');
    const dave = await signIn(b, 'dave');
    await carol.ok({ t: Op.Join, room: 'lobby' });
    await dave.ok({ t: Op.Join, room: 'lobby' });
    const from = dave.mark;
    carol.send({ t: Op.Typing, room: 'lobby', on: true });
    await dave.next((f) => f.t === Op.TypingState && f.user === 'carol' && f.on === true, 5000, from);
    carol.send({ t: Op.Typing, room: 'lobby', on: false });
    await dave.next((f) => f.t === Op.TypingState && f.user === 'carol' && f.on === false, 5000, from);
    // Typing in a thread crosses with its thread (the root seq), apart from typing in the room.
    const { seq: root } = await carol.ok({ t: Op.Send, room: 'lobby', cid: 'carol-root', body: 'a thread root' });
    const inThread = dave.mark;
    carol.send({ t: Op.Typing, room: 'lobby', on: true, thread: root });
    const on = await dave.next((f) => f.t === Op.TypingState && f.user === 'carol' && f.on === true, 5000, inThread);
    expect(on.thread).toBe(root);
    carol.send({ t: Op.Typing, room: 'lobby', on: false, thread: root });
    const off = await dave.next((f) => f.t === Op.TypingState && f.user === 'carol' && f.on === false, 5000, inThread);
    expect(off.thread).toBe(root);
  });

  test('a user with tabs on both nodes stays online until the last one closes', async () => {
    const watcher = await signIn(a, 'watcher');
    await watcher.ok({ t: Op.Join, room: 'lobby' });
    const tabA = await signIn(a, 'erin');
    const tabB = await signIn(b, 'erin');
    await tabA.ok({ t: Op.Join, room: 'lobby' });
    await tabB.ok({ t: Op.Join, room: 'lobby' });
    await watcher.next(isPresence('lobby', 'erin', PresenceState.Online));

    // The node-A tab goes: node A has no erin left, yet she is online on B: no offline is announced,
    // and members (answered on A) says online.
    const mark = watcher.mark;
    await tabA.close();
    const members = await watcher.ok({ t: Op.Members, room: 'lobby' });
    expect(members.members.find((m: { user: string }) => m.user === 'erin').state).toBe(PresenceState.Online);
    await watcher.next(isPresence('lobby', 'erin', PresenceState.Online), 5000, mark); // A re-announces the combined state
    expect(watcher.frames.slice(mark).some(isPresence('lobby', 'erin', PresenceState.Offline))).toBe(false);

    // The last tab closes: offline.
    await tabB.close();
    await watcher.next(isPresence('lobby', 'erin', PresenceState.Offline), 5000, mark);
    const after = await watcher.ok({ t: Op.Members, room: 'lobby' });
    expect(after.members.find((m: { user: string }) => m.user === 'erin').state).toBe(PresenceState.Offline);
  });

  test('leaving on one node ends the membership of the same user\'s session on the other', async () => {
    const owner = await signIn(a, 'frank');
    const room = (await owner.ok({ t: Op.RoomCreate, kind: 'private', name: 'ops', members: ['gina'] })).room.id as string;
    const ginaA = await signIn(a, 'gina');
    const ginaB = await signIn(b, 'gina');
    await ginaA.ok({ t: Op.Subscribe, room });
    await ginaB.ok({ t: Op.Send, room, cid: 'gina-1', body: 'hi' }); // caches the membership on node B
    await ginaB.ok({ t: Op.Subscribe, room });

    await ginaA.ok({ t: Op.Leave, room });
    await ginaB.next((f) => f.t === Op.Event && (f.e as { kind: string }).kind === 'leave');
    const refused = await ginaB.request({ t: Op.Send, room, cid: 'gina-2', body: 'still here?' });
    expect(refused).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound });
    const mark = ginaB.mark;
    await owner.ok({ t: Op.Send, room, cid: 'secret', body: 'after gina left' });
    await owner.ok({ t: Op.Send, room, cid: 'secret-2', body: 'after gina left 2' });
    const ownerEcho = await owner.next((f) => f.t === Op.Event && (f.e as { cid?: string }).cid === 'secret-2');
    expect(ownerEcho).toBeDefined();
    expect(ginaB.frames.slice(mark).some((f) => f.t === Op.Event)).toBe(false);
  });

  test('a new display name set on one node is used by the same user\'s session on the other', async () => {
    const onA = await signIn(a, 'jack');
    const onB = await signIn(b, 'jack');
    await onB.ok({ t: Op.Join, room: 'lobby' });
    await onA.ok({ t: Op.SetProfile, name: 'Jack Renamed' });
    let name: unknown;
    for (let i = 0; i < 50 && name !== 'Jack Renamed'; i++) {
      const ack = await onB.ok({ t: Op.Send, room: 'lobby', cid: `probe-${i}`, body: 'who am I?' });
      name = ((await onB.next((f) => f.t === Op.Event && (f.e as { seq: number }).seq === ack.seq)).e as { name: string }).name;
      if (name !== 'Jack Renamed') await new Promise((r) => setTimeout(r, 50));
    }
    expect(name).toBe('Jack Renamed');
  });

  test('leaving also reaches a session on another node that caches the membership without following the room', async () => {
    const owner = await signIn(a, 'hank');
    const room = (await owner.ok({ t: Op.RoomCreate, kind: 'private', name: 'ops2', members: ['ivy'] })).room.id as string;
    const ivyA = await signIn(a, 'ivy');
    const ivyB = await signIn(b, 'ivy');
    await ivyB.ok({ t: Op.History, room }); // membership now cached on node B; node B does not follow the room
    await ivyA.ok({ t: Op.Leave, room });
    let refused: Record<string, unknown> | undefined;
    const end = Date.now() + 5000;
    while (!refused && Date.now() < end) {
      const reply = await ivyB.request({ t: Op.History, room });
      if (reply.t === Op.Error && reply.code === ErrorCode.NotFound) refused = reply;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(refused).toMatchObject({ code: ErrorCode.NotFound });
  });
});

describe.skipIf(!available)('catch-up from storage', () => {
  test('the last message of a quiet room, dropped by the broker, still reaches a client on another node', async () => {
    let dropping = false;
    const { a, lossy, stop } = await lossyPair((ch) => dropping && ch === 'r/lobby');
    const sender = await RawClient.signedIn(`ws://127.0.0.1:${lossy.port}/ws`, userToken('sender'));
    const reader = await RawClient.signedIn(a.url, userToken('reader'));
    try {
      await sender.ok({ t: Op.Join, room: 'lobby' });
      await reader.ok({ t: Op.Join, room: 'lobby' });
      dropping = true;
      const ack = await sender.ok({ t: Op.Send, room: 'lobby', cid: 'quiet-1', body: 'the last word' });
      const got = await reader.next((f) => f.t === Op.Event && (f.e as { cid?: string }).cid === 'quiet-1');
      expect((got.e as { seq: number }).seq).toBe(ack.seq);
      expect(a.server.hub.catchUp!.recovered).toBeGreaterThanOrEqual(1);
      const scraped = await (await fetch(`${a.http}/metrics`)).text();
      expect(Number(/^parley_catchup_recovered_total (\d+)$/m.exec(scraped)?.[1])).toBeGreaterThanOrEqual(1);
      expect(reader.events('lobby').filter((e) => e.cid === 'quiet-1')).toHaveLength(1);
    } finally {
      sender.ws.terminate();
      reader.ws.terminate();
      await stop();
    }
  });
});
