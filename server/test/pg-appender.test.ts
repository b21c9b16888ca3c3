// The PostgreSQL store's appender connection prepares its statement once per connection and runs it
// with generic plans: a batch the database refuses, a pipelined batch behind it, and a connection
// that dies and is opened again must all leave later appends working and the log gapless.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPg, SqlStore, StoreUnavailableError, type Sql } from '../src/store/index.js';
import { PG_URL, pgReachable } from './support/pg.js';

describe.skipIf(!(await pgReachable('the appender suite')))('the PostgreSQL appender connection', () => {
  const schema = `parley_appender_${randomBytes(4).toString('hex')}`;
  let sql: Sql;
  let store: SqlStore;
  const admin = openPg({ url: PG_URL, schema: 'public' });
  const room = `room-${randomBytes(4).toString('hex')}`;
  const msg = (cid: string, body = `note ${cid}`) => ({ room, kind: 'msg' as const, by: 'ana', name: 'Ana', cid, body });

  beforeAll(async () => {
    const url = new URL(PG_URL);
    url.searchParams.set('application_name', schema);
    sql = openPg({ url: url.toString(), schema });
    store = new SqlStore(sql);
    await store.init();
    await store.createRoom({ id: room, name: room, kind: 'public', owner: null, creator: { id: 'parley', name: 'Parley' }, members: [] });
  });
  afterAll(async () => {
    await store?.close();
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  it('keeps appending after the database refuses a batch, with the next batch pipelined behind it', async () => {
    const before = await store.append(msg('r0'));
    // A NUL character is refused by PostgreSQL (text cannot hold it): the whole batch fails.
    const refused = store.append(msg('r1', 'bad \u0000 body'));
    refused.catch(() => undefined);
    // Its batch starts at the end of this loop turn; one submitted after that is the next batch, sent behind it.
    await new Promise((r) => setImmediate(r));
    const behind = store.append(msg('r2'));
    await expect(refused).rejects.toThrow(/invalid byte sequence/);
    const next = await behind;
    const after = await store.append(msg('r3'));
    expect(next.event.seq).toBe(before.event.seq + 1);
    expect(after.event.seq).toBe(next.event.seq + 1);
  });

  it('prepares its statement again on a new connection after the old one died', async () => {
    const before = await store.append(msg('k0'));
    const killed = await admin.query<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%append_events%'`,
      [schema],
    );
    expect(killed.map((r) => r.ok)).toEqual([true]);
    // The first append may meet the dead connection (unavailable, nothing stored); later ones open a new one.
    let stored: number | undefined;
    for (let i = 0; i < 20 && stored === undefined; i++) {
      try {
        stored = (await store.append(msg(`k${i + 1}`))).event.seq;
      } catch (err) {
        expect(err).toBeInstanceOf(StoreUnavailableError);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(stored).toBe(before.event.seq + 1);
    const after = await store.append(msg('k-last'));
    expect(after.event.seq).toBe(stored! + 1);
  });
});
