// The search indexer (migration 20, ADR 0028): search_texts is fed after the commit from a snapshot
// watermark. Checked on a real PostgreSQL: a backlog left while no round could run (another session
// holding the indexer's lock, then the store closed) is caught up by the next store that opens, each
// message once; deletes take rows out, in the same round as their message or a later one; searches
// find unindexed messages all along; the migration carries the messages stored before it over. The
// embedded store runs the same indexer: a smaller check there.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/store/migrate.js';
import { migrations } from '../src/store/migrations.js';
import { roundDue, SEARCH_INDEX_BUSY_MS, UNINDEXED } from '../src/store/search-indexer.js';
import { openPg, openPglite, SqlStore, type Sql } from '../src/store/index.js';
import { PG_URL, pgReachable } from './support/pg.js';

const hex = () => randomBytes(4).toString('hex');
const ANA = { id: 'ana', name: 'Ana' };

async function newRoom(store: SqlStore): Promise<string> {
  const room = `room-${hex()}`;
  await store.createRoom({ id: room, name: room, kind: 'public', owner: null, creator: ANA, members: [] });
  return room;
}

const say = async (store: SqlStore, room: string, body: string) =>
  (await store.append({ room, kind: 'msg', by: ANA.id, name: ANA.name, cid: `c-${hex()}`, body })).event;
const remove = (store: SqlStore, room: string, seq: number) => store.append({ room, kind: 'delete', by: ANA.id, name: ANA.name, data: { target: seq } });
const found = async (store: SqlStore, words: string[], limit = 50) => (await store.search({ user: ANA.id, words, limit })).rows.map((r) => r.seq);

