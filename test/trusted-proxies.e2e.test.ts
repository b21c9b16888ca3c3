// PARLEY_TRUSTED_PROXIES on a real node: behind a trusted proxy each client gets its own guest
// sign-in budget (from X-Forwarded-For); from anyone else the header is ignored.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startNode, type TestNode } from './support/server.js';

const signIn = (node: TestNode, forwardedFor: string) =>
  fetch(`${node.http}/v1/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ name: 'Guest' }),
  }).then((r) => r.status);

/** The guest burst is 10 per address; the 11th in a row is refused. */
const BURST = 10;

describe('X-Forwarded-For and PARLEY_TRUSTED_PROXIES', () => {
  let trusting: TestNode;
  let untrusting: TestNode;

  beforeAll(async () => {
    // On a `::` listener IPv4 peers show up as IPv4-mapped IPv6: still matched against 127.0.0.1.
    trusting = await startNode('pglite', { host: '::', trustedProxies: ['127.0.0.1'] });
    untrusting = await startNode('pglite');
  });
  afterAll(async () => {
    await trusting?.destroy();
    await untrusting?.destroy();
  });

  test('behind a trusted proxy, each forwarded client has its own guest sign-in budget', async () => {
    for (let i = 0; i < BURST; i++) expect(await signIn(trusting, '203.0.113.7')).toBe(200);
    expect(await signIn(trusting, '203.0.113.7')).toBe(429);
    expect(await signIn(trusting, '203.0.113.8')).toBe(200); // another client behind the same proxy
    expect(await signIn(trusting, '203.0.113.7, 198.51.100.20')).toBe(200); // the proxy's own hop counts, not the client's claim
  });

  test('from a peer that is not a trusted proxy, X-Forwarded-For changes nothing', async () => {
    for (let i = 0; i < BURST; i++) expect(await signIn(untrusting, `203.0.113.${i}`)).toBe(200);
    expect(await signIn(untrusting, '203.0.113.99')).toBe(429);
  });
});
