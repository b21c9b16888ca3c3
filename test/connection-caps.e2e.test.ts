// Caps on open connections, on real nodes: per client address (the upgrade is refused with 429; the
// address as resolved with PARLEY_TRUSTED_PROXIES) and per user (limit_reached, then close 4008).
import { ChatClient, LimitReachedError, type ParleyError } from '@parley/sdk';
import { CloseCode, ErrorCode, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { startNode, userToken, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('connections per client address', () => {
  let proxied: TestNode;
  let direct: TestNode;
  const sockets: RawClient[] = [];
  const open = async (node: TestNode, headers: Record<string, string> = {}) => {
    const c = await RawClient.open(node.url, headers);
    sockets.push(c);
    return c;
  };

  beforeAll(async () => {
    // The test talks to `proxied` as its reverse proxy would: from 127.0.0.1, naming the client.
    proxied = await startNode('pglite', { connectionsPerIp: 5, trustedProxies: ['127.0.0.1'] });
    direct = await startNode('pglite', { connectionsPerIp: 5 });
  });
  afterAll(async () => {
    for (const c of sockets) c.ws.terminate();
    await proxied?.destroy();
    await direct?.destroy();
  });

  test('an address gets its cap of sockets, the next upgrade is refused with 429, and a closed socket frees a place', async () => {
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await open(proxied, from('203.0.113.1')));
    await expect(open(proxied, from('203.0.113.1'))).rejects.toThrow(/upgrade refused: 429/);
    // Another client behind the same proxy has a budget of its own.
    const neighbour = await open(proxied, from('203.0.113.2'));
    await neighbour.request({ t: Op.Hello, v: PROTOCOL_VERSION, token: userToken('neighbour') });
    await mine[0]!.close();
    await until(async () => {
      try {
        await open(proxied, from('203.0.113.1'));
        return true;
      } catch {
        return false;
      }
    }, 5000);
  });

  test('a burst of simultaneous upgrades from one address never gets past the cap', async () => {
    const attempts = await Promise.allSettled(Array.from({ length: 30 }, () => open(proxied, from('203.0.113.9'))));
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(5);
    for (const a of attempts) if (a.status === 'rejected') expect(String(a.reason)).toMatch(/429/);
  });

  test('without a trusted proxy, X-Forwarded-For does not buy more sockets', async () => {
    for (let i = 0; i < 5; i++) await open(direct, from(`198.51.100.${i}`));
    await expect(open(direct, from('198.51.100.200'))).rejects.toThrow(/upgrade refused: 429/);
  });
});

describe('connections per user', () => {
  let node: TestNode;
  const sockets: RawClient[] = [];
  const signIn = async (sub: string) => {
    const c = await RawClient.signedIn(node.url, userToken(sub));
    sockets.push(c);
    return c;
  };

  beforeAll(async () => {
    node = await startNode('pglite', { connectionsPerUser: 3 });
  });
  afterAll(async () => {
    for (const c of sockets) c.ws.terminate();
    await node?.destroy();
  });

  test('a user with a few tabs chats as usual; one tab more gets limit_reached and close 4008; others still connect', async () => {
    const tabs = [await signIn('tabby'), await signIn('tabby'), await signIn('tabby')];
    for (const tab of tabs) await tab.ok({ t: Op.Join, room: 'lobby' });
    const ack = await tabs[0]!.ok({ t: Op.Send, room: 'lobby', cid: 'tabs-1', body: 'three tabs' });
    for (const tab of tabs) await tab.next((f) => f.t === Op.Event && (f.e as { id: string }).id === ack.id);

    const extra = await RawClient.open(node.url);
    sockets.push(extra);
    const reply = await extra.request({ t: Op.Hello, v: PROTOCOL_VERSION, token: userToken('tabby') });
    expect(reply).toMatchObject({ t: Op.Error, code: ErrorCode.LimitReached, message: expect.stringMatching(/already has 3 connections/) });
    expect((await extra.closed).code).toBe(CloseCode.TooManyConnections);

    await signIn('someone-else');
    await tabs[2]!.close();
    await until(async () => {
      const again = await RawClient.open(node.url);
      sockets.push(again);
      return (await again.request({ t: Op.Hello, v: PROTOCOL_VERSION, token: userToken('tabby') })).t === Op.Welcome;
    }, 5000);
  });

  test('the SDK reports 4008 once and waits long before trying again, instead of hammering', async () => {
    const full = [await signIn('busy'), await signIn('busy'), await signIn('busy')];
    const client = new ChatClient({ url: node.url, token: userToken('busy'), WebSocket, reconnect: { minDelayMs: 10, maxDelayMs: 20 } });
    const errors: ParleyError[] = [];
    client.on('error', ({ error }) => errors.push(error));
    const connecting = client.connect();
    connecting.catch(() => undefined);
    await until(() => errors.length > 0, 5000);
    await new Promise((r) => setTimeout(r, 1500)); // dozens of attempts at the configured 10-20 ms backoff
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(LimitReachedError);
    expect(client.state).toBe('connecting');
    await client.close();
    expect(full.every((c) => c.ws.readyState === WebSocket.OPEN)).toBe(true);
  });
});
