// The per-user log across two nodes over the shared Redis and PostgreSQL: a notice appended on one
// node reaches the user's connection on the other live, and a reconnect to the other node resumes it.
import { ChatClient, type UserEvent } from '@parley/sdk';
import { Op } from '@parley/sdk/protocol';
import { noteMentions } from '@parley/server';
import { afterAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { lossyPair } from './support/dropping-broker.js';
import { RawClient } from './support/raw-client.js';
import { redisAvailable } from './support/redis.js';
import { postgresAvailable, userToken, type TestNode } from './support/server.js';
import { twoNodesOverRedis } from './support/two-nodes.js';
import { until } from './support/until.js';

const available = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!available)('the per-user log on two nodes over Redis', () => {
  let a: TestNode;
  let b: TestNode;
  twoNodesOverRedis({}, (x, y) => ([a, b] = [x, y]));
  const clients: ChatClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  /** A client whose next connection goes to `node()` (so a reconnect can move it). */
  const client = (sub: string, node: () => TestNode) => {
    const c = new ChatClient({ url: 'ws://unused', token: userToken(sub), WebSocket: class extends WebSocket {
      constructor() {
        super(node().url);
      }
    } as unknown as typeof WebSocket, reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
    clients.push(c);
    return c;
  };
  const following = (node: TestNode, user: string) => [...node.server.hub.sessions].some((s) => s.userId === user && s.followsUserLog);

  test('notices made on one node reach the user on the other live, and resume there after moving nodes', async () => {
    const alice = client('alice', () => a);
    let bobNode = b;
    const bob = client('bob', () => bobNode);
    const got: UserEvent[] = [];
    bob.on('userEvent', ({ event }) => got.push(event));
    await Promise.all([alice.connect(), bob.connect()]);
    await until(() => following(b, 'bob'));

    const room = await alice.createRoom({ kind: 'private', name: 'Across', members: ['bob'] });
    await until(() => got.length === 1);
    expect(got[0]).toMatchObject({ seq: 1, kind: 'added', data: { room: room.id, by: 'alice' } });

    // Offline, then back through the other node: what node A appended meanwhile is replayed there.
    await bob.close();
    bobNode = a;
    const ack = await room.send('@bob look');
    await noteMentions(a.server.hub, room.id, ack.seq, 'alice', ['bob']);
    const other = await alice.createRoom({ kind: 'public', name: 'Other' });
    await other.invite('bob');
    await bob.connect();
    await until(() => following(a, 'bob'));
    await until(() => got.length === 3);

    // Live again, from the node bob left.
    await noteMentions(b.server.hub, room.id, ack.seq, 'alice', ['bob']);
    await until(() => got.length === 4);
    expect(got.map((n) => [n.seq, n.kind, n.data.room])).toEqual([
      [1, 'added', room.id],
      [2, 'mention', room.id],
      [3, 'added', other.id],
      [4, 'mention', room.id],
    ]);
  });
});

describe.skipIf(!available)('user-log catch-up from storage', () => {
  test('the last notice of a quiet log, dropped by the broker, still reaches the user on another node', async () => {
    let dropping = false;
    const { a, lossy, stop } = await lossyPair((ch) => dropping && ch.startsWith('l/'));
    const reader = await RawClient.signedIn(a.url, userToken('nina'));
    try {
      expect(await reader.ok({ t: Op.UserSubscribe })).toEqual({ head: 0, replayed: 0 });
      dropping = true;
      await lossy.hub.store.createRoom({ id: 'quiet', name: 'Quiet', kind: 'private', owner: 'omar', creator: { id: 'omar', name: 'omar' }, members: [{ id: 'nina', name: 'nina' }] });
      const got = await reader.next((f) => f.t === Op.UserEvent);
      expect(got.e).toMatchObject({ seq: 1, kind: 'added', data: { room: 'quiet', by: 'omar' } });
      expect(a.server.hub.userCatchUp!.recovered).toBe(1);
      expect(reader.frames.filter((f) => f.t === Op.UserEvent)).toHaveLength(1);
    } finally {
      reader.ws.terminate();
      await stop();
    }
  });
});
