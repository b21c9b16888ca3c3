// Calls across two nodes over the shared Redis and PostgreSQL, and the SDK in Node (signalling only):
// a ring placed on one node reaches the callee's connection on the other, call states and signals
// cross in both directions to the one connection addressed, and the end is recorded once.
import { ChatClient, type Call, type RingContext } from '@parley/sdk';
import { Op, UserEventKind } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './support/redis.js';
import { dropStorage, freshStorage, postgresAvailable, startNode, userToken, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const available = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!available)('calls on two nodes over Redis', () => {
  const storage = freshStorage('postgres');
  let a: TestNode;
  let b: TestNode;
  const open: RawClient[] = [];
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    const shared = { redisUrl: REDIS_URL, redisPrefix: uniquePrefix(), catchUpMs: 200, callReconnectMs: 500 };
    a = await startNode('postgres', shared, storage);
    b = await startNode('postgres', shared, storage);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(open.map((c) => c.close()));
    await a?.stop();
    await b?.stop();
    await dropStorage(storage);
  });

  const signIn = async (node: TestNode, user: string) => {
    const c = await RawClient.signedIn(node.url, userToken(user));
    open.push(c);
    return c;
  };
  const sessionOf = (c: RawClient) => (c.frames[0] as Record<string, any>).session as string;

  test('ring on one node, answer on the other; signals reach only the connection named; hang-up ends it everywhere', async () => {
    const ana = await signIn(a, 'ana');
    const bo = await signIn(b, 'bo');
    const boTablet = await signIn(a, 'bo');
    await bo.ok({ t: Op.UserSubscribe });
    const room = (await ana.ok({ t: Op.RoomCreate, kind: 'dm', members: ['bo'] })).room.id;
    const placed = await ana.ok({ t: Op.CallStart, room, video: true });
    // The ring crosses nodes through Bo's log; his tablet on node A sees the call's state too.
    const ring = (await bo.next((f) => f.t === Op.UserEvent && (f.e as any).kind === UserEventKind.Ring)).e as Record<string, any>;
    expect(ring.data.call).toBe(placed.call);
    await boTablet.next((f) => f.t === Op.CallState && f.call === placed.call);

    await bo.ok({ t: Op.CallJoin, call: placed.call });
    await ana.next((f) => f.t === Op.CallState && f.state === 'active');
    // Answered on the phone: the tablet is told (Bo is in peers on another connection).
    const moved = await boTablet.next((f) => f.t === Op.CallState && f.state === 'active');
    expect((moved.peers as any[]).map((p) => p.session)).toEqual([sessionOf(ana), sessionOf(bo)]);

    ana.send({ t: Op.CallSignal, call: placed.call, to: sessionOf(bo), kind: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' });
    expect(await bo.next((f) => f.t === Op.Signal)).toMatchObject({ from: sessionOf(ana), kind: 'offer' });
    bo.send({ t: Op.CallSignal, call: placed.call, to: sessionOf(ana), kind: 'answer', sdp: 'v=0\r\n' });
    expect(await ana.next((f) => f.t === Op.Signal)).toMatchObject({ from: sessionOf(bo), kind: 'answer' });
    await ana.ok({ t: Op.Ping });
    expect(boTablet.frames.some((f) => f.t === Op.Signal)).toBe(false);

    await ana.ok({ t: Op.CallLeave, call: placed.call });
    await bo.next((f) => f.t === Op.CallState && f.state === 'ended');
    await until(() => !a.server.hub.calls.get(placed.call) && !b.server.hub.calls.get(placed.call));
    let ended: unknown[] = [];
    await until(async () => {
      ended = ((await ana.ok({ t: Op.History, room })).events as any[]).filter((e) => e.kind === 'call' && e.data.action === 'ended');
      return ended.length > 0;
    });
    expect(ended).toHaveLength(1);
  });

  test('the SDK in Node: a bot-like client rings someone, the other answers and hangs up (signalling only)', async () => {
    const client = (user: string, node: TestNode) => {
      const c = new ChatClient({ url: node.url, token: userToken(user), WebSocket });
      clients.push(c);
      return c;
    };
    const caller = client('cy', a);
    const callee = client('di', b);
    const rings: RingContext[] = [];
    callee.on('ring', (r) => rings.push(r));
    await Promise.all([caller.connect(), callee.connect()]);
    await caller.openDirect('di');
    const call: Call = await caller.call('di', { video: false });
    expect(call.phase).toBe('ringing');
    await until(() => rings.length === 1);
    expect(rings[0]).toMatchObject({ call: call.id, by: 'cy', video: false });
    const answered = await callee.answer(rings[0]!.call);
    await until(() => call.phase === 'connected' && answered.phase === 'connected');
    const ended = new Promise<string>((resolve) => call.on('ended', ({ reason }) => resolve(reason)));
    await answered.hangUp();
    expect(await ended).toBe('hangup');
    expect(answered.phase).toBe('ended');
  });

  test('a connection that vanishes on one node is shown reconnecting on the other, then the call ends as lost', async () => {
    const eve = await signIn(a, 'eve');
    const fay = await signIn(b, 'fay');
    const room = (await eve.ok({ t: Op.RoomCreate, kind: 'dm', members: ['fay'] })).room.id;
    const placed = await eve.ok({ t: Op.CallStart, room, video: false });
    await fay.ok({ t: Op.CallJoin, call: placed.call });
    fay.ws.terminate();
    await eve.next((f) => f.t === Op.CallState && (f.peers as any[]).some((p) => p.user === 'fay' && p.status === 'reconnecting'));
    expect(await eve.next((f) => f.t === Op.CallState && f.state === 'ended')).toMatchObject({ reason: 'lost' });
  });
});
