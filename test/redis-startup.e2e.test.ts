// REDIS_URL at start-up, with the real server binary: a malformed URL stops the process with a clear
// message; an unreachable Redis does not stop it: it is not ready (and says why) but serves, delivering
// from storage, and joins Redis once it is up.
import { ChatClient } from '@parley/sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { freePort, startProcess, type ServerProcess } from './support/process.js';
import { redisAvailable } from './support/redis.js';
import { TEST_SECRET, userToken } from './support/server.js';
import { PrivateRedis } from './support/services.js';
import { until } from './support/until.js';

const available = await redisAvailable(); // redis-server is needed to bring Redis up late

describe('REDIS_URL at start-up', () => {
  const dirs: string[] = [];
  const env = (redisUrl: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-redis-start-'));
    dirs.push(dir);
    return { PARLEY_PORT: '0', PARLEY_HOST: '127.0.0.1', PARLEY_DATA_DIR: dir, PARLEY_JWT_SECRET: TEST_SECRET, REDIS_URL: redisUrl, PARLEY_CATCHUP_MS: '200' };
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test.each(['localhost:6379', 'http://cache:6379'])('a malformed REDIS_URL (%s) stops the process with a clear message', async (url) => {
    await expect(startProcess(env(url))).rejects.toThrow(/exited with 2[\s\S]*REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  test.skipIf(!available)('Redis down at start: the node serves from storage, then joins Redis when it comes up', async () => {
    const redis = new PrivateRedis();
    redis.port = await freePort(); // nothing listens there yet
    let server: ServerProcess | undefined;
    const clients: ChatClient[] = [];
    try {
      server = await startProcess({ ...env(redis.url), PARLEY_LOG_LEVEL: 'warn' });
      await until(() => /redis connection lost; retrying/.test(server!.output()));
      expect(server.output()).toMatch(/REDIS_URL is set without DATABASE_URL/); // this node runs on its embedded store
      const http = `http://127.0.0.1:${server.port}`;
      const unready = await fetch(`${http}/readyz`);
      expect(unready.status).toBe(503);
      expect(JSON.stringify(await unready.json())).toMatch(/broker unreachable: .*redis is not connected/);
      const url = `ws://127.0.0.1:${server.port}/ws`;
      const [alice, bob] = [new ChatClient({ url, token: userToken('alice'), WebSocket }), new ChatClient({ url, token: userToken('bob'), WebSocket })];
      clients.push(alice, bob);
      await Promise.all([alice.connect(), bob.connect()]);
      const [ra, rb] = [await alice.join('lobby'), await bob.join('lobby')];
      const got: string[] = [];
      rb.on('message', ({ event }) => got.push(event.body!));

      await ra.send('while redis is down'); // stored; delivered by the node's catch-up from storage
      await until(() => got.includes('while redis is down'));

      await redis.start();
      await until(() => /redis reachable again/.test(server!.output()));
      await until(async () => (await fetch(`${http}/readyz`)).status === 200);
      await ra.send('after redis is up');
      await until(() => got.includes('after redis is up'));
      expect(got).toEqual(['while redis is down', 'after redis is up']);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await server?.stop();
      await redis.kill();
    }
    // A process start on the embedded store, a Redis start and two catch-ups: slow on a busy machine.
  }, 60_000);
});
