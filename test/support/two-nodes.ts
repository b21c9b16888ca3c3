// Two Parley nodes sharing one PostgreSQL schema and one Redis prefix, as the several-nodes deployment
// runs them: what every cross-node suite starts before its tests and tears down after them.
import type { Config } from '@parley/server';
import { afterAll, beforeAll } from 'vitest';
import { REDIS_URL, uniquePrefix } from './redis.js';
import { dropStorage, freshStorage, startNode, type TestNode } from './server.js';

/**
 * Registers, in the calling suite, a beforeAll that starts node a then node b (short presence and
 * catch-up timers, so cross-node effects show within a test's patience; `overrides` on top) and hands
 * them to `started`, and an afterAll that stops both and drops their schema. Vitest runs afterAll hooks
 * in reverse order, so a suite's own afterAll registered after this call (closing its clients) runs first.
 */
export function twoNodesOverRedis(overrides: Partial<Config>, started: (a: TestNode, b: TestNode) => void): void {
  const storage = freshStorage('postgres');
  const config: Partial<Config> = { redisUrl: REDIS_URL, redisPrefix: uniquePrefix(), presenceTtlMs: 1500, catchUpMs: 200, ...overrides };
  const nodes: TestNode[] = [];
  beforeAll(async () => {
    nodes.push(await startNode('postgres', config, storage));
    nodes.push(await startNode('postgres', config, storage));
    started(nodes[0]!, nodes[1]!);
  });
  afterAll(async () => {
    for (const node of nodes) await node.stop();
    await dropStorage(storage);
  });
}
