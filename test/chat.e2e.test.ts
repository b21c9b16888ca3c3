// End-to-end protocol behaviour against a real node on port 0, once per store (PGlite and PostgreSQL).
import { CloseCode, ErrorCode, Feature, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

let roomCounter = 0;
const uniqueRoom = (p: string) => `${p}-${Date.now().toString(36)}-${roomCounter++}`;

/** A typing_state of `user` in `room`, switched `on`, in thread `thread` (undefined: the room itself). */
const typingState = (room: string, user: string, on: boolean, thread: number | undefined) => (f: Record<string, unknown>) =>
  f.t === Op.TypingState && f.room === room && f.user === user && f.on === on && f.thread === thread;

/** A room with a first message to thread under: its creator `a` and a member `b` follow it. */
async function roomWithRoot(a: RawClient, b: RawClient, prefix: string): Promise<{ room: string; root: number }> {
  const room = uniqueRoom(prefix);
  await a.ok({ t: Op.RoomCreate, kind: 'public', id: room });
  await b.ok({ t: Op.Join, room });
  const { seq } = await a.ok({ t: Op.Send, room, cid: `${room}-root`, body: 'start a thread here' });
  return { room, root: seq as number };
}

describe.each(kinds)('chat over the wire (%s)', (kind) => {
  let node: TestNode;
  const clients: RawClient[] = [];
  const signIn = async (sub: string, name = sub) => {
    const c = await RawClient.signedIn(node.url, userToken(sub, name));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    // Pipelined bursts of up to 1000 sends on one socket: the per-connection limits must not be what is measured.
    node = await startNode(kind, { typingTtlMs: 1000, resumeLimit: 20, sendRate: 1000, frameRate: 1000, maxPending: 1000 });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('two users chat in a public room and both see the message once, with seq and author', async () => {
    const alice = await signIn('alice', 'Alice');
    const bob = await signIn('bob', 'Bob');
    await alice.ok({ t: Op.Join, room: 'lobby' });
    await bob.ok({ t: Op.Join, room: 'lobby' });
    const ack = await alice.ok({ t: Op.Send, room: 'lobby', cid: 'c-1', body: 'hello bob' });
    expect(ack).toMatchObject({ cid: 'c-1', duplicate: false });
    const seen = await bob.next((f) => f.t === Op.Event && (f.e as any).id === ack.id);
    expect(seen.e).toMatchObject({ room: 'lobby', seq: ack.seq, kind: 'msg', by: 'alice', name: 'Alice', body: 'hello bob', cid: 'c-1' });
    await alice.next((f) => f.t === Op.Event && (f.e as any).id === ack.id);
    expect(alice.events('lobby').filter((e) => e.id === ack.id)).toHaveLength(1);
  });

  test('a retried cid returns the original message and appends nothing', async () => {
    const c = await signIn('retrier');
    const room = uniqueRoom('retry');
    await c.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    const first = await c.ok({ t: Op.Send, room, cid: 'same-cid', body: 'once' });
    const again = await c.ok({ t: Op.Send, room, cid: 'same-cid', body: 'once' });
    expect(again).toMatchObject({ id: first.id, seq: first.seq, duplicate: true });
    const page = await c.ok({ t: Op.History, room });
    expect(page.events.filter((e: any) => e.kind === 'msg')).toHaveLength(1);
  });

  test('history pages backwards and forwards with gapless seq', async () => {
    const c = await signIn('historian');
    const room = uniqueRoom('hist');
    await c.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => c.ok({ t: Op.Send, room, cid: `h${i}`, body: `m${i}` })));
    const seqs = acks.map((a) => a.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => seqs[0] + i));
    const latest = await c.ok({ t: Op.History, room, limit: 10 });
    expect(latest.more).toBe(true);
    expect(latest.events.map((e: any) => e.seq)).toEqual(seqs.slice(-10));
    const older = await c.ok({ t: Op.History, room, before: latest.events[0].seq, limit: 10 });
    expect(older.events.map((e: any) => e.seq)).toEqual(seqs.slice(10, 20));
    const forward = await c.ok({ t: Op.History, room, after: seqs[4], limit: 5 });
    expect(forward.events.map((e: any) => e.seq)).toEqual(seqs.slice(5, 10));
    const all = await c.ok({ t: Op.History, room, after: 0, limit: 200 });
    expect(all.more).toBe(false);
    expect(all.events.map((e: any) => e.seq)).toEqual(Array.from({ length: all.events.length }, (_, i) => i + 1));
  });

  test('a burst of pipelined sends on one socket is group-committed in a few transactions', async () => {
    const c = await signIn('burst');
    const room = uniqueRoom('burst');
    await c.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    const store = node.server.store as unknown as { stats(): { appends: number; batches: number } };
    const before = store.stats();
    const n = 1000;
    for (let i = 0; i < n; i++) c.send({ t: Op.Send, r: 1_000_000 + i, room, cid: `b${i}`, body: `burst ${i}` });
    await c.next((f) => f.r === 1_000_000 + n - 1, 20_000);
    const after = store.stats();
    expect(after.appends - before.appends).toBe(n);
    // One transaction per message would be 1000 batches; frames of one socket read must share one.
    expect(after.batches - before.batches).toBeLessThan(50);
    const page = await c.ok({ t: Op.History, room, after: 0, limit: 200 });
    expect(page.events.filter((e: any) => e.kind === 'msg').map((e: any) => e.body).slice(0, 3)).toEqual(['burst 0', 'burst 1', 'burst 2']);
  });

  test('a fresh connection\'s pipelined sends are stored in the order it sent them', async () => {
    const room = uniqueRoom('order');
    const owner = await signIn('orderly');
    await owner.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    await owner.close();
    // A new connection has no membership cached: every send starts with a check, concurrently.
    const c = await signIn('orderly');
    const n = 60;
    for (let i = 0; i < n; i++) c.send({ t: Op.Send, r: 500 + i, room, cid: `o${i}`, body: `${i}` });
    await c.next((f) => f.r === 500 + n - 1, 10_000);
    const page = await c.ok({ t: Op.History, room, after: 0, limit: 200 });
    expect(page.events.filter((e: any) => e.kind === 'msg').map((e: any) => Number(e.body))).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  test('a private room answers a non-member’s join, history, send, subscribe and members as if it did not exist; an invite lets them in', async () => {
    const owner = await signIn('owner');
    const outsider = await signIn('outsider');
    const room = uniqueRoom('secret');
    await owner.ok({ t: Op.RoomCreate, kind: 'private', id: room, name: 'Secret' });
    await owner.ok({ t: Op.Send, room, cid: 's1', body: 'classified' });
    for (const frame of [
      { t: Op.Join, room },
      { t: Op.History, room },
      { t: Op.Send, room, cid: 'x1', body: 'let me in' },
      { t: Op.Subscribe, room },
      { t: Op.Members, room },
    ]) {
      const reply = await outsider.request(frame);
      expect(reply, `frame ${frame.t}`).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound, message: `no room "${room}"` });
    }
    const notOwner = await signIn('member2');
    await owner.ok({ t: Op.Invite, room, user: 'member2' });
    expect(await notOwner.request({ t: Op.Invite, room, user: 'outsider' })).toMatchObject({ code: ErrorCode.Forbidden });
    await owner.ok({ t: Op.Invite, room, user: 'outsider' });
    const joined = await outsider.ok({ t: Op.Join, room });
    expect(joined.room).toMatchObject({ id: room, kind: 'private', role: 'member' });
    const page = await outsider.ok({ t: Op.History, room });
    expect(page.events.some((e: any) => e.body === 'classified')).toBe(true);
    expect((await outsider.request({ t: Op.Join, room: uniqueRoom('nope') })).code).toBe(ErrorCode.NotFound);
  });

  test('presence follows a user across two tabs: online, away only when both are away, offline after the last closes', async () => {
    const room = uniqueRoom('pres');
    const watcher = await signIn('watcher');
    await watcher.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    const tab1 = await signIn('carol', 'Carol');
    const tab2 = await signIn('carol', 'Carol');
    const states = () => watcher.frames.filter((f) => f.t === Op.Presence && f.user === 'carol' && f.room === room).map((f) => f.state);
    await tab1.ok({ t: Op.Join, room });
    await watcher.next((f) => f.t === Op.Presence && f.user === 'carol' && f.state === 'online');
    await tab2.ok({ t: Op.Subscribe, room });
    const members = await watcher.ok({ t: Op.Members, room });
    expect(members.members.find((m: any) => m.user === 'carol')).toMatchObject({ state: 'online', name: 'Carol' });
    tab1.send({ t: Op.SetPresence, state: 'away' });
    await tab1.ok({ t: Op.Ping }); // the frame above has been processed
    expect(states()).toEqual(['online']);
    tab2.send({ t: Op.SetPresence, state: 'away' });
    await watcher.next((f) => f.t === Op.Presence && f.user === 'carol' && f.state === 'away');
    await tab2.close();
    await tab2.closed;
    // tab1 is still there (away): not offline yet.
    await watcher.ok({ t: Op.Ping });
    expect(states()).not.toContain('offline');
    const mark = watcher.mark;
    tab1.send({ t: Op.SetPresence, state: 'online' });
    await watcher.next((f) => f.t === Op.Presence && f.user === 'carol' && f.state === 'online', 5000, mark);
    await tab1.close();
    await watcher.next((f) => f.t === Op.Presence && f.user === 'carol' && f.state === 'offline');
    expect(states()).toEqual(['online', 'away', 'online', 'offline']);
  });

  test('typing is relayed and expires without a refresh; sending clears it; so does leaving', async () => {
    const room = uniqueRoom('typing');
    const a = await signIn('typist', 'Tia Typist');
    const b = await signIn('reader');
    await a.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    await b.ok({ t: Op.Join, room });
    const typing = (on: boolean) => (f: { t: number; room?: unknown; on?: unknown }) => f.t === Op.TypingState && f.room === room && f.on === on;
    a.send({ t: Op.Typing, room, on: true });
    const on = await b.next(typing(true));
    expect(on).toMatchObject({ user: 'typist', name: 'Tia Typist' });
    const started = Date.now();
    let mark = b.mark;
    await b.next(typing(false), 10_000, mark);
    expect(Date.now() - started).toBeGreaterThanOrEqual(node.config.typingTtlMs - 500);
    mark = b.mark;
    a.send({ t: Op.Typing, room, on: true });
    await b.next(typing(true), 5000, mark);
    mark = b.mark;
    await a.ok({ t: Op.Send, room, cid: 'tp1', body: 'done typing' });
    await b.next(typing(false), 500, mark); // well before the TTL: the send cleared it
    // The typist's last connection closing ends the indicator too, under their name.
    mark = b.mark;
    a.send({ t: Op.Typing, room, on: true });
    await b.next(typing(true), 5000, mark);
    mark = b.mark;
    await a.close();
    const off = await b.next(typing(false), 500, mark);
    expect(off).toMatchObject({ user: 'typist', name: 'Tia Typist' });
  });

  test('typing in a thread reaches another member with its thread; typing in the room comes without one', async () => {
    const a = await signIn('thread-typist', 'Tess Typist');
    const b = await signIn('thread-reader');
    expect(a.frames.find((f) => f.t === Op.Welcome)?.features).toContain(Feature.Threads);
    const { room, root } = await roomWithRoot(a, b, 'tt-relay');

    let mark = b.mark;
    a.send({ t: Op.Typing, room, on: true, thread: root });
    const inThread = await b.next(typingState(room, 'thread-typist', true, root), 5000, mark);
    expect(inThread).toMatchObject({ name: 'Tess Typist', thread: root });

    a.send({ t: Op.Typing, room, on: true });
    const inRoom = await b.next(typingState(room, 'thread-typist', true, undefined), 5000, mark);
    expect(inRoom).not.toHaveProperty('thread');

    // A reply in the thread ends typing there, well before the TTL, and leaves the room's indicator on.
    mark = b.mark;
    await a.ok({ t: Op.Send, room, cid: `${room}-reply`, body: 'a reply', thread: root });
    await b.next(typingState(room, 'thread-typist', false, root), 500, mark);
    expect(b.frames.slice(mark).filter(typingState(room, 'thread-typist', false, undefined))).toEqual([]);
    // The room's indicator then expires on its own, as before threads.
    await b.next(typingState(room, 'thread-typist', false, undefined), 3000, mark);
  });

  test('each place expires on its own; stopping in the thread leaves the room typing; leaving the room ends both', async () => {
    const a = await signIn('two-places');
    const b = await signIn('two-places-reader');
    const { room, root } = await roomWithRoot(a, b, 'tt-places');

    let mark = b.mark;
    a.send({ t: Op.Typing, room, on: true, thread: root });
    await b.next(typingState(room, 'two-places', true, root), 5000, mark);
    const started = Date.now();
    await b.next(typingState(room, 'two-places', false, root), 5000, mark);
    expect(Date.now() - started).toBeGreaterThanOrEqual(node.config.typingTtlMs - 300);

    mark = b.mark;
    a.send({ t: Op.Typing, room, on: true });
    a.send({ t: Op.Typing, room, on: true, thread: root });
    await b.next(typingState(room, 'two-places', true, root), 5000, mark);
    a.send({ t: Op.Typing, room, on: false, thread: root });
    await b.next(typingState(room, 'two-places', false, root), 500, mark);
    expect(b.frames.slice(mark).filter(typingState(room, 'two-places', false, undefined))).toEqual([]);

    mark = b.mark;
    a.send({ t: Op.Typing, room, on: true, thread: root });
    await b.next(typingState(room, 'two-places', true, root), 5000, mark);
    await a.ok({ t: Op.Leave, room });
    await b.next(typingState(room, 'two-places', false, root), 500, mark);
    await b.next(typingState(room, 'two-places', false, undefined), 500, mark);
  });

  // (nil is absent, as for every optional field: typing in the room.)
  test('a thread that is not a seq is refused with bad_frame and relays nothing', async () => {
    const a = await signIn('bad-thread');
    const b = await signIn('bad-thread-reader');
    const { room } = await roomWithRoot(a, b, 'tt-bad');
    const mark = b.mark;
    for (const thread of [-1, 1.5, '3', true, 2 ** 53]) {
      const from = a.mark;
      a.send({ t: Op.Typing, room, on: true, thread });
      const refusal = await a.next((f) => f.t === Op.Error, 5000, from);
      expect(refusal).toMatchObject({ code: ErrorCode.BadFrame });
      expect(refusal.r).toBeUndefined();
      expect(refusal.message).toContain('thread');
    }
    // The socket still serves, and the first typing the other member sees is the valid one after.
    a.send({ t: Op.Typing, room, on: true });
    const first = await b.next((f) => f.t === Op.TypingState && f.room === room, 5000, mark);
    expect(first).toMatchObject({ user: 'bad-thread', on: true });
    expect(first).not.toHaveProperty('thread');
  });

  test('the thread root is not looked up: typing under a seq past the head is relayed as sent', async () => {
    const a = await signIn('far-thread');
    const b = await signIn('far-thread-reader');
    const { room, root } = await roomWithRoot(a, b, 'tt-far');
    const mark = b.mark;
    a.send({ t: Op.Typing, room, on: true, thread: root + 1000 });
    await b.next(typingState(room, 'far-thread', true, root + 1000), 5000, mark);
  });
  test('rename: profile changes reach room members, room rename is an event', async () => {
    const room = uniqueRoom('names');
    const a = await signIn('renamer', 'Old Name');
    const b = await signIn('observer');
    await a.ok({ t: Op.RoomCreate, kind: 'public', id: room, name: 'Before' });
    await b.ok({ t: Op.Join, room });
    const res = await a.ok({ t: Op.SetProfile, name: 'New Name' });
    expect(res.user).toMatchObject({ id: 'renamer', name: 'New Name' });
    await b.next((f) => f.t === Op.Profile && f.user === 'renamer' && f.name === 'New Name');
    const sent = await a.ok({ t: Op.Send, room, cid: 'n1', body: 'hi' });
    expect((await b.next((f) => f.t === Op.Event && (f.e as any).id === sent.id)).e).toMatchObject({ name: 'New Name' });
    const upd = await a.ok({ t: Op.RoomUpdate, room, name: 'After' });
    expect(upd.room.name).toBe('After');
    await b.next((f) => f.t === Op.Event && (f.e as any).kind === 'room' && (f.e as any).data?.name === 'After');
    expect((await b.request({ t: Op.RoomUpdate, room, name: 'Hijack' })).code).toBe(ErrorCode.Forbidden);
  });

  test('direct rooms: created once per pair, private to the two', async () => {
    const a = await signIn('dm-a');
    const b = await signIn('dm-b');
    const first = await a.ok({ t: Op.RoomCreate, kind: 'dm', members: ['dm-b'] });
    expect(first).toMatchObject({ created: true, room: { kind: 'dm', members: 2 } });
    const again = await b.ok({ t: Op.RoomCreate, kind: 'dm', members: ['dm-a'] });
    expect(again).toMatchObject({ created: false, room: { id: first.room.id } });
    const stranger = await signIn('dm-c');
    expect((await stranger.request({ t: Op.Join, room: first.room.id })).code).toBe(ErrorCode.NotFound);
    expect((await a.request({ t: Op.Invite, room: first.room.id, user: 'dm-c' })).code).toBe(ErrorCode.Forbidden);
    const list = await b.ok({ t: Op.RoomList });
    expect(list.rooms.map((r: any) => r.id)).toContain(first.room.id);
  });

  test('subscribe with after replays exactly the missed events; too far behind or ahead says gap', async () => {
    const room = uniqueRoom('resume');
    const writer = await signIn('writer');
    await writer.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    const reader = await signIn('late-reader');
    const joined = await reader.ok({ t: Op.Join, room });
    await reader.ok({ t: Op.Unsubscribe, room });
    const acks = [];
    for (let i = 0; i < 12; i++) acks.push(await writer.ok({ t: Op.Send, room, cid: `r${i}`, body: `m${i}` }));
    expect(reader.events(room).filter((e) => e.kind === 'msg')).toHaveLength(0);
    const res = await reader.ok({ t: Op.Subscribe, room, after: joined.room.head });
    expect(res.replayed).toBe(12);
    expect(reader.events(room).map((e) => e.seq)).toEqual(acks.map((a) => a.seq));
    for (let i = 12; i < 25; i++) await writer.ok({ t: Op.Send, room, cid: `r${i}`, body: `m${i}` });
    await reader.ok({ t: Op.Unsubscribe, room });
    const before = reader.frames.length;
    const far = await reader.ok({ t: Op.Subscribe, room, after: joined.room.head }); // 25 behind > resumeLimit 20
    expect(far).toMatchObject({ gap: true, replayed: 0 });
    expect(reader.frames.slice(before).filter((f) => f.t === Op.Event)).toHaveLength(0);
    const future = await reader.ok({ t: Op.Subscribe, room, after: res.room.head + 100 });
    expect(future.gap).toBe(true);
  });

  test('leave appends an event and stops delivery', async () => {
    const room = uniqueRoom('leave');
    const a = await signIn('stayer');
    const b = await signIn('leaver');
    await a.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    await b.ok({ t: Op.Join, room });
    await a.next((f) => f.t === Op.Event && (f.e as any).kind === 'join' && (f.e as any).by === 'leaver');
    await b.ok({ t: Op.Leave, room });
    await a.next((f) => f.t === Op.Event && (f.e as any).kind === 'leave' && (f.e as any).by === 'leaver');
    const after = await a.ok({ t: Op.Send, room, cid: 'l1', body: 'gone?' });
    await b.ok({ t: Op.Ping });
    expect(b.events(room).some((e) => e.id === after.id)).toBe(false);
    expect((await b.request({ t: Op.Send, room, cid: 'l2', body: 'x' })).code).toBe(ErrorCode.Forbidden);
  });

  test('auth failures on the wire: error frame with the reason, then close 4001', async () => {
    for (const token of ['not-a-jwt', userToken('x', 'x', { expiresIn: -120 }), userToken('x').slice(0, -3) + 'abc']) {
      const c = await RawClient.open(node.url);
      const reply = await c.request({ t: Op.Hello, v: PROTOCOL_VERSION, token });
      expect(reply).toMatchObject({ t: Op.Error, code: ErrorCode.Unauthorized });
      expect((await c.closed).code).toBe(CloseCode.Unauthorized);
    }
    const old = await RawClient.open(node.url);
    expect(await old.request({ t: Op.Hello, v: 99, token: userToken('x') })).toMatchObject({ code: ErrorCode.UnsupportedVersion });
    expect((await old.closed).code).toBe(CloseCode.UnsupportedVersion);
    const eager = await RawClient.open(node.url);
    expect(await eager.request({ t: Op.Join, room: 'lobby' })).toMatchObject({ code: ErrorCode.NotReady });
    expect((await eager.closed).code).toBe(CloseCode.ProtocolError);
  });
});
