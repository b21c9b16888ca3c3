// The Store contract, run against both implementations: embedded PGlite (temp dir) and a real
// PostgreSQL (a throwaway schema), plus what only one of them can show: persistence, several nodes, outages.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdTime } from '../src/ids.js';
import {
  migrate,
  migrations,
  openPg,
  openPglite,
  openStore,
  RoomLimitError,
  RoomNotFoundError,
  SqlStore,
  StoreUnavailableError,
  type AppendInput,
  type AppendResult,
  type Sql,
} from '../src/store/index.js';

const PG_URL = process.env.DATABASE_URL || 'postgres://127.0.0.1:5432/test';
const pgUp = await canReach(PG_URL);

if (!pgUp && !process.env.CI) {
  console.warn(
    [
      '',
      '#'.repeat(78),
      `#  PostgreSQL is NOT reachable at ${PG_URL}`,
      '#  The PostgreSQL half of the store suite is SKIPPED. Only PGlite was tested.',
      '#  Start PostgreSQL or set DATABASE_URL; with CI set, this is a failure.',
      '#'.repeat(78),
      '',
    ].join('\n'),
  );
}

const SERVER = { id: 'parley', name: 'Parley' };

function uid(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

function testSchema(): string {
  return `parley_test_${randomBytes(5).toString('hex')}`;
}

async function canReach(url: string): Promise<boolean> {
  const sql = openPg({ url, schema: 'public', connectTimeoutMs: 3000 });
  try {
    await sql.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await sql.close();
  }
}

async function makeRoom(store: SqlStore, kind: 'public' | 'private' | 'dm' = 'public'): Promise<string> {
  const id = uid('room');
  await store.createRoom({ id, name: id, kind, owner: null, creator: SERVER, members: [] });
  return id;
}

function msg(room: string, i: number, extra: Partial<AppendInput> = {}): AppendInput {
  return { room, kind: 'msg', by: `user-${i % 7}`, name: `User ${i % 7}`, cid: `c${i}`, body: `message ${i}`, ...extra };
}

/** Every event of a room, ascending, read through the public paging API. */
async function wholeLog(store: SqlStore, room: string) {
  const events = [];
  let after = 0;
  for (;;) {
    const page = await store.history(room, { after, limit: 200 });
    events.push(...page.events);
    if (!page.more) return events;
    after = page.events.at(-1)!.seq;
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Backend {
  store: SqlStore;
  sql: Sql;
}

/** The behaviour both implementations must share. */
function storeContract(backend: () => Backend): void {
  const store = () => backend().store;

  it('applies migrations once and finds nothing to do the second time', async () => {
    const { sql } = backend();
    await store().init();
    expect(await migrate(sql)).toEqual([]);
    const rows = await sql.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
  });

  it('answers ping', async () => {
    await expect(store().ping()).resolves.toBeUndefined();
  });

  it('stores a shared setting once: later calls get the first value', async () => {
    const name = uid('setting');
    expect(await store().sharedSetting(name, 'first')).toBe('first');
    expect(await store().sharedSetting(name, 'second')).toBe('first');
  });

  it('creates a room with a room event then a join per member, owner first', async () => {
    const alice = { id: uid('alice'), name: 'Alice' };
    const bob = { id: uid('bob'), name: 'Bob' };
    const id = uid('room');
    const { room, created, events } = await store().createRoom({
      id,
      name: 'Ops',
      kind: 'private',
      owner: alice.id,
      creator: alice,
      members: [bob, alice, bob],
    });
    expect(created).toBe(true);
    expect(room).toEqual({ id, name: 'Ops', kind: 'private', owner: alice.id, head: 3, members: 2 });
    expect(events.map((e) => [e.seq, e.kind, e.by, e.name, e.data])).toEqual([
      [1, 'room', alice.id, 'Alice', { name: 'Ops', kind: 'private' }],
      [2, 'join', alice.id, 'Alice', undefined],
      [3, 'join', bob.id, 'Bob', { inviter: alice.id }],
    ]);
    expect((await store().history(id, { limit: 10 })).events).toEqual(events);
    expect(await store().getRoom(id)).toEqual(room);
    expect(await store().getMember(id, alice.id)).toEqual({ role: 'owner' });
    expect(await store().getMember(id, bob.id)).toEqual({ role: 'member' });
  });

  it('returns the existing room unchanged when the id is taken', async () => {
    const alice = { id: uid('alice'), name: 'Alice' };
    const id = uid('dm');
    const first = await store().createRoom({ id, name: 'dm', kind: 'dm', owner: null, creator: alice, members: [alice] });
    const again = await store().createRoom({ id, name: 'other', kind: 'public', owner: 'x', creator: SERVER, members: [SERVER] });
    expect(again).toEqual({ room: first.room, created: false, events: [] });
    expect(await store().getRoom(id)).toEqual({ id, name: 'dm', kind: 'dm', owner: null, head: 2, members: 1 });
  });

  it('creates a server room with only its room event', async () => {
    const id = uid('lobby');
    const { room, events } = await store().createRoom({ id, name: 'Lobby', kind: 'public', owner: null, creator: SERVER, members: [] });
    expect(room).toEqual({ id, name: 'Lobby', kind: 'public', owner: null, head: 1, members: 0 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ room: id, seq: 1, kind: 'room', by: 'parley', name: 'Parley', data: { name: 'Lobby', kind: 'public' } });
  });

  it('joins once, with the inviter when given, and answers null to a repeated join', async () => {
    const id = await makeRoom(store());
    const bob = { id: uid('bob'), name: 'Bob' };
    const carol = { id: uid('carol'), name: 'Carol' };
    const joined = await store().join(id, bob, 'member');
    expect(joined).toMatchObject({ room: id, seq: 2, kind: 'join', by: bob.id, name: 'Bob' });
    expect(joined!.data).toBeUndefined();
    expect(await store().join(id, bob, 'owner')).toBeNull();
    expect(await store().getMember(id, bob.id)).toEqual({ role: 'member' });
    const invited = await store().join(id, carol, 'member', bob.id);
    expect(invited).toMatchObject({ seq: 3, kind: 'join', by: carol.id, data: { inviter: bob.id } });
    expect(await store().getRoom(id)).toMatchObject({ head: 3, members: 2 });
  });

  it('leaves once and answers null when not a member', async () => {
    const id = await makeRoom(store());
    const bob = { id: uid('bob'), name: 'Bob' };
    await store().join(id, bob, 'member');
    expect(await store().leave(id, bob)).toMatchObject([{ seq: 3, kind: 'leave', by: bob.id, name: 'Bob' }]);
    expect(await store().leave(id, bob)).toEqual([]);
    expect(await store().getMember(id, bob.id)).toBeNull();
    expect(await store().getRoom(id)).toMatchObject({ head: 3, members: 0 });
  });

  it('renames a room with a room event', async () => {
    const id = await makeRoom(store());
    const alice = { id: uid('alice'), name: 'Alice' };
    const event = await store().renameRoom(id, 'Renamed', alice);
    expect(event).toMatchObject({ room: id, seq: 2, kind: 'room', by: alice.id, name: 'Alice', data: { name: 'Renamed' } });
    expect(await store().getRoom(id)).toMatchObject({ name: 'Renamed', head: 2 });
  });

  it('reads the head seqs of several rooms in one call, leaving out unknown ones', async () => {
    const [x, y] = [await makeRoom(store()), await makeRoom(store())];
    await Promise.all([0, 1, 2].map((i) => store().append(msg(x, i))));
    const heads = await store().heads([x, y, uid('missing')]);
    expect([...heads].sort()).toEqual([[x, 4], [y, 1]].sort());
    expect(await store().heads([])).toEqual(new Map());
  });

  it('rejects changes to a room that does not exist', async () => {
    const ghost = uid('ghost');
    const bob = { id: uid('bob'), name: 'Bob' };
    await expect(store().join(ghost, bob, 'member')).rejects.toBeInstanceOf(RoomNotFoundError);
    await expect(store().leave(ghost, bob)).rejects.toBeInstanceOf(RoomNotFoundError);
    await expect(store().renameRoom(ghost, 'x', bob)).rejects.toBeInstanceOf(RoomNotFoundError);
    await expect(store().append(msg(ghost, 1))).rejects.toBeInstanceOf(RoomNotFoundError);
    expect(await store().getRoom(ghost)).toBeNull();
    expect(await store().history(ghost, { limit: 10 })).toEqual({ events: [], more: false });
  });

  it('keeps an existing user name on ensureUser and changes it with setUserName', async () => {
    const user = { id: uid('guest'), name: 'First', guest: true };
    expect(await store().ensureUser(user)).toEqual(user);
    expect(await store().ensureUser({ ...user, name: 'Second', guest: false })).toEqual(user);
    expect(await store().setUserName(user.id, 'Renamed')).toEqual({ ...user, name: 'Renamed' });
    expect(await store().getUser(user.id)).toEqual({ ...user, name: 'Renamed' });
    expect(await store().getUser(uid('nobody'))).toBeNull();
    const fresh = { id: uid('racer'), name: 'Racer', guest: false };
    const raced = await Promise.all(range(1, 10).map((i) => store().ensureUser({ ...fresh, name: `Racer ${i}` })));
    expect(new Set(raced.map((u) => u.name)).size).toBe(1);
  });

  it('ensures several users in one call: known ones keep their record, new ones are named by their id', async () => {
    const known = { id: uid('known'), name: 'Known', guest: true };
    await store().ensureUser(known);
    const a = uid('new');
    const b = uid('new');
    expect(await store().ensureUsers([a, known.id, b, a])).toEqual([
      { id: a, name: a, guest: false },
      known,
      { id: b, name: b, guest: false },
      { id: a, name: a, guest: false },
    ]);
    expect(await store().getUser(b)).toEqual({ id: b, name: b, guest: false });
    expect(await store().ensureUsers([])).toEqual([]);
    const racers = range(1, 5).map(() => uid('racer'));
    const raced = await Promise.all(range(1, 5).map(() => store().ensureUsers(racers)));
    // Whoever lost the race to insert them still answers with the stored records.
    for (const r of raced) expect(r).toEqual(racers.map((id) => ({ id, name: id, guest: false })));
  });

  it('lists members with their names and roles, owner first', async () => {
    const alice = { id: uid('alice'), name: 'Alice' };
    const bob = { id: uid('bob'), name: 'Bob' };
    const id = uid('room');
    await store().ensureUser({ ...alice, guest: false });
    await store().createRoom({ id, name: 'r', kind: 'private', owner: alice.id, creator: alice, members: [bob] });
    // Bob never connected, so he has no user record: his id stands in for his name.
    expect(await store().listMembers(id)).toEqual([
      { user: alice.id, name: 'Alice', role: 'owner' },
      { user: bob.id, name: bob.id, role: 'member' },
    ]);
    expect(await store().listMembers(uid('ghost'))).toEqual([]);
  });

  it('lists public rooms, the server’s first and then by id, and a user’s rooms with the role', async () => {
    const alice = { id: uid('alice'), name: 'Alice' };
    const pub = uid('a-pub');
    const priv = uid('a-priv');
    const house = uid('z-house');
    await store().createRoom({ id: pub, name: 'pub', kind: 'public', owner: alice.id, creator: alice, members: [] });
    await store().createRoom({ id: priv, name: 'priv', kind: 'private', owner: null, creator: SERVER, members: [alice] });
    await store().createRoom({ id: house, name: 'house', kind: 'public', owner: null, creator: SERVER, members: [], server: true });
    const { rooms: all, next } = await store().listPublicRooms(100_000);
    expect(next).toBeUndefined();
    const ids = all.map((r) => r.id);
    expect(ids).toContain(pub);
    expect(ids).not.toContain(priv);
    expect(all.every((r) => r.kind === 'public')).toBe(true);
    // Rooms the server made come first, however their ids sort.
    const servers = ids.indexOf(house);
    expect(ids.indexOf(pub)).toBeGreaterThan(servers);
    expect(ids.slice(servers + 1)).toEqual([...ids.slice(servers + 1)].sort());
    // Page by page, every room once, in the same order.
    const paged: string[] = [];
    let after;
    do {
      const page = await store().listPublicRooms(2, after);
      expect(page.rooms.length).toBeLessThanOrEqual(2);
      paged.push(...page.rooms.map((r) => r.id));
      after = page.next;
    } while (after);
    expect(paged).toEqual(ids);
    expect((await store().listUserRooms(alice.id)).rooms).toEqual([
      { id: pub, name: 'pub', kind: 'public', owner: alice.id, head: 2, members: 1, role: 'owner' },
      { id: priv, name: 'priv', kind: 'private', owner: null, head: 2, members: 1, role: 'member' },
    ].sort((a, b) => (a.id < b.id ? -1 : 1)));
    expect((await store().listUserRooms(alice.id, 1)).rooms).toHaveLength(1);
    expect(await store().memberRoles(alice.id, [pub, priv, house])).toEqual(new Map([[pub, 'owner'], [priv, 'member']]));
  });

  it('counts the rooms a creator made against a quota, atomically, and leaves existing rooms alone', async () => {
    const maker = { id: uid('maker'), name: 'Maker' };
    await store().ensureUser({ ...maker, guest: false });
    const make = (id: string) => store().createRoom({ id, name: id, kind: 'public', owner: maker.id, creator: maker, members: [], quota: 2 });
    const ids = range(1, 6).map((i) => uid(`q${i}`));
    const outcomes = await Promise.allSettled(ids.map(make));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof RoomLimitError)).toHaveLength(4);
    const made = ids.filter((_, i) => outcomes[i]!.status === 'fulfilled');
    expect(await make(made[0]!)).toMatchObject({ created: false });
    // Leaving does not give a creation back.
    await store().leave(made[0]!, maker);
    await expect(make(uid('q7'))).rejects.toBeInstanceOf(RoomLimitError);
  });

  it('hands a room to its longest-standing member when the owner leaves, and to nobody when the last one goes', async () => {
    const [owner, first, second] = [uid('owner'), uid('first'), uid('second')].map((id) => ({ id, name: id }));
    const id = uid('room');
    await store().createRoom({ id, name: 'r', kind: 'private', owner: owner!.id, creator: owner!, members: [] });
    await store().join(id, second!, 'member');
    await store().join(id, first!, 'member');
    const events = await store().leave(id, owner!);
    expect(events.map((e) => [e.seq, e.kind, e.by, e.data])).toEqual([
      [5, 'leave', owner!.id, undefined],
      [6, 'room', owner!.id, { owner: second!.id }],
    ]);
    expect(await store().getRoom(id)).toMatchObject({ owner: second!.id, head: 6, members: 2 });
    expect(await store().getMember(id, second!.id)).toEqual({ role: 'owner' });
    expect(await store().leave(id, first!)).toHaveLength(1); // not the owner: nothing passes on
    expect(await store().leave(id, second!)).toHaveLength(1); // the last one: nobody to pass it to
    expect(await store().getRoom(id)).toMatchObject({ owner: null, members: 0 });
  });

  it('finds guests’ memberships of public rooms that began before a time', async () => {
    const guest = { id: uid('guest'), name: 'Guest' };
    const user = { id: uid('user'), name: 'User' };
    await store().ensureUser({ ...guest, guest: true });
    await store().ensureUser({ ...user, guest: false });
    const pub = await makeRoom(store());
    const priv = await makeRoom(store(), 'private');
    for (const room of [pub, priv]) for (const who of [guest, user]) await store().join(room, who, 'member');
    const mine = (list: { user: string }[]) => list.filter((m) => m.user === guest.id || m.user === user.id);
    expect(mine(await store().expiredGuestMemberships(Date.now() - 60_000, 1000))).toEqual([]);
    expect(mine(await store().expiredGuestMemberships(Date.now() + 60_000, 1000))).toEqual([{ room: pub, user: guest.id, name: 'Guest' }]);
  });

  it('stores every field of an appended event and answers with it', async () => {
    const id = await makeRoom(store());
    const before = Date.now();
    const { event, duplicate } = await store().append({ room: id, kind: 'msg', by: 'u1', name: 'U One', cid: 'abc', body: 'hi ✓', data: { n: 1, ok: true, s: 'x' } });
    expect(duplicate).toBe(false);
    expect(event).toMatchObject({ room: id, seq: 2, kind: 'msg', by: 'u1', name: 'U One', cid: 'abc', body: 'hi ✓', data: { n: 1, ok: true, s: 'x' } });
    expect(event.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(event.ts).toBeGreaterThanOrEqual(before);
    expect(eventIdTime(event.id)).toBe(event.ts);
    const bare = await store().append({ room: id, kind: 'custom', by: 'u1', name: 'U One' });
    expect(Object.keys(bare.event).sort()).toEqual(['by', 'id', 'kind', 'name', 'room', 'seq', 'ts']);
    expect((await store().history(id, { after: 1, limit: 5 })).events).toEqual([event, bare.event]);
  });

  it('keeps seq gapless and increasing under 2000 concurrent appends across rooms', async () => {
    const rooms = await Promise.all(range(1, 5).map(() => makeRoom(store())));
    const start = store().stats();
    const results = await Promise.all(range(0, 1999).map((i) => store().append(msg(rooms[i % 5]!, i))));
    const end = store().stats();
    expect(results.every((r) => !r.duplicate)).toBe(true);
    for (const room of rooms) {
      const log = await wholeLog(store(), room);
      expect(log.map((e) => e.seq)).toEqual(range(1, 401));
      // Ids are unique and, coming from one process, sort in seq order.
      const ids = log.map((e) => e.id);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
      // Within a room, seq follows the order the appends were made.
      const mine = results.filter((r) => r.event.room === room).map((r) => r.event.seq);
      expect(mine).toEqual(range(2, 401));
    }
    expect(end.appends - start.appends).toBe(2000);
    expect(end.transactions - start.transactions).toBeLessThan(20);
    expect(end.batches - start.batches).toBeLessThan(20);
  });

  it('splits a burst into batches no larger than maxBatch', async () => {
    const small = new SqlStore(backend().sql, { maxBatch: 100 });
    const room = await makeRoom(store());
    await Promise.all(range(0, 999).map((i) => small.append(msg(room, i))));
    expect(small.stats()).toMatchObject({ appends: 1000, largestBatch: 100 });
    expect(small.stats().batches).toBeGreaterThanOrEqual(10);
    expect((await wholeLog(store(), room)).map((e) => e.seq)).toEqual(range(1, 1001));
  });

  it('stores and settles appends in submission order with several batches in flight, retries included', async () => {
    const pipelined = new SqlStore(backend().sql, { maxBatch: 5, maxInFlight: 4 });
    const [a, b] = await Promise.all([makeRoom(store()), makeRoom(store())]);
    const settled: { room: string; seq: number; cid: string }[] = [];
    const pending: Promise<AppendResult>[] = [];
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 8; i++) {
        const n = turn * 8 + i;
        const input = msg(n % 2 ? a : b, n);
        pending.push(pipelined.append(input).then((r) => (settled.push({ room: input.room, seq: r.event.seq, cid: input.cid! }), r)));
      }
      // A retried send of an earlier message, in a later batch that may be in flight beside its first one.
      if (turn % 5 === 4) pending.push(pipelined.append(msg(b, turn * 8 - 8)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const results = await Promise.all(pending);
    expect(pipelined.stats().largestBatch).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.duplicate)).toHaveLength(4);
    for (const room of [a, b]) {
      const mine = settled.filter((s) => s.room === room);
      // Settled in seq order, and seq order is submission order (cids were numbered as submitted).
      expect(mine.map((s) => s.seq)).toEqual(range(2, 81)); // seq 1 is the room's creation
      expect(mine.map((s) => Number(s.cid.slice(1)))).toEqual([...mine.map((s) => Number(s.cid.slice(1)))].sort((x, y) => x - y));
      expect((await wholeLog(store(), room)).map((e) => e.seq)).toEqual(range(1, 81));
    }
  });

  it('keeps every room gapless and in submission order while appends stream in over many turns, batches pipelined at the default depth', async () => {
    // The store as the server opens it (2 batches in flight on PostgreSQL, 1 on PGlite), with appends
    // arriving a few every millisecond, so that batches start while others are in flight.
    const streamed = new SqlStore(backend().sql);
    const rooms = await Promise.all(range(1, 40).map(() => makeRoom(store())));
    const settled: { room: string; seq: number; n: number }[] = [];
    const pending: Promise<AppendResult>[] = [];
    let n = 0;
    for (let turn = 0; turn < 150; turn++) {
      for (let i = 0; i < 1 + (turn % 7) * 3; i++, n++) {
        const input = msg(rooms[(n * 7) % rooms.length]!, n);
        const k = n;
        pending.push(streamed.append(input).then((r) => (settled.push({ room: input.room, seq: r.event.seq, n: k }), r)));
      }
      // A client retrying an earlier send: the stored event comes back, nothing is stored twice.
      if (turn % 10 === 9) pending.push(streamed.append(msg(rooms[((n - 5) * 7) % rooms.length]!, n - 5)));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const results = await Promise.all(pending);
    expect(results.filter((r) => r.duplicate)).toHaveLength(15);
    // Several batches, so (on PostgreSQL) many overlapped; PGlite's one session takes longer per batch.
    expect(streamed.stats().batches).toBeGreaterThan(backend().sql.driver === 'pg' ? 10 : 1);
    for (const room of rooms) {
      const mine = settled.filter((s) => s.room === room);
      // Settled in seq order, seq order is submission order, and the stored log has no gap.
      expect(mine.map((s) => s.seq)).toEqual(range(2, mine.length + 1));
      expect(mine.map((s) => s.n)).toEqual([...mine.map((s) => s.n)].sort((x, y) => x - y));
      const log = await wholeLog(store(), room);
      expect(log.map((e) => e.seq)).toEqual(range(1, mine.length + 1));
      expect(log.slice(1).map((e) => e.body)).toEqual(mine.map((s) => msg(room, s.n).body));
    }
    expect(settled).toHaveLength(n);
  });

  it('stores text exactly, whatever array-literal syntax it holds', async () => {
    const room = await makeRoom(store());
    const bodies = ['say "hi"', 'back\\slash \\"both\\"', '{a,b}', 'NULL', '', ' spaced ', 'é ü 😀 中文', ',', '\\', '"'];
    const results = await Promise.all(
      bodies.map((body, i) => store().append({ ...msg(room, i), body, name: `N "${i}" \\`, data: { quote: '"', brace: '{}' } })),
    );
    const log = await wholeLog(store(), room);
    expect(log.slice(1).map((e) => e.body)).toEqual(bodies);
    expect(log.slice(1).map((e) => e.name)).toEqual(bodies.map((_, i) => `N "${i}" \\`));
    expect(log[1]!.data).toEqual({ quote: '"', brace: '{}' });
    expect(results.map((r) => r.event)).toEqual(log.slice(1));
  });

  it('returns the stored event with duplicate:true when a cid is retried', async () => {
    const room = await makeRoom(store());
    const first = await store().append(msg(room, 1));
    const retry = await store().append({ ...msg(room, 1), body: 'changed' });
    expect(retry).toEqual({ event: first.event, duplicate: true });
    expect(await store().getRoom(room)).toMatchObject({ head: 2 });
  });

  it('stores one event for concurrent duplicates within a batch and across batches', async () => {
    const room = await makeRoom(store());
    const start = store().stats().batches;
    const burst = range(1, 50).map(() => store().append(msg(room, 7)));
    // Let the first batch start, so these land in a later batch while it may still be in flight.
    await new Promise((resolve) => setImmediate(resolve));
    const late = range(1, 50).map(() => store().append(msg(room, 7)));
    const results = await Promise.all([...burst, ...late]);
    expect(store().stats().batches - start).toBeGreaterThanOrEqual(2);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.event.id)).size).toBe(1);
    expect(results[0]!.duplicate).toBe(false);
    expect(await wholeLog(store(), room)).toHaveLength(2);
  });

  it('scopes a cid to its room and author', async () => {
    const [a, b] = await Promise.all([makeRoom(store()), makeRoom(store())]);
    const results = await Promise.all([
      store().append({ ...msg(a!, 1), by: 'x', cid: 'same' }),
      store().append({ ...msg(a!, 1), by: 'y', cid: 'same' }),
      store().append({ ...msg(b!, 1), by: 'x', cid: 'same' }),
    ]);
    expect(results.map((r) => r.duplicate)).toEqual([false, false, false]);
    expect(results.map((r) => r.event.seq)).toEqual([2, 3, 2]);
  });

  it('fails only the append to an unknown room, not the rest of its batch', async () => {
    const room = await makeRoom(store());
    const start = store().stats().batches;
    const settled = await Promise.allSettled([
      store().append(msg(room, 1)),
      store().append(msg(uid('ghost'), 2)),
      store().append(msg(uid('ghost'), 3, { cid: undefined })),
      store().append(msg(room, 4)),
    ]);
    expect(store().stats().batches - start).toBe(1);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(RoomNotFoundError);
    const seqs = settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<AppendResult>).value.event.seq);
    expect(seqs).toEqual([2, 3]);
  });

  it('keeps the log gapless when membership changes race a batch in flight', async () => {
    const room = await makeRoom(store());
    const people = range(1, 20).map((i) => ({ id: uid(`p${i}`), name: `P${i}` }));
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      ops.push(store().append(msg(room, i)));
      if (i % 10 === 0) ops.push(store().join(room, people[i / 10]!, 'member'));
      if (i === 100) ops.push(store().renameRoom(room, 'busy', SERVER));
    }
    await Promise.all(ops);
    await Promise.all(people.slice(0, 5).map((p) => store().leave(room, p)));
    const log = await wholeLog(store(), room);
    expect(log.map((e) => e.seq)).toEqual(range(1, 1 + 200 + 20 + 1 + 5));
    expect(log.filter((e) => e.kind === 'join')).toHaveLength(20);
    expect(await store().getRoom(room)).toMatchObject({ name: 'busy', head: 227, members: 15 });
  });

  it('pages history backwards from the head and forwards after a seq', async () => {
    const room = await makeRoom(store());
    for (let i = 0; i < 25; i++) await store().append(msg(room, i));
    const seqs = async (q: { before?: number; after?: number; limit: number }) => {
      const page = await store().history(room, q);
      return [page.events.map((e) => e.seq), page.more];
    };
    expect(await seqs({ limit: 10 })).toEqual([range(17, 26), true]);
    expect(await seqs({ before: 17, limit: 10 })).toEqual([range(7, 16), true]);
    expect(await seqs({ before: 7, limit: 10 })).toEqual([range(1, 6), false]);
    expect(await seqs({ limit: 26 })).toEqual([range(1, 26), false]);
    expect(await seqs({ before: 1, limit: 10 })).toEqual([[], false]);
    expect(await seqs({ after: 0, limit: 10 })).toEqual([range(1, 10), true]);
    expect(await seqs({ after: 16, limit: 10 })).toEqual([range(17, 26), false]);
    expect(await seqs({ after: 20, limit: 10 })).toEqual([range(21, 26), false]);
    expect(await seqs({ after: 26, limit: 10 })).toEqual([[], false]);
    expect(await seqs({ after: 5, before: 9, limit: 10 })).toEqual([[6, 7, 8], false]);
    expect(await seqs({ after: 5, before: 20, limit: 3 })).toEqual([[6, 7, 8], true]);
    await expect(store().history(room, { limit: 0 })).rejects.toBeInstanceOf(RangeError);
  });

  it('writes 10 000 concurrent appends in a handful of transactions', async () => {
    const rooms = await Promise.all(range(1, 10).map(() => makeRoom(store())));
    const start = store().stats();
    const t0 = performance.now();
    await Promise.all(range(0, 9999).map((i) => store().append(msg(rooms[i % 10]!, i))));
    const ms = performance.now() - t0;
    const end = store().stats();
    console.log(
      `[store] ${backend().sql.driver}: 10000 concurrent appends in ${ms.toFixed(0)} ms = ` +
        `${Math.round(10000 / (ms / 1000))} appends/s, ${end.batches - start.batches} batches (largest ${end.largestBatch})`,
    );
    expect(end.transactions - start.transactions).toBeLessThanOrEqual(10);
    for (const room of rooms) expect(await store().getRoom(room)).toMatchObject({ head: 1001 });
  }, 60_000);
}

