// The PostgreSQL store merges its search indexes' pending lists off the append path: appends leave
// their entries in GIN's pending list (the appender's own limit is far above what they write here),
// and the store's cleaner folds them into the index within a few of its rounds, while searches keep
// finding the messages throughout. At a trickle of appends the merges come about once a second, not every look.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPg, SqlStore, type Sql } from '../src/store/index.js';
import { PG_URL, pgReachable } from './pg-reachable.js';

describe.skipIf(!(await pgReachable('the GIN cleaner suite')))('the search indexes of the PostgreSQL store', () => {
  const schema = `parley_gin_${randomBytes(4).toString('hex')}`;
  let sql: Sql;
  let store: SqlStore;
  const admin = openPg({ url: PG_URL, schema: 'public' });

  beforeAll(async () => {
    await admin.exec('CREATE EXTENSION IF NOT EXISTS pgstattuple SCHEMA public');
    sql = openPg({ url: PG_URL, schema });
    store = new SqlStore(sql);
    await store.init();
  });
  afterAll(async () => {
    await store?.close();
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  /** Entries waiting in the pending lists of the log's GIN indexes. */
  const pending = async () => {
    const rows = await admin.query<{ n: number }>(
      `SELECT coalesce(sum((public.pgstatginindex(c.oid)).pending_tuples), 0)::int AS n
         FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am a ON a.oid = c.relam
         JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE a.amname = 'gin' AND t.relname = 'events' AND n.nspname = $1`,
      [schema],
    );
    return rows[0]!.n;
  };

  it('merges what appends left pending within a few rounds, and search finds the messages before and after', async () => {
    const room = `room-${randomBytes(4).toString('hex')}`;
    await store.createRoom({ id: room, name: room, kind: 'public', owner: null, creator: { id: 'parley', name: 'Parley' }, members: [] });
    // Appends of one turn share a batch: the pending list fills faster than one 100 ms round empties it.
    let peak = 0;
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from({ length: 400 }, (_, i) => {
          const n = round * 400 + i;
          return store.append({ room, kind: 'msg', by: 'ana', name: 'Ana', cid: `c${n}`, body: `note ${n} about the harbour lighthouse and its keeper, written on a windy day` });
        }),
      );
      peak = Math.max(peak, await pending());
    }
    expect(peak).toBeGreaterThan(0);
    const hits = async () => (await store.search({ user: 'ana', words: ['lighthouse', 'keeper'], limit: 5 })).rows.length;
    expect(await hits()).toBe(5);
    const until = Date.now() + 5000;
    while ((await pending()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await pending()).toBe(0);
    expect(await hits()).toBe(5);
  });

  it('at a trickle of appends, merges a round of them after about a second rather than every 100 ms', async () => {
    const room = `room-${randomBytes(4).toString('hex')}`;
    await store.createRoom({ id: room, name: room, kind: 'public', owner: null, creator: { id: 'parley', name: 'Parley' }, members: [] });
    const settle = Date.now() + 5000;
    while ((await pending()) > 0 && Date.now() < settle) await new Promise((r) => setTimeout(r, 50));
    expect(await pending()).toBe(0);
    // A few short messages, far below what calls for a merge at the next look: they wait in the list.
    const sent = Date.now();
    for (let i = 0; i < 3; i++) await store.append({ room, kind: 'msg', by: 'ana', name: 'Ana', cid: `t${i}`, body: `quiet note ${i} about the lighthouse` });
    await new Promise((r) => setTimeout(r, 400));
    // The cleaner can only be later than its schedule on a busy machine, never earlier.
    if (Date.now() - sent < 900) expect(await pending()).toBeGreaterThan(0);
    const until = Date.now() + 5000;
    while ((await pending()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await pending()).toBe(0);
    expect((await store.search({ user: 'ana', words: ['quiet', 'lighthouse'], limit: 5 })).rows.length).toBe(3);
  });
});
