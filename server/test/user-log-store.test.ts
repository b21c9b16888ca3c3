// Users' own logs in the store, on both implementations: room changes append their notices in the
// same transaction, seqs are gapless per user under concurrent writers, and reads resume after a seq.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPg, openPglite, SqlStore, type Sql } from '../src/store/index.js';
import type { StoredUserEvent } from '../src/store/store.js';
import { PG_URL, pgReachable } from './support/pg.js';

const uid = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

interface Backend {
  sql: Sql;
  store: SqlStore;
  observed: StoredUserEvent[];
  cleanup(): Promise<void>;
}

async function pglite(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-userlog-'));
  const sql = await openPglite({ dataDir: dir });
  return backend(sql, async () => rmSync(dir, { recursive: true, force: true }));
}

async function postgres(): Promise<Backend> {
  const schema = `parley_userlog_${randomBytes(5).toString('hex')}`;
  const sql = openPg({ url: PG_URL, schema });
  return backend(sql, async () => {
    const admin = openPg({ url: PG_URL, schema: 'public' });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });
}

async function backend(sql: Sql, drop: () => Promise<void>): Promise<Backend> {
  const store = new SqlStore(sql);
  await store.init();
  const observed: StoredUserEvent[] = [];
  store.observeUserEvents((events) => observed.push(...events));
  return { sql, store, observed, cleanup: async () => (await store.close(), await drop()) };
}

const kinds = [['PGlite', pglite] as const, ...((await pgReachable('the PostgreSQL half of the user log suite')) ? [['PostgreSQL', postgres] as const] : [])];

