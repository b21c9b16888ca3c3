// Liveness and readiness on real nodes: /readyz fails with a JSON reason when PostgreSQL (behind a cut
// proxy) or the broker cannot be reached, and first of all when the node drains; /healthz stays up.
import { ChatClient } from '@parley/sdk';
import { configWith, LocalBroker, silentLogger, startServer, type ParleyServer } from '@parley/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { dropStorage, freshStorage, GUEST_SECRET, postgresAvailable, startNode, TEST_SECRET, userToken } from './support/server.js';
import { scrape } from './support/prometheus.js';
import { RawClient } from './support/raw-client.js';
import { redisAvailable, uniquePrefix } from './support/redis.js';
import { PrivateRedis } from './support/services.js';
import { until } from './support/until.js';
import { startNodeBehindProxy, type NodeBehindProxy } from './support/tcp-proxy.js';

interface Readiness {
  ready: boolean;
  reason?: string;
  checks: { store: string; broker: string };
}

async function readyz(base: string): Promise<{ status: number; body: Readiness; retryAfter: string | null }> {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness, retryAfter: res.headers.get('retry-after') };
}

/** Polls until `pred` holds for /readyz (a dependency's failure is noticed on the next check). */
async function readyzUntil(base: string, pred: (r: Awaited<ReturnType<typeof readyz>>) => boolean) {
  for (let i = 0; i < 100; i++) {
    const r = await readyz(base);
    if (pred(r)) return r;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('/readyz never reached the expected state');
}

/** The in-process broker with a switch that makes it unreachable (or silent) for readiness. */
class SwitchableBroker extends LocalBroker {
  mode: 'up' | 'down' | 'silent' = 'up';
  override ping(): Promise<void> {
    if (this.mode === 'down') return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    if (this.mode === 'silent') return new Promise(() => {});
    return Promise.resolve();
  }
}

describe('/healthz and /readyz', () => {
  let server: ParleyServer;
  let base: string;
  const broker = new SwitchableBroker();
  const storage = freshStorage('pglite');

  beforeAll(async () => {
    const config = configWith({ host: '127.0.0.1', port: 0, jwtSecret: TEST_SECRET, guests: true, guestSecret: GUEST_SECRET, ...storage });
    server = await startServer(config, { log: silentLogger, broker });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await dropStorage(storage);
  });

  test('ready with both checks when the store and the broker answer', async () => {
    const r = await readyz(base);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ready: true, checks: { store: 'ok', broker: 'ok' } });
  });

  test('503 with the reason while the broker is unreachable, ready again once it is back; /healthz stays 200', async () => {
    broker.mode = 'down';
    try {
      const r = await readyz(base);
      expect(r.status).toBe(503);
      expect(r.retryAfter).toBe('1');
      expect(r.body).toMatchObject({ ready: false, reason: 'broker unreachable: connect ECONNREFUSED 127.0.0.1:6379', checks: { store: 'ok' } });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      broker.mode = 'up';
    }
    expect((await readyz(base)).status).toBe(200);
  });

  test('503 when the broker does not answer within the check timeout', async () => {
    broker.mode = 'silent';
    try {
      const r = await readyz(base);
      expect(r.status).toBe(503);
      expect(r.body.reason).toBe('broker unreachable: no answer within 2000 ms');
    } finally {
      broker.mode = 'up';
    }
  });

  test.each(['POST', 'DELETE'])('%s /readyz and /healthz answer 405', async (method) => {
    for (const path of ['/readyz', '/healthz']) expect((await fetch(base + path, { method })).status, path).toBe(405);
  });
});

describe('draining (in process)', () => {
  test('/readyz reports draining at once while the node keeps serving for PARLEY_DRAIN_DELAY_MS, then it stops', async () => {
    const node = await startNode('pglite', { drainDelayMs: 1500 });
    const client = new ChatClient({ url: node.url, token: userToken('drain-user'), WebSocket, reconnect: false });
    try {
      await client.connect();
      const lobby = await client.join('lobby');
      expect((await readyz(node.http)).status).toBe(200);
      const closed = node.server.close();
      expect(node.server.draining).toBe(true);
      const r = await readyz(node.http);
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ ready: false, reason: 'draining' });
      expect((await fetch(`${node.http}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`${node.http}/metrics`)).text();
      expect(metrics).toMatch(/^parley_draining 1$/m);
      // Still serving during the delay: a message is stored and acked.
      const ack = await lobby.send('sent while draining');
      expect(ack.seq).toBeGreaterThan(0);
      await closed;
      await expect(RawClient.open(node.url)).rejects.toThrow(/ECONNREFUSED/); // the port is closed
    } finally {
      await client.close();
      await node.destroy();
    }
  }, 60_000); // a node start and a full drain
});

const pgUp = await postgresAvailable();

describe.skipIf(!pgUp)('/readyz with PostgreSQL behind a cut proxy', () => {
  let behind: NodeBehindProxy;

  beforeAll(async () => {
    behind = await startNodeBehindProxy();
  });
  afterAll(async () => {
    await behind?.destroy();
  });

  test('503 "store unreachable" during the outage, 200 again after it', async () => {
    const { node, proxy } = behind;
    expect((await readyz(node.http)).status).toBe(200);
    await proxy.cut();
    const down = await readyz(node.http);
    expect(down.status).toBe(503);
    expect(down.body.ready).toBe(false);
    expect(down.body.reason).toMatch(/^store unreachable: /);
    expect(down.body.checks.broker).toBe('ok');
    expect((await fetch(`${node.http}/healthz`)).status).toBe(200); // alive: restarting it would not help
    await proxy.start();
    await readyzUntil(node.http, (r) => r.status === 200);
  });
});

const redisUp = await redisAvailable(); // redis-server runs the private Redis

describe.skipIf(!redisUp)('/readyz and broker metrics when Redis goes away mid-session', () => {
  test('503 "broker unreachable" while Redis is down; ready again and one reconnect counted after it returns', async () => {
    const redis = new PrivateRedis();
    await redis.start();
    const node = await startNode('pglite', { redisUrl: redis.url, redisPrefix: uniquePrefix() });
    const metrics = () => scrape(`${node.http}/metrics`);
    try {
      await until(async () => (await readyz(node.http)).status === 200);
      expect((await metrics()).value('parley_broker_reconnects_total')).toBe(0);

      await redis.kill();
      const down = await readyzUntil(node.http, (r) => r.status === 503);
      expect(down.body).toMatchObject({ ready: false, checks: { store: 'ok' } });
      expect(down.body.reason).toMatch(/^broker unreachable: /);

      await redis.start(); // same port
      await readyzUntil(node.http, (r) => r.status === 200);
      await until(async () => (await metrics()).value('parley_broker_reconnects_total') === 1);
    } finally {
      await node.destroy();
      await redis.kill();
    }
  }, 60_000);
});