/** What search_texts holds, and what it should hold: every msg of the log that still has its text. */
async function tables(sql: Sql) {
  const indexed = await sql.query<{ k: string }>(`SELECT room_id || '/' || seq AS k FROM search_texts ORDER BY 1`);
  const expected = await sql.query<{ k: string }>(`SELECT room_id || '/' || seq AS k FROM events WHERE kind = 'msg' AND body IS NOT NULL ORDER BY 1`);
  const [late] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM events e WHERE ${UNINDEXED}`);
  return { indexed: indexed.map((r) => r.k), expected: expected.map((r) => r.k), unindexed: late!.n };
}

async function caughtUp(sql: Sql, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while ((await tables(sql)).unindexed > 0) {
    if (Date.now() > until) throw new Error('the search indexer did not catch up');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!(await pgReachable('the search indexer suite')))('the search indexer on PostgreSQL', () => {
  const schema = `parley_idx_${hex()}`;
  const admin = openPg({ url: PG_URL, schema });
  let store: SqlStore;

  beforeAll(async () => {
    store = new SqlStore(openPg({ url: PG_URL, schema }));
    await store.init();
  });
  afterAll(async () => {
    await store?.close();
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  it('indexes new messages after the commit, each once, and a delete takes its row out', async () => {
    const room = await newRoom(store);
    const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => say(store, room, `lantern number ${i} beside the quay`)));
    await caughtUp(admin);
    let t = await tables(admin);
    expect(t.indexed).toEqual(t.expected);
    expect(t.indexed.filter((k) => k.startsWith(`${room}/`))).toHaveLength(50);

    await remove(store, room, sent[7]!.seq);
    await caughtUp(admin);
    t = await tables(admin);
    expect(t.indexed).toEqual(t.expected);
    expect(t.indexed).not.toContain(`${room}/${sent[7]!.seq}`);
    const [gone] = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM search_texts WHERE body LIKE '%number 7 %'`);
    expect(gone!.n).toBe(0);
    expect(await found(store, ['lantern'], 100)).toHaveLength(49);

    // An edit: found by its new text (the projection's index, kept in the commit), not by the first.
    await store.append({ room, kind: 'edit', by: ANA.id, name: ANA.name, body: 'a brass compass instead', data: { target: sent[8]!.seq } });
    await caughtUp(admin);
    expect(await found(store, ['compass'])).toEqual([sent[8]!.seq]);
    expect(await found(store, ['lantern'], 100)).toHaveLength(48);
  });

  it('catches up a backlog left while no round could run, after a restart, with searches exact throughout', async () => {
    const room = await newRoom(store);
    // Another session holds the indexer's lock: every round of this store gives way, as to another node's.
    const lockSql = openPg({ url: PG_URL, schema });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    const holder = lockSql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`parley.search_index.${schema}`]);
      locked();
      await released;
    });
    await holding;
    try {
      const rare = await say(store, room, 'the walrus sang a sea shanty');
      const doomed = await say(store, room, 'the walrus wore a hat');
      // More than the first window of a search above the rare word: it is found below the windows,
      // where only the search indexes and the unindexed events are read.
      for (let i = 0; i < 12; i++) await Promise.all(Array.from({ length: 100 }, (_, j) => say(store, room, `gull ${i}-${j} on the pier`)));
      await remove(store, room, doomed.seq);
      await new Promise((r) => setTimeout(r, 400));
      const t = await tables(admin);
      expect(t.unindexed).toBeGreaterThanOrEqual(1203);
      expect(t.indexed.filter((k) => k.startsWith(`${room}/`))).toEqual([]);
      expect(await found(store, ['walrus'])).toEqual([rare.seq]);
      expect(await found(store, ['shanty'])).toEqual([rare.seq]);
      expect(await found(store, ['gull'], 5)).toHaveLength(5);
      // The store goes away with its backlog unapplied.
      await store.close();
    } finally {
      release();
      await holder;
      await lockSql.close();
    }
    store = new SqlStore(openPg({ url: PG_URL, schema }));
    await store.init();
    await caughtUp(admin);
    const t = await tables(admin);
    expect(t.indexed).toEqual(t.expected);
    expect(t.indexed.filter((k) => k.startsWith(`${room}/`))).toHaveLength(1201);
    expect(await found(store, ['walrus'])).toHaveLength(1);
    const [copies] = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM search_texts WHERE room_id = $1`, [room]);
    expect(copies!.n).toBe(1201);
  });

  it('the migration carries the messages stored before it over, deleted ones excepted', async () => {
    const old = `parley_idx_old_${hex()}`;
    const sql = openPg({ url: PG_URL, schema: old });
    try {
      await migrate(sql, migrations.filter((m) => m.version < 20));
      await sql.exec(`
        INSERT INTO rooms (id, name, kind, head_seq) VALUES ('r', 'r', 'public', 3);
        INSERT INTO events (room_id, seq, id, kind, author, author_name, body, ts) VALUES
          ('r', 1, 'e1', 'msg', 'ana', 'Ana', 'an old otter story', 1),
          ('r', 2, 'e2', 'msg', 'ana', 'Ana', NULL, 2),
          ('r', 3, 'e3', 'join', 'ana', 'Ana', NULL, 3);
      `);
      expect(await migrate(sql)).toContain(20);
      const t = await tables(sql);
      expect(t.indexed).toEqual(['r/1']);
      expect(t.unindexed).toBe(0);
      const [gin] = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = $1 AND tablename = 'events' AND indexdef LIKE '%USING gin%'`,
        [old],
      );
      expect(gin!.n).toBe(0);
    } finally {
      await sql.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${old} CASCADE`);
    }
  });
  it('migration 22 moves the walks to the search table: rows keep their event\'s id, author and time, the log its own indexes only', async () => {
    const old = `parley_idx_walk_${hex()}`;
    const sql = openPg({ url: PG_URL, schema: old });
    try {
      await migrate(sql, migrations.filter((m) => m.version < 22));
      await sql.exec(`
        INSERT INTO rooms (id, name, kind, head_seq) VALUES ('r', 'r', 'public', 3), ('q', 'q', 'public', 1);
        INSERT INTO events (room_id, seq, id, kind, author, author_name, body, ts) VALUES
          ('r', 1, 'e1', 'msg', 'ana', 'Ana', 'an otter at www.example.com', 11),
          ('r', 2, 'e2', 'msg', 'bo', 'Bo', 'another otter', 12),
          ('r', 3, 'e3', 'msg', 'ana', 'Ana', 'no animals here', 13),
          ('q', 1, 'e4', 'msg', 'bo', 'Bo', 'an otter elsewhere', 14);
      `);
      // What the indexer of migration 20 would have written, watermark included.
      await sql.exec(`
        INSERT INTO search_texts (room_id, seq, body, search_body) SELECT room_id, seq, body, search_body FROM events;
        UPDATE search_watermark SET snapshot = pg_current_snapshot();
      `);
      expect(await migrate(sql)).toEqual([22]);
      const rows = await sql.query<{ room_id: string; seq: number; id: string; author: string; ts: number; search_body: string }>(
        'SELECT room_id, seq, id, author, ts::int AS ts, search_body FROM search_texts ORDER BY id',
      );
      expect(rows).toEqual([
        { room_id: 'r', seq: 1, id: 'e1', author: 'ana', ts: 11, search_body: 'an otter at www.example.com' },
        { room_id: 'r', seq: 2, id: 'e2', author: 'bo', ts: 12, search_body: 'another otter' },
        { room_id: 'r', seq: 3, id: 'e3', author: 'ana', ts: 13, search_body: 'no animals here' },
        { room_id: 'q', seq: 1, id: 'e4', author: 'bo', ts: 14, search_body: 'an otter elsewhere' },
      ]);
      const columns = await sql.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'events' AND column_name = 'search_body'`,
        [old],
      );
      expect(columns).toEqual([]);
      const walks = await sql.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE '%search%' ORDER BY 1`,
        [old],
      );
      expect(walks.map((r) => r.indexname)).toEqual([
        'messages_search_idx', 'messages_search_trgm_idx', 'search_texts_author_idx', 'search_texts_id_idx', 'search_texts_idx',
        'search_texts_link_idx', 'search_texts_pkey', 'search_texts_room_idx', 'search_texts_trgm_idx', 'search_watermark_pkey',
      ]);
      // Every walk finds the carried rows: across the log, by room, by author, by link.
      const store = new SqlStore(sql);
      const seqs = async (q: { room?: string; author?: string; hasLink?: boolean }) =>
        (await store.search({ user: 'ana', words: ['otter'], limit: 10, ...q })).rows.map((r) => `${r.room}/${r.seq}`);
      expect(await seqs({})).toEqual(['q/1', 'r/2', 'r/1']);
      expect(await seqs({ room: 'r' })).toEqual(['r/2', 'r/1']);
      expect(await seqs({ author: 'bo' })).toEqual(['q/1', 'r/2']);
      expect(await seqs({ hasLink: true })).toEqual(['r/1']);
      expect(await seqs({ hasLink: false })).toEqual(['q/1', 'r/2']);
    } finally {
      await sql.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${old} CASCADE`);
    }
  });
});