describe('SqlStore on PGlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-store-'));
  let backend: Backend;

  beforeAll(async () => {
    const sql = await openPglite({ dataDir: join(dir, 'shared') });
    backend = { sql, store: new SqlStore(sql) };
    await backend.store.init();
  });

  afterAll(async () => {
    await backend?.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  storeContract(() => backend);

  it('shortens names stored longer than 64 UTF-16 code units by older versions (migration 5), and fits event names as read', async () => {
    const sql = await openPglite({ dataDir: join(dir, 'names') });
    try {
      await migrate(sql, migrations.filter((m) => m.version < 5));
      const emoji = '😀'.repeat(64); // 64 code points, which older versions allowed: 128 code units
      await sql.query(`INSERT INTO users (id, name) VALUES ('wide', $1), ('odd', $2), ('short', 'Ada')`, [emoji, `${'a'.repeat(63)}😀`]);
      await sql.query(`INSERT INTO rooms (id, name, kind) VALUES ('r', $1, 'public')`, [emoji]);
      await migrate(sql);
      const users = await sql.query<{ id: string; name: string }>('SELECT id, name FROM users ORDER BY id');
      expect(users).toEqual([
        { id: 'odd', name: 'a'.repeat(63) },
        { id: 'short', name: 'Ada' },
        { id: 'wide', name: '😀'.repeat(32) },
      ]);
      const store = new SqlStore(sql);
      expect((await store.getRoom('r'))!.name).toBe('😀'.repeat(32));
      await store.append({ room: 'r', kind: 'msg', by: 'wide', name: emoji, cid: 'c1', body: 'hi' });
      await sql.query('UPDATE events SET author_name = $1', [emoji]);
      expect((await store.history('r', { limit: 10 })).events.map((e) => e.name)).toEqual(['😀'.repeat(32)]);
    } finally {
      await sql.close();
    }
  });

  it('keeps the data across close and reopen, and close waits for queued appends', async () => {
    const dataDir = join(dir, 'reopen');
    const first = await openStore({ dataDir, schema: 'chat' });
    const room = await makeRoom(first);
    const pending = range(0, 299).map((i) => first.append(msg(room, i)));
    await first.close();
    const settled = await Promise.allSettled(pending);
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
    await expect(first.append(msg(room, 999))).rejects.toBeInstanceOf(StoreUnavailableError);

    const second = await openStore({ dataDir, schema: 'chat' });
    try {
      expect(await second.getRoom(room)).toMatchObject({ head: 301 });
      expect((await wholeLog(second, room)).map((e) => e.seq)).toEqual(range(1, 301));
      expect(await second.append(msg(room, 5))).toMatchObject({ duplicate: true, event: { seq: 7 } });
    } finally {
      await second.close();
    }
  }, 60_000);
});

