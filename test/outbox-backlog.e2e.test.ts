// A client cut off from a real node keeps calling room.send(), comes back and keeps sending: with the
// SDK's default options and the server's default rate limits, its backlog must drain with every
// message stored once, in the client's call order per room, and the server must never have had to
// refuse a frame (rate_limited) or close the connection for flooding (4006).
import { ChatClient, type SendAck } from '@parley/sdk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { scrape } from './support/prometheus.js';
import { postgresAvailable, startNode, userToken, type TestNode } from './support/server.js';
import { TcpProxy } from './support/tcp-proxy.js';

const BACKLOG = 500;
const ROOMS = ['backlog-a', 'backlog-b'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const available = await postgresAvailable();

describe.skipIf(!available)('outbox backlog against a real node with default limits', () => {
  let node: TestNode;
  let network: TcpProxy;

  beforeAll(async () => {
    node = await startNode('postgres', { rooms: ['lobby', ...ROOMS] });
    network = new TcpProxy(node.server.port);
    await network.start();
  });
  afterAll(async () => {
    await network?.cut();
    await node?.destroy();
  });

  test(`drains a ${BACKLOG}-message backlog over two rooms in call order, never refused`, { timeout: 180_000 }, async () => {
    const url = `ws://127.0.0.1:${network.port}/ws`;
    const client = new ChatClient({ url, token: userToken('backlogger'), WebSocket }); // the SDK's defaults
    const connectedAt: number[] = [];
    client.on('state', ({ newState }) => newState === 'connected' && connectedAt.push(Date.now()));
    await client.connect();
    expect(client.limits).toMatchObject({ sendRate: 10, frameRate: 50 }); // the defaults, as the welcome announces them
    const rooms = await Promise.all(ROOMS.map((id) => client.join(id)));
    const called = new Map<string, string[]>(ROOMS.map((id) => [id, []]));
    const acks: Promise<SendAck>[] = [];
    let acked = 0;
    let lastAckAt = 0;
    let n = 0;
    const send = () => {
      const room = rooms[Math.floor(Math.random() * rooms.length)]!;
      const body = `m${++n}`;
      called.get(room.id)!.push(body);
      acks.push(room.send(body).then((ack) => (acked++, (lastAckAt = Date.now()), ack)));
    };
    const before = await scrape(`${node.http}/metrics`);

    try {
      // A little traffic, then the network goes while the app keeps sending.
      for (let i = 0; i < 10; i++, await sleep(200)) send();
      await network.cut();
      for (let i = 10; i < BACKLOG; i++) {
        send();
        if (i % 50 === 0) await sleep(100);
      }
      expect(acked).toBeLessThanOrEqual(10);
      await network.start();
      const backAt = Date.now();
      // Back: the app goes on at 5 messages a second for 10 s while the backlog drains.
      for (let i = 0; i < 50; i++, await sleep(200)) send();
      await Promise.all(acks);
      const reconnectedAt = connectedAt.at(-1)!;
      console.log(
        `[outbox-backlog] ${n} messages, ${BACKLOG} of them queued while cut off; after the network was back: ` +
          `reconnected in ${reconnectedAt - backAt} ms, every message acknowledged ${lastAckAt - reconnectedAt} ms after the reconnect`,
      );

      for (const id of ROOMS) {
        const page = await client.room(id)!.history({ limit: 200 });
        const stored = [...page.events];
        while (stored.length < called.get(id)!.length + 1) {
          const older = await client.room(id)!.history({ before: stored[0]!.seq, limit: 200 });
          if (!older.events.length) break;
          stored.unshift(...older.events);
        }
        expect(stored.filter((e) => e.kind === 'msg').map((e) => e.body)).toEqual(called.get(id));
      }
      const after = await scrape(`${node.http}/metrics`);
      const delta = (name: string, labels: Record<string, string>) => (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);
      expect(delta('parley_errors_total', { code: 'rate_limited' })).toBe(0);
      expect(delta('parley_ws_closes_total', { code: '4006' })).toBe(0);
    } finally {
      await client.close();
    }
  });
});
