// Read positions, unread and mention counts, and receipts over real sockets, once per store: a read
// is not a room event, the user's other devices learn it, counts survive a reconnect, direct and
// small rooms show who read what and large rooms never do, and every bad `read` is refused.
import { ErrorCode, Feature, Limits, Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SqlStore } from '../server/src/store/index.js';
import { RawClient } from './support/raw-client.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './support/redis.js';
import { dropStorage, freshStorage, postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

let counter = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${counter++}`;

const clients: RawClient[] = [];
const opened = (c: RawClient) => (clients.push(c), c);

/** The error code of a request's reply (fails the test if it succeeded). */
async function refused(c: RawClient, frame: Record<string, unknown>): Promise<string> {
  const reply = await c.request(frame);
  if (reply.t !== Op.Error) throw new Error(`expected an error, got ${JSON.stringify(reply)}`);
  return reply.code as string;
}

const readStates = (c: RawClient, room: string, from = 0) =>
  c.frames.slice(from).filter((f) => f.t === Op.ReadState && f.room === room) as Record<string, any>[];

describe.each(kinds)('read positions and receipts (%s)', (kind) => {
  let node: TestNode;
  const sql = () => (node.server.store as SqlStore).sql;
  const signIn = async (sub: string, name = sub) => opened(await RawClient.signedIn(node.url, userToken(sub, name)));
  const joinedSummary = async (c: RawClient, room: string) => {
    const page = await c.ok({ t: Op.RoomList, scope: 'joined' });
    return page.rooms.find((r: any) => r.id === room);
  };
  const headOf = async (room: string) => (await sql().query<{ head_seq: number }>('SELECT head_seq FROM rooms WHERE id = $1', [room]))[0]!.head_seq;

  beforeAll(async () => {
    node = await startNode(kind, { sendRate: 1000, frameRate: 1000, maxPending: 1000, workRate: 1000, roomCreateRate: 1000, receiptRoomSize: 3 });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('welcome announces receipts, unread counts and their limits', async () => {
    const c = opened(await RawClient.open(node.url));
    const welcome = await c.request({ t: Op.Hello, v: 1, token: userToken('wendy') });
    expect(welcome.features).toEqual(expect.arrayContaining([Feature.Receipts, Feature.Unread]));
    expect(welcome.limits).toMatchObject({ receiptRoomSize: 3, maxUnread: Limits.maxUnread, readIntervalMs: Limits.readIntervalMs });
  });

  test('unread and mention counts: in the room list, dropped on the other device by a read, kept across a reconnect, no room event', async () => {
    const room = unique('unread');
    const alice = await signIn('alice', 'Alice');
    const bobPhone = await signIn('bob', 'Bob');
    const bobLaptop = await signIn('bob', 'Bob');
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    await bobPhone.ok({ t: Op.Join, room });
    expect(await joinedSummary(bobLaptop, room)).toMatchObject({ unread: 0, mentions: 0 });
    await alice.ok({ t: Op.Send, room, cid: 'u1', body: 'one' });
    const second = await alice.ok({ t: Op.Send, room, cid: 'u2', body: 'hey @Bob', mentions: [{ user: 'bob', at: 4, len: 4 }] });
    await bobPhone.ok({ t: Op.Send, room, cid: 'own', body: 'my own message is never unread' });
    const last = await alice.ok({ t: Op.Send, room, cid: 'u3', body: 'three' });
    // The mention reaches the count through bob's own log, right after the send.
    await until(async () => (await joinedSummary(bobLaptop, room))?.mentions === 1);
    expect(await joinedSummary(bobLaptop, room)).toMatchObject({ read: expect.any(Number), unread: 3, mentions: 1 });
    // Alice's own messages are not unread for her.
    expect(await joinedSummary(alice, room)).toMatchObject({ unread: 1, mentions: 0 });

    // Reading up to the mention on the phone: the laptop is told, with the counts left.
    const mark = bobLaptop.mark;
    const headBefore = await headOf(room);
    expect(await bobPhone.ok({ t: Op.Read, room, seq: second.seq })).toEqual({ room, seq: second.seq, delivered: second.seq, unread: 1, mentions: 0 });
    const told = await bobLaptop.next((f) => f.t === Op.ReadState && f.room === room, 5000, mark);
    expect(told).toMatchObject({ user: 'bob', seq: second.seq, unread: 1, mentions: 0 });
    // A position, not an event: the room's head did not move and nobody got an event for it.
    expect(await headOf(room)).toBe(headBefore);
    expect(alice.events(room).every((e) => e.seq <= last.seq)).toBe(true);

    // Positions only move forward: an older seq changes nothing and is answered with where it is.
    expect(await bobPhone.ok({ t: Op.Read, room, seq: 1 })).toMatchObject({ seq: second.seq, unread: 1 });

    // A fresh connection knows the counts from the room list and from the subscribe result.
    await bobPhone.ok({ t: Op.Read, room, seq: last.seq });
    const fresh = await signIn('bob', 'Bob');
    expect(await joinedSummary(fresh, room)).toMatchObject({ read: last.seq, unread: 0, mentions: 0 });
    const sub = await fresh.ok({ t: Op.Subscribe, room, after: last.seq });
    expect(sub.room).toMatchObject({ read: last.seq, unread: 0, mentions: 0 });
    const stored = await sql().query<{ last_read_seq: number }>('SELECT last_read_seq FROM members WHERE room_id = $1 AND user_id = $2', [room, 'bob']);
    expect(Number(stored[0]!.last_read_seq)).toBe(last.seq);
  });

  test('a deleted message is not unread any more, and a new member starts with nothing unread', async () => {
    const room = unique('del');
    const alice = await signIn('alice', 'Alice');
    const bob = await signIn('bob', 'Bob');
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    await alice.ok({ t: Op.Send, room, cid: 'before', body: 'before bob came' });
    await bob.ok({ t: Op.Join, room });
    expect(await joinedSummary(bob, room)).toMatchObject({ unread: 0 });
    const gone = await alice.ok({ t: Op.Send, room, cid: 'g', body: 'oops' });
    expect(await joinedSummary(bob, room)).toMatchObject({ unread: 1 });
    await alice.ok({ t: Op.Delete, room, seq: gone.seq });
    expect(await joinedSummary(bob, room)).toMatchObject({ unread: 0 });
  });

  test('thread replies are not unread in the room; one that mentions the member counts as a mention', async () => {
    const room = unique('thr');
    const alice = await signIn('alice', 'Alice');
    const bob = await signIn('bob', 'Bob');
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    await bob.ok({ t: Op.Join, room });
    const root = await alice.ok({ t: Op.Send, room, cid: 'root', body: 'a question' });
    expect(await joinedSummary(bob, room)).toMatchObject({ unread: 1, mentions: 0 });
    await alice.ok({ t: Op.Send, room, cid: 'r1', body: 'more detail', thread: root.seq });
    const mention = await alice.ok({ t: Op.Send, room, cid: 'r2', body: 'what do you think @Bob', thread: root.seq, mentions: [{ user: 'bob', at: 18, len: 4 }] });
    await until(async () => (await joinedSummary(bob, room))?.mentions === 1);
    expect(await joinedSummary(bob, room)).toMatchObject({ unread: 1, mentions: 1 });
    // Reading the room to its head clears both, as a read of any position does.
    expect(await bob.ok({ t: Op.Read, room, seq: mention.seq })).toMatchObject({ unread: 0, mentions: 0 });
    await alice.ok({ t: Op.Send, room, cid: 'r3', body: 'one more reply', thread: root.seq });
    expect(await joinedSummary(bob, room)).toMatchObject({ unread: 0, mentions: 0 });
  });

  test('direct room: delivered then read reach the sender ("Seen"), and a later subscribe tells where the other is', async () => {
    const alice = await signIn('alice', 'Alice');
    const bob = await signIn('bob', 'Bob');
    const dm = await alice.ok({ t: Op.RoomCreate, kind: 'dm', members: ['bob'] });
    const room = dm.room.id as string;
    await bob.ok({ t: Op.Subscribe, room });
    const sent = await alice.ok({ t: Op.Send, room, cid: 'd1', body: 'are you there?' });
    let mark = alice.mark;
    // Delivered only: the message reached bob's device, and is still unread.
    const delivered = await bob.ok({ t: Op.Read, room, seq: sent.seq, delivered: true });
    expect(delivered).toMatchObject({ delivered: sent.seq, unread: 1 });
    expect(delivered.seq).toBeLessThan(sent.seq);
    expect(await alice.next((f) => f.t === Op.ReadState && f.room === room, 5000, mark)).toMatchObject({ user: 'bob', delivered: sent.seq, seq: delivered.seq });
    mark = alice.mark;
    await bob.ok({ t: Op.Read, room, seq: sent.seq });
    const seen = await alice.next((f) => f.t === Op.ReadState && f.room === room, 5000, mark);
    expect(seen).toMatchObject({ user: 'bob', seq: sent.seq, delivered: sent.seq });
    // Only the reader's own connections get counts.
    expect(seen.unread).toBeUndefined();
    const again = await signIn('alice', 'Alice');
    const sub = await again.ok({ t: Op.Subscribe, room });
    expect(sub.reads).toEqual([{ user: 'bob', seq: sent.seq, delivered: sent.seq }]);
  });

  test('small rooms show who read what; rooms past receiptRoomSize tell nobody but the reader', async () => {
    const small = unique('small');
    const large = unique('large');
    const [alice, bob, carol, dave] = [await signIn('alice'), await signIn('bob'), await signIn('carol'), await signIn('dave')];
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id: small });
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id: large });
    for (const c of [bob, carol]) await c.ok({ t: Op.Join, room: small });
    for (const c of [bob, carol, dave]) await c.ok({ t: Op.Join, room: large });
    const inSmall = await alice.ok({ t: Op.Send, room: small, cid: 's', body: 'small' });
    const inLarge = await alice.ok({ t: Op.Send, room: large, cid: 'l', body: 'large' });

    const mark = alice.mark;
    await carol.ok({ t: Op.Read, room: small, seq: inSmall.seq });
    expect(await alice.next((f) => f.t === Op.ReadState && f.room === small, 5000, mark)).toMatchObject({ user: 'carol', seq: inSmall.seq });
    expect((await alice.ok({ t: Op.Subscribe, room: small })).reads).toEqual(
      expect.arrayContaining([{ user: 'carol', seq: inSmall.seq, delivered: inSmall.seq }, expect.objectContaining({ user: 'bob' })]),
    );

    const bobMark = bob.mark;
    await carol.ok({ t: Op.Read, room: large, seq: inLarge.seq });
    // Something after the read, to know that anything the read caused has arrived.
    const after = await dave.ok({ t: Op.Send, room: large, cid: 'after', body: 'after' });
    await alice.next((f) => f.t === Op.Event && (f.e as any).room === large && (f.e as any).seq === after.seq, 5000, mark);
    await bob.next((f) => f.t === Op.Event && (f.e as any).room === large && (f.e as any).seq === after.seq, 5000, bobMark);
    expect(readStates(alice, large, mark)).toEqual([]);
    expect(readStates(bob, large, bobMark)).toEqual([]);
    expect((await alice.ok({ t: Op.Subscribe, room: large })).reads).toBeUndefined();
    // The reader's own position is still kept and counted.
    expect(await joinedSummary(carol, large)).toMatchObject({ read: inLarge.seq, unread: 1 });
  });

  test('bad reads are refused and store nothing', async () => {
    const room = unique('bad');
    const secret = unique('secret');
    const alice = await signIn('alice');
    const eve = await signIn('eve');
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: secret });
    const sent = await alice.ok({ t: Op.Send, room, cid: 'b', body: 'x' });
    expect(await refused(eve, { t: Op.Read, room, seq: sent.seq })).toBe(ErrorCode.Forbidden);
    expect(await refused(eve, { t: Op.Read, room: secret, seq: 1 })).toBe(ErrorCode.NotFound);
    expect(await refused(eve, { t: Op.Read, room: unique('nowhere'), seq: 1 })).toBe(ErrorCode.NotFound);
    expect(await refused(alice, { t: Op.Read, room, seq: 'last' })).toBe(ErrorCode.BadFrame);
    expect(await refused(alice, { t: Op.Read, room, seq: -1 })).toBe(ErrorCode.BadFrame);
    expect(await refused(alice, { t: Op.Read, room, seq: 1.5 })).toBe(ErrorCode.BadFrame);
    expect(await refused(alice, { t: Op.Read, room })).toBe(ErrorCode.BadFrame);
    expect(await refused(alice, { t: Op.Read, room, seq: 1, extra: true })).toBe(ErrorCode.BadFrame);
    const before = await joinedSummary(alice, room);
    expect(await refused(alice, { t: Op.Read, room, seq: sent.seq + 1000 })).toBe(ErrorCode.BadFrame);
    expect(await joinedSummary(alice, room)).toEqual(before);
    const rows = await sql().query<{ user_id: string }>('SELECT user_id FROM members WHERE room_id = $1 ORDER BY user_id', [room]);
    expect(rows.map((r) => r.user_id)).toEqual(['alice']);
  });
});

describe('a flood of reads is rate limited (pglite)', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('pglite', { frameRate: 20 });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('reads past the frame rate get rate_limited with retryAfter, and the connection still serves', async () => {
    const room = unique('flood');
    const c = opened(await RawClient.signedIn(node.url, userToken('flo')));
    await c.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    const replies = await Promise.all(Array.from({ length: 80 }, () => c.request({ t: Op.Read, room, seq: 1 })));
    const limited = replies.filter((f) => f.t === Op.Error && f.code === ErrorCode.RateLimited);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.retryAfter).toBeGreaterThan(0);
    expect(replies.filter((f) => f.t === Op.Result).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, Number(limited[0]!.retryAfter) + 1000));
    expect(await c.ok({ t: Op.Read, room, seq: 2 })).toMatchObject({ room, seq: 2 });
  });
});

describe.skipIf(!(await postgresAvailable()) || !(await redisAvailable()))('read positions across two nodes over Redis', () => {
  const storage = freshStorage('postgres');
  const cluster = { redisUrl: REDIS_URL, redisPrefix: uniquePrefix(), catchUpMs: 200 };
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    a = await startNode('postgres', cluster, storage);
    b = await startNode('postgres', cluster, storage);
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await a?.stop();
    await b?.stop();
    await dropStorage(storage);
  });

  test('a read on one node reaches the reader\'s device and the other member of a direct room on the other node', async () => {
    const bobOnA = opened(await RawClient.signedIn(a.url, userToken('bob', 'Bob')));
    const bobOnB = opened(await RawClient.signedIn(b.url, userToken('bob', 'Bob')));
    const aliceOnB = opened(await RawClient.signedIn(b.url, userToken('alice', 'Alice')));
    const dm = await aliceOnB.ok({ t: Op.RoomCreate, kind: 'dm', members: ['bob'] });
    const room = dm.room.id as string;
    await bobOnA.ok({ t: Op.Subscribe, room });
    const sent = await aliceOnB.ok({ t: Op.Send, room, cid: 'x', body: 'across nodes' });
    expect(await bobOnA.ok({ t: Op.Read, room, seq: sent.seq })).toMatchObject({ seq: sent.seq, unread: 0 });
    expect(await bobOnB.next((f) => f.t === Op.ReadState && f.room === room)).toMatchObject({ user: 'bob', seq: sent.seq, unread: 0, mentions: 0 });
    expect(await aliceOnB.next((f) => f.t === Op.ReadState && f.room === room)).toMatchObject({ user: 'bob', seq: sent.seq, delivered: sent.seq });
  });
});
