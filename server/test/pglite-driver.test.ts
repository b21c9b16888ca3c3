// The embedded driver runs PGlite in a worker thread: a long statement leaves the event loop free for
// every socket, while statements, transactions and errors behave exactly as they did in-process.
import { Op } from '@parley/sdk/protocol';
import jwt from 'jsonwebtoken';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../test/support/raw-client.js';
import { configWith } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { startServer, type ParleyServer } from '../src/server.js';
import { openPglite, SqlStore, StoreUnavailableError, type Sql } from '../src/store/index.js';
import { isUnavailable, sqlState, UNIQUE_VIOLATION } from '../src/store/sql.js';

const SECRET = 'pglite-driver-test-secret-of-32-bytes-or-more';

describe('the embedded driver', () => {
  let dir: string;
  let sql: Sql;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-pglite-'));
    sql = await openPglite({ dataDir: join(dir, 'db'), schema: 'public' });
    await sql.exec('CREATE TABLE notes (id serial PRIMARY KEY, body text UNIQUE)');
  });
  afterAll(async () => {
    await sql?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the event loop turning while a statement runs', async () => {
    let turns = 0;
    let sleeping = true;
    const tick = (): void => {
      turns++;
      if (sleeping) setImmediate(tick);
    };
    setImmediate(tick);
    await sql.query('SELECT pg_sleep(0.5)');
    const during = turns;
    sleeping = false;
    // In-process, the WebAssembly held the thread for the whole sleep: not one turn went by.
    expect(during).toBeGreaterThan(10);
  });

  it('answers a refused statement with its SQLSTATE and constraint', async () => {
    await sql.query('INSERT INTO notes (body) VALUES ($1)', ['twice']);
    const err = await sql.query('INSERT INTO notes (body) VALUES ($1)', ['twice']).catch((e: unknown) => e);
    expect(sqlState(err)).toBe(UNIQUE_VIOLATION);
    expect(err).toMatchObject({ constraint: 'notes_body_key', message: expect.stringMatching(/duplicate key/) });
    expect(isUnavailable(err)).toBe(false);
    expect(sqlState(await sql.query('SELECT * FROM no_such_table').catch((e: unknown) => e))).toBe('42P01');
  });

  it('commits a transaction whole and rolls a failed one back whole', async () => {
    await sql.transaction(async (tx) => {
      await tx.query('INSERT INTO notes (body) VALUES ($1)', ['kept-1']);
      await tx.query('INSERT INTO notes (body) VALUES ($1)', ['kept-2']);
    });
    const thrown = new Error('changed my mind');
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO notes (body) VALUES ($1)', ['dropped-1']);
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    const refused = await sql
      .transaction(async (tx) => {
        await tx.query('INSERT INTO notes (body) VALUES ($1)', ['dropped-2']);
        await tx.query('INSERT INTO notes (body) VALUES ($1)', ['kept-1']);
      })
      .catch((e: unknown) => e);
    expect(sqlState(refused)).toBe(UNIQUE_VIOLATION);
    const rows = await sql.query<{ body: string }>(`SELECT body FROM notes WHERE body LIKE 'kept-%' OR body LIKE 'dropped-%' ORDER BY id`);
    expect(rows.map((r) => r.body)).toEqual(['kept-1', 'kept-2']);
  });

  it('runs a statement issued during a transaction after that transaction, as PGlite did in-process', async () => {
    let outside: Promise<unknown> | undefined;
    await sql.transaction(async (tx) => {
      await tx.query('INSERT INTO notes (body) VALUES ($1)', ['order-1']);
      outside = sql.query('INSERT INTO notes (body) VALUES ($1)', ['order-3']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await tx.query('INSERT INTO notes (body) VALUES ($1)', ['order-2']);
    });
    await outside;
    const rows = await sql.query<{ body: string }>(`SELECT body FROM notes WHERE body LIKE 'order-%' ORDER BY id`);
    expect(rows.map((r) => r.body)).toEqual(['order-1', 'order-2', 'order-3']);
  });

  it('runs with the page cache it was given, 32MB unless told', async () => {
    expect(await sql.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '32MB' }]);
    const small = await openPglite({ dataDir: 'memory://', schema: 'public', sharedBuffers: '16MB' });
    try {
      expect(await small.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
    } finally {
      await small.close();
    }
  });

  it('returns int8 as numbers, jsonb parsed and timestamps as dates, as before', async () => {
    const [row] = await sql.query<{ n: number; j: unknown; at: Date }>(`SELECT (2::int8 ^ 40)::int8 AS n, '{"a":[1,"x"]}'::jsonb AS j, now() AS at`);
    expect(row).toMatchObject({ n: 2 ** 40, j: { a: [1, 'x'] } });
    expect(row!.at).toBeInstanceOf(Date);
  });
});

describe('the embedded store on a server', () => {
  let dir: string;
  let sql: Sql;
  let server: ParleyServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-pglite-server-'));
    sql = await openPglite({ dataDir: join(dir, 'db') });
    const store = new SqlStore(sql);
    server = await startServer(configWith({ host: '127.0.0.1', port: 0, jwtSecret: SECRET, rooms: ['lobby'], drainTimeoutMs: 1000 }), {
      store,
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await server?.close();
    await sql?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers another connection’s pings while a slow statement holds the database', async () => {
    const token = jwt.sign({ sub: 'pinger', name: 'Pinger' }, SECRET, { algorithm: 'HS256', expiresIn: 600 });
    const client = await RawClient.signedIn(`ws://127.0.0.1:${server.port}/ws`, token);
    const order: string[] = [];
    const slow = sql.query('SELECT pg_sleep(1.5)').then(() => order.push('slow statement'));
    for (let i = 0; i < 3; i++) {
      await client.ok({ t: Op.Ping });
      order.push(`ping ${i}`);
    }
    await slow;
    expect(order).toEqual(['ping 0', 'ping 1', 'ping 2', 'slow statement']);
    client.ws.terminate();
  });

  it('fails statements as unavailable once the database is closed, and close flushes what was written', async () => {
    const store = new SqlStore(sql);
    const room = await store.createRoom({ id: 'kept', name: 'kept', kind: 'public', owner: null, creator: { id: 'parley', name: 'Parley' }, members: [] });
    await server.close();
    await store.close();
    await expect(store.getRoom('kept')).rejects.toBeInstanceOf(StoreUnavailableError);
    const reopened = await openPglite({ dataDir: join(dir, 'db') });
    try {
      const rows = await reopened.query<{ id: string; head_seq: number }>('SELECT id, head_seq FROM rooms WHERE id = $1', ['kept']);
      expect(rows).toEqual([{ id: 'kept', head_seq: room.room.head }]);
    } finally {
      await reopened.close();
    }
  });
});
