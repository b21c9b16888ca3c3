// Web Push on two nodes over the shared Redis and PostgreSQL: both sign with the one VAPID key kept
// in the store, and a direct message stored on one node is pushed only once the recipient has no
// connection on any node (their connection on the other node counts).
import { Op } from '@parley/sdk/protocol';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { StandInPushService } from './support/push-service.js';
import { RawClient } from './support/raw-client.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './support/redis.js';
import { dropStorage, freshStorage, postgresAvailable, startNode, userToken, type TestNode } from './support/server.js';
import { opensslAvailable, selfSignedCert } from './support/tls.js';
import { until } from './support/until.js';

const available = (await postgresAvailable()) && (await redisAvailable()) && opensslAvailable();

describe.skipIf(!available)('Web Push on two nodes over Redis', () => {
  const storage = freshStorage('postgres');
  let a: TestNode;
  let b: TestNode;
  let push: StandInPushService;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    const cert = selfSignedCert();
    writeFileSync(join(cert.dir, 'ca.pem'), cert.ca);
    push = await StandInPushService.start(cert);
    const config = {
      redisUrl: REDIS_URL,
      redisPrefix: uniquePrefix(),
      presenceTtlMs: 1500,
      catchUpMs: 200,
      outboundAllow: ['127.0.0.1'],
      outboundCa: join(cert.dir, 'ca.pem'),
    };
    // Started at once: the first to store the key pair wins, the other reads it.
    [a, b] = await Promise.all([startNode('postgres', config, storage), startNode('postgres', config, storage)]);
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await a?.stop();
    await b?.stop();
    await dropStorage(storage);
    await push?.close();
  });

  const signIn = async (node: TestNode, user: string) => {
    const c = await RawClient.signedIn(node.url, userToken(user));
    clients.push(c);
    return c;
  };

  test('both nodes announce the same key, and a connection on the other node holds the push back', async () => {
    const welcomeKey = async (node: TestNode) => {
      const c = await RawClient.open(node.url);
      clients.push(c);
      return (await c.request({ t: Op.Hello, v: 1, token: userToken('keys') })).pushKey as string;
    };
    const key = await welcomeKey(a);
    expect(key).toMatch(/^[\w-]{87}$/);
    expect(await welcomeKey(b)).toBe(key);

    const alice = await signIn(a, 'alice');
    const bob = await signIn(b, 'bob');
    const sub = push.subscription();
    await bob.ok({ t: Op.PushSubscribe, endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth });
    const { room } = await alice.ok({ t: Op.RoomCreate, kind: 'dm', members: ['bob'] });

    // Bob is on node B only; node A, which stores the message, must not push.
    await until(async () => (await a.server.hub.announcer.states(['bob'])).get('bob') !== 'offline');
    await alice.ok({ t: Op.Send, room: room.id, cid: 'while-there', body: 'still there?' });
    await a.server.hub.notifications!.settled();
    expect(push.received).toEqual([]);

    bob.ws.close();
    await until(async () => (await a.server.hub.announcer.states(['bob'])).get('bob') === 'offline');
    await alice.ok({ t: Op.Send, room: room.id, cid: 'gone', body: 'see you tomorrow' });
    await push.waitFor(1);
    expect(push.problems).toEqual([]);
    expect(push.received[0]!.vapidKey).toBe(key);
    expect(JSON.parse(push.received[0]!.text)).toMatchObject({ kind: 'dm', room: room.id, text: 'see you tomorrow' });
  });
});