describe.each(kinds)('users’ own logs on %s', (_name, open) => {
  let b: Backend;
  beforeAll(async () => {
    b = await open();
  });
  afterAll(async () => {
    await b?.cleanup();
  });

  const person = (id: string) => ({ id, name: id });
  const kindsOf = async (user: string) => (await b.store.userEvents(user, 0, 100)).events.map((e) => [e.seq, e.kind, e.data]);

  it('a room created with members tells each of them (dm: the other side), in the creation transaction', async () => {
    const [alice, bob, carol] = [uid('alice'), uid('bob'), uid('carol')];
    const room = uid('room');
    await b.store.createRoom({ id: room, name: 'R', kind: 'private', owner: alice, creator: person(alice), members: [person(alice), person(bob), person(carol)] });
    expect(await kindsOf(bob)).toEqual([[1, 'added', { room, by: alice }]]);
    expect(await kindsOf(carol)).toEqual([[1, 'added', { room, by: alice }]]);
    expect(await b.store.userHead(alice)).toBe(0);
    const dm = uid('dm');
    await b.store.createRoom({ id: dm, name: '', kind: 'dm', owner: null, creator: person(alice), members: [person(alice), person(bob)] });
    expect(await kindsOf(bob)).toEqual([
      [1, 'added', { room, by: alice }],
      [2, 'dm', { room: dm, with: alice }],
    ]);
    expect(b.observed.filter((o) => o.user === bob).map((o) => o.event.seq)).toEqual([1, 2]);
  });

  it('an invite appends added, a join of one’s own appends nothing, and leaving appends removed', async () => {
    const [owner, guest, walker] = [uid('owner'), uid('guest'), uid('walker')];
    const room = uid('room');
    await b.store.createRoom({ id: room, name: 'R', kind: 'public', owner, creator: person(owner), members: [] });
    await b.store.join(room, person(guest), 'member', owner);
    await b.store.join(room, person(walker), 'member');
    await b.store.leave(room, person(guest));
    expect(await kindsOf(guest)).toEqual([
      [1, 'added', { room, by: owner }],
      [2, 'removed', { room }],
    ]);
    expect(await b.store.userHead(walker)).toBe(0);
    // Joining again as a member already there appends nothing to either log.
    expect(await b.store.join(room, person(walker), 'member', owner)).toBeNull();
    expect(await b.store.userHead(walker)).toBe(0);
  });

  it('a room change that fails leaves no notice behind', async () => {
    const user = uid('ghost');
    await expect(b.store.join(uid('no-such-room'), person(user), 'member', uid('inviter'))).rejects.toThrow();
    expect(await b.store.userHead(user)).toBe(0);
    expect(await b.store.userEvents(user, 0, 10)).toEqual({ events: [], more: false });
  });

  it('concurrent writers give one user gapless seqs, each notice once', async () => {
    const user = uid('busy');
    const others = [uid('x'), uid('y')];
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        b.store.notifyUsers([
          { user, kind: 'mention', data: { room: 'r', seq: i } },
          { user: others[i % 2]!, kind: 'mention', data: { room: 'r', seq: i } },
        ]),
      ),
    );
    const { events } = await b.store.userEvents(user, 0, 100);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.data.seq)).size).toBe(30);
    expect(new Set(events.map((e) => e.id)).size).toBe(30);
    expect(await b.store.userHead(others[0]!)).toBe(15);
    expect(await b.store.userHead(user)).toBe(30);
  });

  it('reads pages after a seq, saying when more follow', async () => {
    const user = uid('pager');
    await b.store.notifyUsers(Array.from({ length: 5 }, (_, i) => ({ user, kind: 'mention', data: { room: 'r', seq: i + 1 } })));
    const first = await b.store.userEvents(user, 1, 2);
    expect(first.events.map((e) => e.seq)).toEqual([2, 3]);
    expect(first.more).toBe(true);
    const last = await b.store.userEvents(user, 3, 2);
    expect(last).toMatchObject({ more: false });
    expect(last.events.map((e) => e.seq)).toEqual([4, 5]);
    await expect(b.store.userEvents(user, 0, 0)).rejects.toBeInstanceOf(RangeError);
  });

  it('signs a user in with where their log stands: 0 for someone new, the head for someone with notices', async () => {
    const fresh = { id: uid('newcomer'), name: 'Newcomer', guest: true };
    expect(await b.store.signIn(fresh)).toEqual({ user: fresh, logHead: 0 });
    expect(await b.store.getUser(fresh.id)).toEqual(fresh);
    // A returning user keeps the stored record, whatever the token says, and sees their head.
    await b.store.notifyUsers(Array.from({ length: 3 }, (_, i) => ({ user: fresh.id, kind: 'mention', data: { room: 'r', seq: i + 1 } })));
    expect(await b.store.signIn({ ...fresh, name: 'Other', guest: false })).toEqual({ user: fresh, logHead: 3 });
    expect(await b.store.userHead(fresh.id)).toBe(3);
  });

  it('signs in a storm of hellos with one statement: new and known users, one twice, each with their own head', async () => {
    const known = { id: uid('known'), name: 'Known', guest: false };
    await b.store.signIn(known);
    await b.store.notifyUsers([{ user: known.id, kind: 'mention', data: { room: 'r', seq: 1 } }]);
    const fresh = Array.from({ length: 20 }, (_, i) => ({ id: uid(`storm${i}`), name: `Storm ${i}`, guest: i % 2 === 0 }));
    const twice = { id: uid('twice'), name: 'First', guest: false };
    const spy = vi.spyOn(b.sql, 'query');
    try {
      const out = await Promise.all([...fresh, { ...known, name: 'Renamed' }, twice, { ...twice, name: 'Second' }].map((u) => b.store.signIn(u)));
      const signIns = spy.mock.calls.filter(([text]) => /INSERT INTO users/.test(text));
      expect(signIns).toHaveLength(1);
      expect(out.slice(0, 20)).toEqual(fresh.map((user) => ({ user, logHead: 0 })));
      // The stored record wins over what the token says; a user twice in one batch is inserted once, with the first name.
      expect(out[20]).toEqual({ user: known, logHead: 1 });
      expect(out[21]).toEqual({ user: twice, logHead: 0 });
      expect(out[22]).toEqual({ user: twice, logHead: 0 });
    } finally {
      spy.mockRestore();
    }
    for (const u of fresh) expect(await b.store.getUser(u.id)).toEqual(u);
  });

  it('fails only the sign-in the database refuses, not the others batched with it', async () => {
    const good = Array.from({ length: 3 }, (_, i) => ({ id: uid(`fine${i}`), name: `Fine ${i}`, guest: false }));
    // PostgreSQL refuses a NUL character in text: the whole statement fails on it.
    const bad = { id: `${uid('nul')}\u0000`, name: 'Nul', guest: false };
    const out = await Promise.allSettled([good[0]!, bad, good[1]!, good[2]!].map((u) => b.store.signIn(u)));
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    for (const u of good) expect(await b.store.getUser(u.id)).toEqual(u);
  });
});
