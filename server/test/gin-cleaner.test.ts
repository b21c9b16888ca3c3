// The PostgreSQL store merges its search indexes' pending lists off the append path: the search
// indexer's rounds leave their entries in GIN's pending lists (search_texts, migration 20), and the
// indexer folds them into the indexes after its rounds, while searches keep finding the messages
// throughout. The log itself has no GIN index any more: an append never waits for one.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPg, SqlStore, type Sql } from '../src/store/index.js';
import { PG_URL, pgReachable } from './support/pg.js';

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

  /** Entries waiting in the pending lists of the search table's GIN indexes. */
  const pending = async () => {
    const rows = await admin.query<{ n: number }>(
      `SELECT coalesce(sum((public.pgstatginindex(c.oid)).pending_tuples), 0)::int AS n
         FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am a ON a.oid = c.relam
         JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE a.amname = 'gin' AND t.relname = $2 AND n.nspname = $1`,
      [schema, table],
    );
    return rows[0]!.n;
  };
  const table = 'search_texts';

  it('merges what appends left pending within a few rounds, and search finds the messages before and after', async () => {
    const room = `room-${randomBytes(4).toString('hex')}`;
    await store.createRoom({ id: room, name: room, kind: 'public', owner: null, creator: { id: 'parley', name: 'Parley' }, members: [] });
    // The indexer's round takes a turn's rows into the pending lists and its merge then empties
    // them: the lists are watched all along, so the moment between the two is seen.
    let peak = 0;
    let appending = true;
    const watching = (async () => {
      while (appending) peak = Math.max(peak, await pending());
    })();
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from({ length: 400 }, (_, i) => {
          const n = round * 400 + i;
          return store.append({ room, kind: 'msg', by: 'ana', name: 'Ana', cid: `c${n}`, body: `note ${n} about the harbour lighthouse and its keeper, written on a windy day` });
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 300));
    appending = false;
    await watching;
    expect(peak).toBeGreaterThan(0);
    const hits = async () => (await store.search({ user: 'ana', words: ['lighthouse', 'keeper'], limit: 5 })).rows.length;
    expect(await hits()).toBe(5);
    const until = Date.now() + 5000;
    while ((await pending()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await pending()).toBe(0);
    expect(await hits()).toBe(5);
  });

  it('leaves no GIN index on the log', async () => {
    const rows = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = $1 AND tablename = 'events' AND indexdef LIKE '%USING gin%'`,
      [schema],
    );
    expect(rows[0]!.n).toBe(0);
  });
});
