// A node hands its own stored events to its subscribers before Redis brings them back (ADR 0027):
// on the wire, every subscriber on either node must still get a room's events once each, in seq
// order, with none missing, while senders on both nodes write into the room at once, and when the
// broker loses some of one node's publishes.
import { Op } from '@parley/sdk/protocol';
import { afterAll, describe, expect, test } from 'vitest';
import { lossyPair } from './support/dropping-broker.js';
import { RawClient } from './support/raw-client.js';
import { redisAvailable } from './support/redis.js';
import { postgresAvailable, userToken, type TestNode } from './support/server.js';
import { twoNodesOverRedis } from './support/two-nodes.js';
import { until } from './support/until.js';

const available = (await postgresAvailable()) && (await redisAvailable());

/** The seqs above `after` of `room`'s events as they arrived on the socket, in arrival order. */
const seqsOf = (c: RawClient, room: string, after = 0) => c.events(room).map((e) => e.seq as number).filter((seq) => seq > after);

/** The seqs the acks gave, lowest and highest. */
function span(acks: Record<string, unknown>[]): { first: number; last: number } {
  const seqs = acks.map((k) => k.seq as number);
  return { first: Math.min(...seqs), last: Math.max(...seqs) };
}

/** Fires `n` sends without waiting for each ack (so both nodes commit into the room at once); resolves with the acks. */
function burst(c: RawClient, room: string, tag: string, n: number): Promise<Record<string, unknown>[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => c.ok({ t: Op.Send, room, cid: `${tag}-${i}`, body: `${tag} ${i}` })));
}

/** Every seq after `head` up to the last ack, once each, in increasing order: what each receiver must have seen. */
function expectInOrderOnceEach(receivers: RawClient[], room: string, head: number, last: number): void {
  const want = Array.from({ length: last - head }, (_, i) => head + 1 + i);
  for (const [i, r] of receivers.entries()) expect(seqsOf(r, room, head), `receiver ${i}`).toEqual(want);
}

describe.skipIf(!available)('one room written from two nodes at once', () => {
  let a: TestNode;
  let b: TestNode;
  twoNodesOverRedis({ sendRate: 10_000, frameRate: 10_000 }, (x, y) => ([a, b] = [x, y]));
  const clients: RawClient[] = [];
  const signIn = async (node: TestNode, user: string) => {
    const c = await RawClient.signedIn(node.url, userToken(user));
    clients.push(c);
    return c;
  };
  afterAll(() => {
    for (const c of clients) c.ws.terminate();
  });

  test('every receiver on either node gets every event once, in seq order', async () => {
    const room = 'lobby';
    const [senderA, senderB] = [await signIn(a, 'order-sa'), await signIn(b, 'order-sb')];
    const receivers = [await signIn(a, 'order-ra1'), await signIn(a, 'order-ra2'), await signIn(b, 'order-rb1'), await signIn(b, 'order-rb2')];
    for (const c of [senderA, senderB, ...receivers]) await c.ok({ t: Op.Join, room });
    // Rounds of 25 from each side (a connection may have 32 requests in progress): plenty of chances for a node's own event to overtake one
    // the other node committed just before it, or to be sent twice (its own and Redis's copy).
    const acks: Record<string, unknown>[] = [];
    for (let round = 0; round < 8; round++) acks.push(...(await Promise.all([burst(senderA, room, `a${round}`, 25), burst(senderB, room, `b${round}`, 25)])).flat());
    const { first, last } = span(acks);
    expect(last - first + 1).toBe(400);
    const head = first - 1;
    await until(() => receivers.every((r) => seqsOf(r, room, head).length >= 400), 10_000);
    await new Promise((r) => setTimeout(r, 300)); // a late duplicate (the broker's copy) would show by now
    expectInOrderOnceEach([...receivers, senderA, senderB], room, head, last);
    // Node a's own events reached its subscribers without waiting for Redis: not recovered from storage.
    expect(a.server.hub.catchUp!.recovered).toBe(0);
    expect(b.server.hub.catchUp!.recovered).toBe(0);
  });
});

describe.skipIf(!available)('one room written from two nodes, one of whose publishes Redis loses', () => {
  test('events held behind a lost one leave in order once storage fills the hole', async () => {
    let n = 0;
    // Every third room publish of the lossy node never reaches Redis.
    const { a, lossy, stop } = await lossyPair((ch) => ch === 'r/lobby' && ++n % 3 === 0);
    const url = `ws://127.0.0.1:${lossy.port}/ws`;
    const opened: RawClient[] = [];
    const signIn = async (to: string, user: string) => {
      const c = await RawClient.signedIn(to, userToken(user));
      opened.push(c);
      return c;
    };
    try {
      const [senderA, senderL] = [await signIn(a.url, 'lossy-sa'), await signIn(url, 'lossy-sl')];
      const receivers = [await signIn(a.url, 'lossy-ra'), await signIn(url, 'lossy-rl')];
      for (const c of [senderA, senderL, ...receivers]) await c.ok({ t: Op.Join, room: 'lobby' });
      // Within the default send burst (20) of each connection.
      const { first } = span((await Promise.all([burst(senderA, 'lobby', 'a', 15), burst(senderL, 'lobby', 'l', 15)])).flat());
      const head = first - 1;
      await until(() => receivers.every((r) => seqsOf(r, 'lobby', head).length >= 30), 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expectInOrderOnceEach(receivers, 'lobby', head, head + 30);
      // Node a got the lost ones from storage; the lossy node's own subscribers never missed them.
      expect(a.server.hub.catchUp!.recovered).toBeGreaterThanOrEqual(1);
      expect(lossy.hub.catchUp!.recovered).toBe(0);
    } finally {
      for (const c of opened) c.ws.terminate();
      await stop();
    }
  });
});
