// With no PARLEY_GUEST_SECRET, the generated guest secret lives in the store: guest tokens survive a
// restart, and every node of one database (even nodes started at the same moment) accepts them.
import { Op } from '@parley/sdk/protocol';
import jwt from 'jsonwebtoken';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { dropStorage, freshStorage, postgresAvailable, startNode, type TestNode } from './support/server.js';

const onPostgres = await postgresAvailable();

async function guestToken(node: TestNode, name: string): Promise<string> {
  const res = await fetch(`${node.http}/v1/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** Signs in with `token` and says who the server thinks it is; throws with the error code when refused. */
async function signIn(node: TestNode, token: string): Promise<string> {
  const c = await RawClient.open(node.url);
  const reply = await c.request({ t: Op.Hello, v: 1, token });
  c.ws.terminate();
  if (reply.t !== Op.Welcome) throw new Error(String(reply.code));
  return (reply.user as { name: string }).name;
}

describe.skipIf(!onPostgres)('the generated guest secret on PostgreSQL', () => {
  const storage = freshStorage('postgres');
  const nodes: TestNode[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await dropStorage(storage);
  });

  test('two nodes started at once on one database accept each other\'s guest tokens', async () => {
    const [a, b] = await Promise.all([startNode('postgres', { guestSecret: undefined }, storage), startNode('postgres', { guestSecret: undefined }, storage)]);
    nodes.push(a, b);
    expect(await signIn(b, await guestToken(a, 'From A'))).toBe('From A');
    expect(await signIn(a, await guestToken(b, 'From B'))).toBe('From B');
  }, 120_000);

  test('a guest token survives a restart of every node', async () => {
    const token = await guestToken(nodes[0]!, 'Survivor');
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    const restarted = await startNode('postgres', { guestSecret: undefined }, storage);
    nodes.push(restarted);
    expect(await signIn(restarted, token)).toBe('Survivor');
  }, 120_000);
});

describe('the generated guest secret on the embedded store', () => {
  const storage = freshStorage('pglite');
  let node: TestNode | undefined;
  afterAll(async () => {
    await node?.stop();
    await dropStorage(storage);
  });

  test('a secret file left in the data directory by an earlier version moves into the store: its tokens stay valid', async () => {
    const old = 'an-older-version-wrote-this-secret-of-43-chars';
    writeFileSync(join(storage.dataDir!, 'guest-secret'), old);
    const issuedBefore = jwt.sign({ iss: 'parley:guest', sub: 'guest:AAAAAAAAAAAAAAAAAAAAAA', name: 'Old timer' }, old, { algorithm: 'HS256', expiresIn: 600 });
    node = await startNode('pglite', { guestSecret: undefined }, storage);
    expect(await signIn(node, issuedBefore)).toBe('Old timer');
    expect(existsSync(join(storage.dataDir!, 'guest-secret'))).toBe(false);
    const token = await guestToken(node, 'Newcomer');
    await node.stop();
    node = await startNode('pglite', { guestSecret: undefined }, storage);
    expect(await signIn(node, token)).toBe('Newcomer');
    expect(await signIn(node, issuedBefore)).toBe('Old timer');
  }, 120_000);
});
