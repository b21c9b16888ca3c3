// The per-user log end to end over real sockets, on both stores: notices addressed to a user while
// offline arrive once and in order on reconnect, a client too far behind is told, bad input gets a
// clear error, devices are announced, and clients that never subscribe see what they saw before.
import { ChatClient, type AddedContext, type MentionContext, type UserEvent } from '@parley/sdk';
import { CloseCode, ErrorCode, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import { noteMentions } from '@parley/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];
const RESUME_LIMIT = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(kinds)('the per-user log (%s)', (kind) => {
  let node: TestNode;
  const clients: ChatClient[] = [];
  const raws: RawClient[] = [];
  beforeAll(async () => {
    node = await startNode(kind, { resumeLimit: RESUME_LIMIT, sendRate: 1000, frameRate: 1000 });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const r of raws) r.ws.terminate();
    await node?.destroy();
  });

  const client = (sub: string, device?: string) => {
    const c = new ChatClient({ url: node.url, token: userToken(sub), WebSocket, reconnect: { minDelayMs: 20, maxDelayMs: 200 }, ...(device ? { device } : {}) });
    clients.push(c);
    return c;
  };
  const raw = async (sub: string) => {
    const r = await RawClient.signedIn(node.url, userToken(sub));
    raws.push(r);
    return r;
  };
  /** Every notice the client delivers, and its typed events, in delivery order. */
  const record = (c: ChatClient) => {
    const got = { notices: [] as UserEvent[], added: [] as AddedContext[], mentions: [] as MentionContext[], removed: [] as string[], dms: [] as string[], resets: [] as number[] };
    c.on('userEvent', ({ event }) => got.notices.push(event));
    c.on('added', (ctx) => got.added.push(ctx));
    c.on('mention', (ctx) => got.mentions.push(ctx));
    c.on('removed', ({ roomId }) => got.removed.push(roomId));
    c.on('dm', ({ roomId }) => got.dms.push(roomId));
    c.on('userReset', ({ head }) => got.resets.push(head));
    return got;
  };
  /** Sessions of `user` on the node that follow the user's log. */
  const following = (user: string) => [...node.server.hub.sessions].filter((s) => s.userId === user && s.followsUserLog).length;

  test('a user offline while added to two rooms and mentioned gets every notice once, in order, on reconnect', async () => {
    const alice = client('alice');
    const bob = client('bob');
    const got = record(bob);
    await Promise.all([alice.connect(), bob.connect()]);
    await until(() => following('bob') === 1);
    // Live first: a direct room, which is a `dm` and an `added`.
    const direct = await alice.openDirect('bob');
    await until(() => got.notices.length === 1);
    await bob.close();

    const first = await alice.createRoom({ kind: 'private', name: 'First', members: ['bob'] });
    const second = await alice.createRoom({ kind: 'public', name: 'Second' });
    await second.invite('bob');
    const ack = await first.send('hello @bob');
    // The author and repeats get nothing; bob is mentioned once.
    await noteMentions(node.server.hub, first.id, ack.seq, 'alice', ['bob', 'alice', 'bob']);

    await bob.connect();
    await until(() => got.notices.length === 4);
    await sleep(200); // anything delivered twice would arrive by now
    expect(got.notices.map((n) => [n.seq, n.kind, n.data.room])).toEqual([
      [1, 'dm', direct.id],
      [2, 'added', first.id],
      [3, 'added', second.id],
      [4, 'mention', first.id],
    ]);
    expect(got.dms).toEqual([direct.id]);
    expect(got.added.map((a) => [a.roomId, a.by])).toEqual([
      [direct.id, 'alice'],
      [first.id, 'alice'],
      [second.id, 'alice'],
    ]);
    expect(got.mentions.map((m) => [m.roomId, m.seq])).toEqual([[first.id, ack.seq]]);
    expect(await node.server.hub.store.userHead('alice')).toBe(0);
    expect(got.resets).toEqual([]);

    // Reconnecting again replays nothing already delivered.
    await bob.close();
    await bob.connect();
    await until(() => following('bob') === 1);
    await sleep(200);
    expect(got.notices).toHaveLength(4);
  });

  test('leaving on one device tells the user’s other devices', async () => {
    const phone = client('carol', 'phone');
    const laptop = client('carol', 'laptop');
    const got = record(laptop);
    await Promise.all([phone.connect(), laptop.connect()]);
    await until(() => following('carol') === 2);
    const room = await phone.createRoom({ kind: 'public', name: 'Leaving' });
    await room.leave();
    await until(() => got.removed.length === 1);
    expect(got.removed).toEqual([room.id]);
    expect(got.notices.map((n) => n.kind)).toEqual(['removed']);
  });

  test('a client further behind than resumeLimit is told (userReset) and carries on from the head', async () => {
    const dave = client('dave');
    const got = record(dave);
    await dave.connect();
    await until(() => following('dave') === 1);
    // One notice delivered: the client knows where it is in the log.
    await node.server.hub.store.notifyUsers([{ user: 'dave', kind: 'mention', data: { room: 'lobby', seq: 0 } }]);
    await until(() => got.notices.length === 1);
    await dave.close();
    const notices = Array.from({ length: RESUME_LIMIT + 1 }, (_, i) => ({ user: 'dave', kind: 'mention', data: { room: 'lobby', seq: i + 1 } }));
    await node.server.hub.store.notifyUsers(notices);
    await dave.connect();
    await until(() => got.resets.length === 1);
    expect(got.resets).toEqual([RESUME_LIMIT + 2]);
    expect(got.notices).toHaveLength(1);
    await node.server.hub.store.notifyUsers([{ user: 'dave', kind: 'mention', data: { room: 'lobby', seq: 99 } }]);
    await until(() => got.notices.length === 2);
    expect(got.notices[1]).toMatchObject({ seq: RESUME_LIMIT + 3, kind: 'mention', data: { room: 'lobby', seq: 99 } });

    // On the wire: the same request answers gap and replays nothing.
    const r = await raw('dave');
    const from = r.mark;
    expect(await r.ok({ t: Op.UserSubscribe, after: 0 })).toEqual({ head: RESUME_LIMIT + 3, replayed: 0, gap: true });
    expect(r.frames.slice(from).filter((f) => f.t === Op.UserEvent)).toEqual([]);
    // Within the bound, what came after `after` is replayed before the result.
    expect(await r.ok({ t: Op.UserSubscribe, after: RESUME_LIMIT + 1 })).toEqual({ head: RESUME_LIMIT + 3, replayed: 2 });
    expect(r.frames.slice(from).filter((f) => f.t === Op.UserEvent).map((f) => (f.e as UserEvent).seq)).toEqual([RESUME_LIMIT + 2, RESUME_LIMIT + 3]);
  });

  test('a user_subscribe past the head of the log, or malformed, gets bad_frame and follows nothing', async () => {
    const r = await raw('erin');
    await node.server.hub.store.notifyUsers([{ user: 'erin', kind: 'mention', data: { room: 'lobby', seq: 1 } }]);
    const past = await r.request({ t: Op.UserSubscribe, after: 4 });
    expect(past).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(String(past.message)).toContain('past the head of your log (1)');
    for (const after of [-1, 1.5, 'x']) {
      expect(await r.request({ t: Op.UserSubscribe, after })).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    }
    expect(following('erin')).toBe(0);
    const from = r.mark;
    await node.server.hub.store.notifyUsers([{ user: 'erin', kind: 'mention', data: { room: 'lobby', seq: 2 } }]);
    await sleep(200);
    expect(r.frames.slice(from).filter((f) => f.t === Op.UserEvent)).toEqual([]);
    // The connection is still good: a correct request is answered.
    expect(await r.ok({ t: Op.UserSubscribe, after: 1 })).toEqual({ head: 2, replayed: 1 });
  });

  test('without after, a subscription replays what arrived since the connection was welcomed', async () => {
    await node.server.hub.store.notifyUsers([{ user: 'jack', kind: 'mention', data: { room: 'lobby', seq: 1 } }]);
    const r = await raw('jack');
    await node.server.hub.store.notifyUsers([{ user: 'jack', kind: 'mention', data: { room: 'lobby', seq: 2 } }]);
    expect(await r.ok({ t: Op.UserSubscribe })).toEqual({ head: 2, replayed: 1 });
    expect(r.frames.filter((f) => f.t === Op.UserEvent).map((f) => (f.e as UserEvent).data.seq)).toEqual([2]);
  });

  test('a message’s mentions reach the members it names once, never the author or a non-member; an edit tells only those newly named', async () => {
    const alice = await raw('kate');
    const bob = await raw('liam');
    const erin = await raw('mia');
    const { room } = await alice.ok({ t: Op.RoomCreate, kind: 'private', name: 'Mentions', members: ['liam', 'mia'] });
    await bob.ok({ t: Op.UserSubscribe });
    await erin.ok({ t: Op.UserSubscribe });
    const bobFrom = bob.mark;
    const body = '@liam @noor @kate hi';
    const mentions = [
      { user: 'liam', at: 0, len: 5 },
      { user: 'noor', at: 6, len: 5 },
      { user: 'kate', at: 12, len: 5 },
      { user: 'liam', at: 0, len: 5 },
    ];
    const sent = await alice.ok({ t: Op.Send, room: room.id, cid: 'm1', body, mentions });
    const notice = await bob.next((f) => f.t === Op.UserEvent && (f.e as UserEvent).kind === 'mention', 5000, bobFrom);
    expect((notice.e as UserEvent).data).toEqual({ room: room.id, seq: sent.seq });
    // A retried send (same cid) is a duplicate: nobody is told twice.
    await alice.ok({ t: Op.Send, room: room.id, cid: 'm1', body, mentions });
    await alice.ok({ t: Op.Edit, room: room.id, seq: sent.seq, body: '@liam @mia hi', mentions: [{ user: 'liam', at: 0, len: 5 }, { user: 'mia', at: 6, len: 4 }] });
    const erinNotice = await erin.next((f) => f.t === Op.UserEvent && (f.e as UserEvent).kind === 'mention');
    expect((erinNotice.e as UserEvent).data).toEqual({ room: room.id, seq: sent.seq });
    await sleep(300);
    const mentionsOf = async (user: string) => (await node.server.hub.store.userEvents(user, 0, 100)).events.filter((e) => e.kind === 'mention');
    expect(await mentionsOf('liam')).toHaveLength(1);
    expect(await mentionsOf('mia')).toHaveLength(1);
    expect(await mentionsOf('noor')).toEqual([]); // not a member of the private room
    expect(await mentionsOf('kate')).toEqual([]); // the author
  });

  test('a hello with a malformed or oversize device id is refused with a clear error and close 4000', async () => {
    for (const [device, code] of [
      ['has spaces', ErrorCode.BadFrame],
      ['x'.repeat(65), ErrorCode.TooLarge],
      ['', ErrorCode.BadFrame],
    ] as const) {
      const r = await RawClient.open(node.url);
      raws.push(r);
      const reply = await r.request({ t: Op.Hello, v: PROTOCOL_VERSION, token: userToken('frank'), device });
      expect(reply).toMatchObject({ t: Op.Error, code });
      expect(String(reply.message)).toContain('device');
      expect((await r.closed).code).toBe(CloseCode.ProtocolError);
    }
    expect(() => new ChatClient({ url: node.url, token: 't', WebSocket, device: 'no spaces' })).toThrow(TypeError);
  });

  test('the device id is kept on the session: the option, or one stored in localStorage and reused', async () => {
    const bot = client('grace', 'bot-7');
    await bot.connect();
    const devices = () => [...node.server.hub.sessions].filter((s) => s.userId === 'grace').map((s) => s.device);
    expect(devices()).toEqual(['bot-7']);
    await bot.close();
    const stored = new Map<string, string>();
    const g = globalThis as { localStorage?: unknown };
    g.localStorage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) };
    try {
      const tab1 = client('grace');
      const tab2 = client('grace');
      await Promise.all([tab1.connect(), tab2.connect()]);
      const id = stored.get('parley.device');
      expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(devices()).toEqual([id, id]);
    } finally {
      delete g.localStorage;
    }
  });

  test('a client that never subscribes gets no user_event frames and still sees the join it was added by', async () => {
    const old = await raw('henry');
    const welcome = old.frames.find((f) => f.t === Op.Welcome)!;
    expect(welcome.features).toEqual(expect.arrayContaining(['user_log', 'devices']));
    const owner = client('ivy');
    await owner.connect();
    const room = await owner.createRoom({ kind: 'private', name: 'Old', members: [] });
    await room.invite('henry');
    const join = await old.next((f) => f.t === Op.Event && (f.e as { room: string }).room === room.id);
    expect(join.e).toMatchObject({ kind: 'join', by: 'henry', data: { inviter: 'ivy' } });
    await sleep(200);
    expect(old.frames.filter((f) => f.t === Op.UserEvent)).toEqual([]);
    expect(await node.server.hub.store.userHead('henry')).toBe(1);
  });
});
