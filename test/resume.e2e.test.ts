// Delivery guarantees end to end with the SDK: forced disconnects and a server restart lose nothing,
// duplicate nothing and keep the order, compared against the stored log.
import { ChatClient, type RoomEvent } from '@parley/sdk';
import { CloseCode } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { freePort, startProcess } from './support/process.js';
import { RawClient } from './support/raw-client.js';
import { dropStorage, freshStorage, GUEST_SECRET, postgresAvailable, startNode, TEST_SECRET, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

/** A `ws` WebSocket whose instances the test can reach, to cut connections the way a network would. */
function trackedSockets() {
  const open = new Set<WebSocket>();
  class Tracked extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      open.add(this);
      this.on('close', () => open.delete(this));
    }
  }
  return { WebSocket: Tracked, cut: () => open.forEach((ws) => ws.terminate()) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects the bodies of `msg` events in delivery order. */
function collect(client: ChatClient, room: string): RoomEvent[] {
  const got: RoomEvent[] = [];
  client.on('message', ({ room: r, event }) => r.id === room && got.push(event));
  return got;
}

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe.each(kinds)('resume and delivery (%s)', (kind) => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode(kind, { sendRate: 1000, frameRate: 1000 });
  });
  afterAll(async () => {
    await node?.destroy();
  });

  const client = (sub: string, WS: typeof WebSocket = WebSocket) =>
    new ChatClient({ url: node.url, token: userToken(sub), WebSocket: WS, reconnect: { minDelayMs: 20, maxDelayMs: 200 } });

  test('a reader cut off repeatedly while another user keeps sending gets every message once, in order', async () => {
    const room = `resume-${kind}`;
    const sender = client('sender');
    const net = trackedSockets();
    const reader = client('reader', net.WebSocket as typeof WebSocket);
    await sender.connect();
    await reader.connect();
    const sroom = await sender.createRoom({ kind: 'public', id: room });
    await reader.join(room);
    const got = collect(reader, room);
    const total = 300;
    const acks: number[] = [];
    const sending = (async () => {
      for (let i = 0; i < total; i++) {
        acks.push((await sroom.send(`n${i}`)).seq);
        if (i % 10 === 0) await sleep(2);
      }
    })();
    let reconnects = 0;
    reader.on('state', ({ newState }) => newState === 'connected' && reconnects++);
    const cutAt: number[] = [];
    // Cut at points of the stream rather than at times, which a loaded machine would stretch.
    for (let cut = 1; cut <= 5; cut++) {
      await until(() => acks.length >= cut * 45, `${cut * 45} acks before cut ${cut}`);
      cutAt.push(acks.length);
      net.cut();
    }
    await sending;
    // The cuts really happened mid-stream, and the reader really came back each time.
    expect(cutAt.some((n) => n > 0 && n < total)).toBe(true);
    await until(() => got.length >= total, `${total} messages (have ${got.length})`);
    await sleep(100); // anything extra (a duplicate) would arrive now
    const bodies = got.map((e) => e.body);
    expect(bodies).toEqual(Array.from({ length: total }, (_, i) => `n${i}`)); // none lost, none twice, in order
    const seqs = got.map((e) => e.seq);
    expect(seqs).toEqual([...acks]);
    expect(reconnects).toBeGreaterThanOrEqual(1);
    const stored = await node.server.store.history(room, { after: 0, limit: 1000 });
    expect(stored.events.filter((e) => e.kind === 'msg').map((e) => e.seq)).toEqual(seqs);
    await sender.close();
    await reader.close();
  });

  test('messages sent while offline are queued and stored exactly once after reconnecting', async () => {
    const room = `outbox-${kind}`;
    const net = trackedSockets();
    const writer = client('offline-writer', net.WebSocket as typeof WebSocket);
    await writer.connect();
    const r = await writer.createRoom({ kind: 'public', id: room });
    const states: string[] = [];
    writer.on('state', ({ newState }) => states.push(newState));
    net.cut();
    const sends = Array.from({ length: 5 }, (_, i) => r.send(`queued ${i}`));
    const acks = await Promise.all(sends);
    expect(states).toContain('reconnecting');
    expect(new Set(acks.map((a) => a.id)).size).toBe(5);
    const stored = await node.server.store.history(room, { after: 0, limit: 100 });
    const bodies = stored.events.filter((e) => e.kind === 'msg').map((e) => e.body);
    expect(bodies.sort()).toEqual(['queued 0', 'queued 1', 'queued 2', 'queued 3', 'queued 4']);
    await writer.close();
  });
});

describe.each(kinds)('restart of the server process (%s)', (kind) => {
  test('SIGTERM drains with 4007; after a restart on the same storage, history is intact and clients resume', async () => {
    const storage = freshStorage(kind);
    const port = await freePort();
    const env: Record<string, string> = {
      PARLEY_HOST: '127.0.0.1',
      PARLEY_PORT: String(port),
      PARLEY_JWT_SECRET: TEST_SECRET,
      PARLEY_GUEST_SECRET: GUEST_SECRET,
      ...(storage.dataDir ? { PARLEY_DATA_DIR: storage.dataDir } : {}),
      ...(storage.databaseUrl ? { DATABASE_URL: storage.databaseUrl, PARLEY_DB_SCHEMA: storage.dbSchema! } : {}),
    };
    let server = await startProcess(env);
    const url = `ws://127.0.0.1:${port}/ws`;
    const mk = (sub: string) => new ChatClient({ url, token: userToken(sub), WebSocket, reconnect: { minDelayMs: 100, maxDelayMs: 500 } });
    const a = mk('before-restart');
    const b = mk('across-restart');
    try {
      await a.connect();
      await b.connect();
      const ra = await a.join('lobby');
      await b.join('lobby');
      const got = collect(b, 'lobby');
      const closes: number[] = [];
      b.on('state', ({ newState }) => newState === 'reconnecting' && closes.push(1));
      for (let i = 0; i < 20; i++) await ra.send(`before ${i}`);
      await until(() => got.length === 20, 'pre-restart delivery');
      const raw = await RawClient.signedIn(url, userToken('raw-observer'));
      expect(await server.stop()).toBe(0); // graceful drain exits cleanly
      expect((await raw.closed).code).toBe(CloseCode.Reconnect);
      await until(() => closes.length > 0, 'the SDK client to notice the drain and start reconnecting');
      server = await startProcess(env);
      // The outbox holds this send until the node is back.
      for (let i = 0; i < 20; i++) await ra.send(`after ${i}`);
      await until(() => got.length === 40, 'post-restart delivery');
      expect(got.map((e) => e.body)).toEqual([...Array.from({ length: 20 }, (_, i) => `before ${i}`), ...Array.from({ length: 20 }, (_, i) => `after ${i}`)]);
      const fresh = mk('after-restart');
      await fresh.connect();
      const page = await (await fresh.join('lobby')).history({ limit: 100 });
      const bodies = page.events.filter((e) => e.kind === 'msg').map((e) => e.body);
      expect(bodies.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => `before ${i}`));
      expect(bodies).toHaveLength(40);
      await fresh.close();
    } finally {
      await a.close();
      await b.close();
      await server.stop();
      await dropStorage(storage);
    }
  }, 60_000); // two process starts: on a busy machine each can take several seconds
});