describe('the search indexer\'s cadence', () => {
  it('runs a round every tick while rounds are large, and every 100 ms otherwise', () => {
    const ticks = (busy: boolean) => {
      let last = Number.NEGATIVE_INFINITY;
      const at: number[] = [];
      for (let now = 0; now <= 400; now += SEARCH_INDEX_BUSY_MS) {
        if (!roundDue(now, last, busy)) continue;
        last = now;
        at.push(now);
      }
      return at;
    };
    expect(ticks(false)).toEqual([0, 100, 200, 300, 400]);
    expect(ticks(true)).toEqual(Array.from({ length: 400 / SEARCH_INDEX_BUSY_MS + 1 }, (_, i) => i * SEARCH_INDEX_BUSY_MS));
  });
});

describe('the search indexer on the embedded store', () => {
  let dir: string;
  let store: SqlStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-idx-'));
    store = new SqlStore(await openPglite({ dataDir: dir }));
    await store.init();
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('indexes messages after the commit and takes deleted ones out', async () => {
    const room = await newRoom(store);
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => say(store, room, `heron ${i} in the reeds`)));
    await remove(store, room, sent[3]!.seq);
    await caughtUp(store.sql);
    const t = await tables(store.sql);
    expect(t.indexed).toEqual(t.expected);
    expect(t.indexed).toHaveLength(19);
    expect(await found(store, ['heron'])).toHaveLength(19);
  });
});
