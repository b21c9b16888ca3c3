// PostgreSQL goes away mid-session: sends are answered `unavailable`, the SDK keeps them, HTTP reads
// answer 503, and once the database is back every message is stored exactly once, including one whose
// commit went through while its answer was lost (`unavailable` means the outcome is unknown).
// The node says so in its log: once when the outage begins (warn), once when it ends (info).
import { ChatClient } from '@parley/sdk';
import { createLogger } from '@parley/server';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, Op } from '@parley/sdk/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { PG_URL, postgresAvailable, userToken, type TestNode } from './support/server.js';
import { until } from './support/until.js';
import { startNodeBehindProxy, type NodeBehindProxy, type TcpProxy } from './support/tcp-proxy.js';

const available = await postgresAvailable();

describe.skipIf(!available)('storage outage (postgres)', () => {
  let proxy: TcpProxy;
  let node: TestNode;
  let behind: NodeBehindProxy;
  // The node's JSON log lines, as an operator's log shipper would read them from stderr.
  const logDir = mkdtempSync(join(tmpdir(), 'parley-outage-log-'));
  const logFile = join(logDir, 'node.jsonl');
  const logFd = openSync(logFile, 'w');
  const logLines = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>);

  beforeAll(async () => {
    behind = await startNodeBehindProxy({}, createLogger({ level: 'info', fd: logFd }));
    ({ node, proxy } = behind);
  });
  afterAll(async () => {
    await behind?.destroy();
    closeSync(logFd);
    rmSync(logDir, { recursive: true, force: true });
  });

  test('sends during the outage fail clearly, then the outbox stores each exactly once', async () => {
    const client = new ChatClient({ url: node.url, token: userToken('patient'), WebSocket });
    const raw = await RawClient.signedIn(node.url, userToken('observer'));
    try {
      await client.connect();
      const lobby = await client.join('lobby');
      await raw.ok({ t: Op.Join, room: 'lobby' });
      await lobby.send('before');

      await proxy.cut();
      const reply = await raw.request({ t: Op.Send, room: 'lobby', cid: 'outage-1', body: 'lost?' });
      expect(reply).toMatchObject({ t: Op.Error, code: ErrorCode.Unavailable });
      const http = await fetch(`${node.http}/v1/rooms`, { headers: { authorization: `Bearer ${userToken('observer')}` } });
      expect(http.status).toBe(503);
      expect(((await http.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      const pending = [lobby.send('during 1'), lobby.send('during 2')];
      await new Promise((r) => setTimeout(r, 1500)); // the outbox retries against the outage meanwhile
      await proxy.start();

      const acks = await Promise.all(pending);
      expect(acks.every((a) => !a.duplicate)).toBe(true);
      const retried = await raw.ok({ t: Op.Send, room: 'lobby', cid: 'outage-1', body: 'lost?' });
      expect(retried.duplicate).toBe(false); // the failed attempt stored nothing
      const page = await lobby.history({ limit: 50 });
      const bodies = page.events.filter((e) => e.kind === 'msg').map((e) => e.body);
      expect(bodies.filter((b) => b === 'during 1')).toHaveLength(1);
      expect(bodies.filter((b) => b === 'during 2')).toHaveLength(1);
      expect(bodies.indexOf('during 1')).toBeLessThan(bodies.indexOf('during 2'));
      const seqs = page.events.map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i)); // no hole from the failed writes

      // Many requests failed during the outage; the log has one line for it and one for its end.
      const store = logLines().filter((l) => l.component === 'store');
      expect(store.map((l) => [l.level, l.msg])).toEqual([
        ['warn', 'storage unreachable: requests that need it answer `unavailable` until it is back'],
        ['info', 'storage reachable again'],
      ]);
      expect(store[0]!.reason).toMatch(/database unavailable: .+/);
      expect(store[1]!.downMs).toBeGreaterThanOrEqual(1500);
    } finally {
      await client.close();
      raw.ws.terminate();
    }
  });

  test('a send whose commit succeeded but whose answer was lost is unavailable, and its retry finds the one stored message', async () => {
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    const storedWith = async (cid: string) =>
      (await db.query<{ seq: number }>(`SELECT seq::int FROM "${node.config.dbSchema}".events WHERE cid = $1`, [cid])).rows;
    const raw = await RawClient.signedIn(node.url, userToken('unlucky'));
    const client = new ChatClient({ url: node.url, token: userToken('unlucky'), WebSocket });
    try {
      await raw.ok({ t: Op.Join, room: 'lobby' });
      await client.connect();
      const lobby = await client.join('lobby');

      // The database stores the message, then the connection to it breaks before the answer arrives.
      proxy.loseReplies();
      const reply = raw.request({ t: Op.Send, room: 'lobby', cid: 'commit-lost', body: 'stored or not?' });
      await until(async () => (await storedWith('commit-lost')).length === 1);
      await proxy.cut();
      expect(await reply).toMatchObject({ t: Op.Error, code: ErrorCode.Unavailable });
      expect((await reply).message).toMatch(/may or may not have been stored/);
      await proxy.start();

      const retried = await raw.ok({ t: Op.Send, room: 'lobby', cid: 'commit-lost', body: 'stored or not?' });
      expect(retried).toMatchObject({ duplicate: true, seq: (await storedWith('commit-lost'))[0]!.seq });
      expect(await storedWith('commit-lost')).toHaveLength(1);

      // The same through the SDK: its outbox retries with the same cid and reports the stored message.
      proxy.loseReplies();
      const sending = lobby.send('sent once, acknowledged once');
      let cid = '';
      await until(async () => {
        const { rows } = await db.query<{ cid: string }>(`SELECT cid FROM "${node.config.dbSchema}".events WHERE body = $1`, ['sent once, acknowledged once']);
        return !!(cid = rows[0]?.cid ?? '');
      });
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 500)); // the outbox meets the outage at least once
      await proxy.start();
      const ack = await sending;
      expect(ack).toMatchObject({ cid, duplicate: true });
      expect(await storedWith(cid)).toHaveLength(1);
    } finally {
      await client.close();
      raw.ws.terminate();
      await db.end();
    }
  });
});