describe.skipIf(!pgUp && !process.env.CI)('SqlStore on PostgreSQL', () => {
  const schema = testSchema();
  const extraSchemas: string[] = [];
  const others: SqlStore[] = [];
  let backend: Backend;
  let admin: Sql;

  /** Another node: its own pool on the same schema. */
  function node(options: { url?: string; schema?: string } = {}): SqlStore {
    const store = new SqlStore(openPg({ url: options.url ?? PG_URL, schema: options.schema ?? schema }));
    others.push(store);
    return store;
  }

  /** Holds a room's row in a transaction of its own until `release()` (which may be called again), so that appends queue on it. */
  async function holdRoom(room: string): Promise<{ release(): Promise<void> }> {
    const holder = openPg({ url: PG_URL, schema });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let onLocked!: () => void;
    const locked = new Promise<void>((resolve) => (onLocked = resolve));
    const holding = holder.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [room]);
      onLocked();
      await released;
    });
    await locked;
    let closed: Promise<void> | undefined;
    return {
      release: () =>
        (closed ??= (async () => {
          release();
          await holding.catch(() => undefined);
          await holder.close();
        })()),
    };
  }

  /** Waits for a state, not a time: `n` connections named `tag` blocked on a lock. */
  async function blockedOnLock(tag: string, n: number): Promise<void> {
    for (let polls = 0; ; polls++) {
      const [row] = await admin.query<{ n: number }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [tag],
      );
      if (row!.n >= n) return;
      if (polls > 1000) throw new Error(`${n} appends never blocked on the room lock`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  beforeAll(async () => {
    if (!pgUp) throw new Error(`PostgreSQL is required in CI but unreachable at ${PG_URL}`);
    admin = openPg({ url: PG_URL, schema: 'public' });
    const sql = openPg({ url: PG_URL, schema });
    backend = { sql, store: new SqlStore(sql) };
    await backend.store.init();
  });

  afterAll(async () => {
    await Promise.all(others.map((s) => s.close()));
    await backend?.store.close();
    if (admin) {
      for (const s of [schema, ...extraSchemas]) await admin.exec(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await admin.close();
    }
  });

  storeContract(() => backend);

  it('migrates once when several nodes start at the same time', async () => {
    const fresh = testSchema();
    extraSchemas.push(fresh);
    const nodes = range(1, 4).map(() => node({ schema: fresh }));
    await Promise.all(nodes.map((n) => n.init()));
    const rows = await admin.query<{ version: number }>(`SELECT version FROM ${fresh}.schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    const tables = await admin.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [fresh],
    );
    expect(tables.map((t) => t.table_name)).toEqual(['audit_log', 'bot_action_ids', 'bot_commands', 'bot_ephemerals', 'bot_keys', 'bot_positions', 'bots', 'events', 'link_previews', 'members', 'message_actions', 'messages', 'moderation_hooks', 'notify_settings', 'push_subscriptions', 'reactions', 'reports', 'room_rules', 'rooms', 'sanctions', 'schema_migrations', 'search_texts', 'search_watermark', 'settings', 'uploads', 'user_events', 'user_heads', 'users', 'webhook_deliveries', 'webhooks_in', 'webhooks_out']);
  });

  it('gives every node the one value stored first when they store a shared setting at once', async () => {
    const nodes = range(1, 4).map(() => node());
    const name = uid('setting');
    const values = await Promise.all(nodes.map((n, i) => n.sharedSetting(name, `value-of-node-${i}`)));
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toMatch(/^value-of-node-\d$/);
    expect(await backend.store.sharedSetting(name, 'too late')).toBe(values[0]);
  });

  it('ensures users another node is inserting at that moment, answering with its records', async () => {
    const id = uid('contested');
    let inserted!: () => void;
    let commit!: () => void;
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
    const committed = new Promise<void>((resolve) => (commit = resolve));
    // The other node's insert is uncommitted when ours starts: ours waits for it, then finds the
    // row neither in its own snapshot nor among what it inserted.
    const other = backend.sql.transaction(async (tx) => {
      await tx.query('INSERT INTO users (id, name, guest) VALUES ($1, $2, true)', [id, 'Signed in elsewhere']);
      inserted();
      await committed;
    });
    await insertedYet;
    const ensured = backend.store.ensureUsers([id]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    commit();
    await other;
    expect(await ensured).toEqual([{ id, name: 'Signed in elsewhere', guest: true }]);
  });

  it('keeps one gapless log when two nodes append to one room concurrently', async () => {
    const [a, b] = [node(), node()];
    const room = await makeRoom(backend.store);
    const appends: Promise<AppendResult>[] = [];
    for (let i = 0; i < 1000; i++) appends.push((i % 2 ? a : b).append(msg(room, i)));
    // The same cids sent to both nodes: a client retrying on another node.
    const dupes = range(0, 99).map((i) => [a, b].map((n) => n.append({ ...msg(room, i), cid: `dup${i}`, by: 'retrier' })));
    const results = await Promise.all(appends);
    const pairs = await Promise.all(dupes.map((pair) => Promise.all(pair)));

    const log = await wholeLog(backend.store, room);
    expect(log.map((e) => e.seq)).toEqual(range(1, 1 + 1000 + 100));
    expect(new Set(log.map((e) => e.id)).size).toBe(log.length);
    expect(results.every((r) => !r.duplicate)).toBe(true);
    for (const [x, y] of pairs) {
      expect(x!.event.id).toBe(y!.event.id);
      expect([x!.duplicate, y!.duplicate].sort()).toEqual([false, true]);
    }
    expect(a.stats().batches + b.stats().batches).toBeLessThan(1200 / 5);
  });

  it('answers a cid race lost to another node with the winner’s event, in the same call', async () => {
    const tag = uid('race');
    const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}application_name=${tag}`;
    const [a, b] = [node({ url }), node({ url })];
    const room = await makeRoom(backend.store);
    // Hold the room row so both nodes pass their duplicate check and then queue on the lock.
    const hold = await holdRoom(room);
    try {
      const racing = [a, b].map((n) => n.append({ ...msg(room, 1), cid: 'raced' }));
      await blockedOnLock(tag, 2); // the second queues behind the first
      await hold.release();
      const [x, y] = await Promise.all(racing);
      expect(x!.event).toEqual(y!.event);
      expect([x!.duplicate, y!.duplicate].sort()).toEqual([false, true]);
      // The loser's append_events call rewrote its batch the careful way itself: no second call.
      expect(a.stats().retries + b.stats().retries).toBe(0);
      expect((await wholeLog(backend.store, room)).map((e) => e.seq)).toEqual([1, 2]);
    } finally {
      await hold.release();
    }
  });

  it('keeps a node’s submission order when its batch meets a cid race while the next one is pipelined', async () => {
    const tag = uid('order');
    const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}application_name=${tag}`;
    const x = new SqlStore(openPg({ url, schema }), { maxInFlight: 2 });
    const y = new SqlStore(openPg({ url, schema }));
    others.push(x, y);
    const room = await makeRoom(backend.store);
    // Already stored: retried in x's batch, it sends that batch down the careful path.
    await backend.store.append({ ...msg(room, 1), by: 'alice', cid: 'stored' });
    const hold = await holdRoom(room);
    try {
      // x's batch: the retried message, one that y is about to store as well, bob's first message, and
      // enough others that y commits while x's careful path is still reading which cids are stored.
      const first = [
        x.append({ ...msg(room, 1), by: 'alice', cid: 'stored' }),
        x.append({ ...msg(room, 2), by: 'alice', cid: 'contested' }),
        x.append({ ...msg(room, 3), by: 'bob', cid: 'bob-1' }),
        ...range(10, 1999).map((i) => x.append(msg(room, i))),
      ];
      await blockedOnLock(tag, 1);
      const rival = y.append({ ...msg(room, 2), by: 'alice', cid: 'contested' });
      await blockedOnLock(tag, 2);
      // bob's second message: x's next batch, at the database behind the first.
      const second = x.append({ ...msg(room, 4), by: 'bob', cid: 'bob-2' });
      while (x.stats().batches < 2) await new Promise((resolve) => setImmediate(resolve));
      await hold.release();

      const [, , bob1] = await Promise.all(first);
      const bob2 = await second;
      await rival;
      expect(bob1!.event.seq).toBeLessThan(bob2.event.seq);
      expect(x.stats().retries).toBe(0);
    } finally {
      await hold.release();
    }
  });

  it('close waits for queued appends', async () => {
    const n = new SqlStore(openPg({ url: PG_URL, schema }));
    const room = await makeRoom(backend.store);
    const pending = range(0, 199).map((i) => n.append(msg(room, i)));
    await n.close();
    expect((await Promise.allSettled(pending)).every((s) => s.status === 'fulfilled')).toBe(true);
    expect(await backend.store.getRoom(room)).toMatchObject({ head: 201 });
    await expect(n.append(msg(room, 1))).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('reports an unreachable database as StoreUnavailableError', async () => {
    const url = `postgres://127.0.0.1:${await freePort()}/test`;
    await expect(openStore({ databaseUrl: url, schema })).rejects.toBeInstanceOf(StoreUnavailableError);
    const n = node({ url });
    const settled = await Promise.allSettled(range(1, 3).map((i) => n.append(msg('any', i))));
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    }
    await expect(n.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(n.getRoom('any')).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('stores nothing while the connection is down, and takes the same cid after it returns', async () => {
    const proxy = await TcpProxy.start(new URL(PG_URL));
    const url = new URL(PG_URL);
    url.host = `127.0.0.1:${proxy.port}`;
    const n = node({ url: url.toString() });
    try {
      const room = await makeRoom(backend.store);
      expect(await n.append(msg(room, 1))).toMatchObject({ duplicate: false, event: { seq: 2 } });
      proxy.cut();
      await expect(n.append(msg(room, 2))).rejects.toBeInstanceOf(StoreUnavailableError);
      proxy.restore();
      expect(await n.append(msg(room, 2))).toMatchObject({ duplicate: false, event: { seq: 3 } });
      expect((await wholeLog(backend.store, room)).map((e) => e.seq)).toEqual([1, 2, 3]);
    } finally {
      await n.close();
      await proxy.close();
    }
  });
});

/** A TCP relay to PostgreSQL that can drop every connection on demand, as a network failure would. */
class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: URL): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => proxy.relay(client, target));
    return proxy;
  }

  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private relay(client: Socket, target: URL): void {
    if (this.down) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}
