// How much work one connection can make the server do: requests other than messages are charged
// against a work budget by the log events and announcements they cause, and a connection has at
// most `maxPending` requests in progress. On both stores, against a real node.
import { ChatClient } from '@parley/sdk';
import { decodeRaw, encodeFrame, ErrorCode, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import { configWith, silentLogger, startServer, type Config, type ParleyServer } from '@parley/server';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { openPg, openPglite, SqlStore, type Sql } from '../server/src/store/index.js';
import { RawClient } from './support/raw-client.js';
import { dropStorage, freshStorage, postgresAvailable, TEST_SECRET, userToken, type StoreKind } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Node {
  url: string;
  server: ParleyServer;
  /** The store's own SQL connection, to hold the database busy on purpose. */
  sql: Sql;
  destroy(): Promise<void>;
}

/** A node whose store the test opens itself, so it can also reach the database behind it. */
async function startNodeWithSql(kind: StoreKind, overrides: Partial<Config>): Promise<Node> {
  const storage = freshStorage(kind);
  const sql =
    kind === 'pglite' ? await openPglite({ dataDir: join(storage.dataDir!, 'pglite') }) : openPg({ url: storage.databaseUrl!, schema: storage.dbSchema! });
  const store = new SqlStore(sql);
  const config = configWith({ host: '127.0.0.1', port: 0, jwtSecret: TEST_SECRET, rooms: ['lobby'], drainTimeoutMs: 2000, ...overrides });
  const server = await startServer(config, { store, log: silentLogger });
  return {
    url: `ws://127.0.0.1:${server.port}/ws`,
    server,
    sql,
    async destroy() {
      await server.close();
      await store.close();
      await dropStorage(storage);
    },
  };
}

/**
 * Holds the rooms table (and on PGlite, the whole database) in a transaction until `release` is
 * called; resolves once the lock is taken. Every request that reads a room waits meanwhile.
 */
async function holdRooms(sql: Sql): Promise<{ release(): Promise<void> }> {
  let locked!: () => void;
  let release!: () => void;
  const taken = new Promise<void>((resolve) => (locked = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const tx = sql.transaction(async (t) => {
    await t.query('LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE');
    locked();
    await released;
  });
  await taken;
  return {
    async release() {
      release();
      await tx;
    },
  };
}

/** The `welcome` as the server wrote it, decoded without the SDK's schema (which keeps only what the SDK reads). */
async function welcomeOnTheWire(url: string, user: string): Promise<Record<string, any>> {
  const ws = new WebSocket(url);
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const first = new Promise<Buffer>((resolve) => ws.once('message', resolve));
    ws.send(encodeFrame({ t: Op.Hello, r: 1, v: PROTOCOL_VERSION, token: userToken(user) }));
    return decodeRaw(new Uint8Array(await first)) as Record<string, any>;
  } finally {
    ws.terminate();
  }
}

type Reply = Awaited<ReturnType<RawClient['request']>>;
const refused = (replies: Reply[]) => replies.filter((r) => r.t === Op.Error && r.code === ErrorCode.RateLimited);
const accepted = (replies: Reply[]) => replies.filter((r) => r.t === Op.Result);

describe.each(kinds)('work one connection can make the server do (%s)', (kind) => {
  /** The default limits. */
  let usual: Node;
  /** One work unit a second, 51 at once, four requests in progress: the charges are easy to count. */
  let tight: Node;
  const clients: RawClient[] = [];
  beforeAll(async () => {
    usual = await startNodeWithSql(kind, {});
    // The pace of room creation per user (ADR 0009) is set out of the way: the work budget is under test.
    tight = await startNodeWithSql(kind, { workRate: 1, workBurst: 51, maxPending: 4, frameRate: 10_000, roomCreateRate: 1000 });
  }, 180_000); // two embedded databases initialised on a busy machine
  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
  });
  afterAll(async () => {
    await Promise.all([usual, tight].map((n) => n?.destroy()));
  });
  async function client(n: Node, user: string): Promise<RawClient> {
    const c = await RawClient.signedIn(n.url, userToken(`${user}-${kind}`));
    clients.push(c);
    return c;
  }
  const ids = (rooms: { id: string }[]) => rooms.map((r) => r.id).sort();

  test('welcome announces the work budget and the bound on requests in progress', async () => {
    expect(await welcomeOnTheWire(usual.url, `announced-${kind}`)).toMatchObject({ t: Op.Welcome, limits: { workRate: 20, workBurst: 200, maxPending: 32, sendRate: 10 } });
    expect(await welcomeOnTheWire(tight.url, `announced-${kind}`)).toMatchObject({ t: Op.Welcome, limits: { workRate: 1, workBurst: 51, maxPending: 4 } });
    // The SDK reads the bound it keeps to.
    expect((await client(tight, 'announced')).frames[0]).toMatchObject({ t: Op.Welcome, limits: { maxPending: 4 } });
  });

  test('40 room_create frames of 100 members at once: the first is created, the rest refused with rate_limited until paid off', async () => {
    const flooder = await client(usual, 'flooder');
    const members = (k: number) => Array.from({ length: 100 }, (_, i) => `flood-${k}-${i}`);
    // The one accepted looks up and adds 100 users: on a busy machine that can take longer than the
    // raw client's usual wait for a reply.
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, k) => {
        flooder.send({ t: Op.RoomCreate, r: 1000 + k, kind: 'private', id: `flood-${kind}-${k}`, name: `flood ${k}`, members: members(k) });
        return flooder.next((f) => f.r === 1000 + k && (f.t === Op.Result || f.t === Op.Error), 60_000);
      }),
    );
    // Each costs 102 units (a room event and 101 joins): one fits in the budget of 200, a second
    // would need 4 more, which take 200 ms to earn at 20 a second.
    expect(accepted(replies)).toHaveLength(1);
    expect(refused(replies)).toHaveLength(39);
    for (const r of refused(replies)) {
      expect(r.retryAfter).toBeGreaterThan(0);
      expect(r.retryAfter).toBeLessThanOrEqual(200);
      expect(r.message).toMatch(/costs 102 of 20 per second/);
    }
    // The refused ones stored nothing; once paid off, the next is created.
    expect(ids((await flooder.ok({ t: Op.RoomList, scope: 'joined' })).rooms)).toEqual([`flood-${kind}-0`]);
    await sleep(Math.max(...refused(replies).map((r) => r.retryAfter as number)));
    await flooder.ok({ t: Op.RoomCreate, kind: 'private', id: `flood-${kind}-late`, name: 'late', members: members(99) });
  });

  test('room_create is charged 1 + its members; join, leave, invite and typing 1 each', async () => {
    const owner = await client(tight, 'charged');
    const room = `charged-${kind}`;
    const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    await owner.ok({ t: Op.RoomCreate, kind: 'public', id: room, name: 'charged', members: users('a', 5) }); // 7
    await owner.ok({ t: Op.Join, room: 'lobby' }); // 1
    await owner.ok({ t: Op.Leave, room: 'lobby' }); // 1
    await owner.ok({ t: Op.Join, room: 'lobby' }); // 1
    await owner.ok({ t: Op.Invite, room, user: 'f' }); // 1
    owner.send({ t: Op.Typing, room, on: true }); // 1: 12 spent, 39 left
    // 52 units is more than the budget holds at once: it waits for a full budget, 12 s away.
    const refusedCreate = await owner.request({ t: Op.RoomCreate, kind: 'public', id: `${room}-big`, name: 'big', members: users('big', 50) });
    expect(refusedCreate).toMatchObject({ t: Op.Error, code: ErrorCode.RateLimited, message: expect.stringMatching(/costs 52 of 1 per second/) });
    expect(refusedCreate.retryAfter).toBeGreaterThan(0);
    expect(refusedCreate.retryAfter).toBeLessThanOrEqual(12_000);
    // What is left pays for 39 units: the charge is by weight, not by count.
    await owner.ok({ t: Op.RoomCreate, kind: 'public', id: `${room}-fits`, name: 'fits', members: users('fits', 37) });
    const small = await owner.request({ t: Op.RoomCreate, kind: 'public', id: `${room}-small`, name: 'small', members: users('small', 5) });
    expect(small).toMatchObject({ code: ErrorCode.RateLimited, message: expect.stringMatching(/costs 7 of 1 per second/) });
    // Nothing refused was stored.
    expect(ids((await owner.ok({ t: Op.RoomList, scope: 'joined' })).rooms)).toEqual(['lobby', room, `${room}-fits`].sort());
  });

  test('a join/leave flood is refused once the budget is spent, and typing floods get errors without r', async () => {
    const c = await client(tight, 'flapper');
    const started = performance.now();
    let ok = 0;
    let first: Reply | undefined;
    for (let i = 0; i < 500 && !first; i++) {
      const reply = await c.request({ t: i % 2 ? Op.Leave : Op.Join, room: 'lobby' });
      if (reply.t === Op.Result) ok++;
      else first = reply;
    }
    const seconds = (performance.now() - started) / 1000;
    expect(first).toMatchObject({ code: ErrorCode.RateLimited, message: expect.stringMatching(/costs 1 of 1 per second/) });
    expect(first!.retryAfter).toBeGreaterThan(0);
    expect(ok).toBeGreaterThanOrEqual(51);
    expect(ok).toBeLessThanOrEqual(51 + Math.ceil(seconds) + 1);
    const mark = c.mark;
    c.send({ t: Op.Typing, room: 'lobby', on: true });
    const typingRefused = await c.next((f) => f.t === Op.Error && f.code === ErrorCode.RateLimited && f.r === undefined, 5000, mark);
    expect(typingRefused.retryAfter).toBeGreaterThan(0);
  });

  test('a profile change is charged once more per room it is announced in', async () => {
    const c = await client(tight, 'renamer');
    // 20 rooms of one member, 2 units each: 11 left. Sent four at a time (maxPending), so that little
    // is earned meanwhile.
    for (let i = 0; i < 20; i += 4) {
      await Promise.all([0, 1, 2, 3].map((j) => c.ok({ t: Op.RoomCreate, kind: 'public', id: `mine-${kind}-${i + j}`, name: `mine ${i + j}` })));
    }
    // 1 before it runs and 20 after, one per room it is announced in: 10 short. Charged by count
    // alone, 10 would be left for the leave below.
    await c.ok({ t: Op.SetProfile, name: 'Renamer' });
    const refusedLeave = await c.request({ t: Op.Leave, room: `mine-${kind}-0` });
    expect(refusedLeave).toMatchObject({ code: ErrorCode.RateLimited, message: expect.stringMatching(/costs 1 of 1 per second/) });
    expect(refusedLeave.retryAfter).toBeGreaterThan(0);
  });

  test('more than maxPending requests in progress are refused at once; pings still answered', async () => {
    const c = await client(tight, 'piler');
    const hold = await holdRooms(tight.sql);
    let released = false;
    try {
      const replies = Array.from({ length: 10 }, () => c.request({ t: Op.Members, room: 'lobby' }));
      await c.ok({ t: Op.Ping });
      const early = await Promise.race([Promise.all(replies.slice(4)), sleep(5000).then(() => undefined)]);
      // The six over the bound were answered while the database was still held, and so was the ping.
      expect(early?.map((r) => r.code)).toEqual(Array(6).fill(ErrorCode.RateLimited));
      for (const r of early ?? []) {
        expect(r.retryAfter).toBeGreaterThan(0);
        expect(r.message).toMatch(/4 requests are already in progress/);
      }
      released = true;
      await hold.release();
      expect(accepted(await Promise.all(replies.slice(0, 4)))).toHaveLength(4);
      // With the four answered, the connection may have four in progress again.
      expect(accepted(await Promise.all(Array.from({ length: 4 }, () => c.request({ t: Op.Members, room: 'lobby' }))))).toHaveLength(4);
    } finally {
      if (!released) await hold.release();
    }
  });

  test('the SDK holds requests beyond maxPending instead of having them refused', async () => {
    const sdk = new ChatClient({ url: tight.url, token: userToken(`patient-${kind}`), WebSocket });
    try {
      await sdk.connect();
      const lobby = await sdk.join('lobby');
      const hold = await holdRooms(tight.sql);
      const pages = Array.from({ length: 8 }, () => lobby.history({ limit: 5 }));
      await sleep(200);
      await hold.release();
      const outcomes = await Promise.allSettled(pages);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    } finally {
      await sdk.close();
    }
  });
});
