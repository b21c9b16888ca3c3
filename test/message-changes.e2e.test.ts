// Edit, delete, reactions, replies, threads and mentions over real sockets, once per store: the
// changes fan out, history shows messages as they are now, every refusal stores nothing, a delete
// takes the text out of the database, and a client that resumes gets the changes it missed in order.
import { ErrorCode, Feature, Limits, Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SqlStore } from '../server/src/store/index.js';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

let roomCounter = 0;
const uniqueRoom = (p: string) => `${p}-${Date.now().toString(36)}-${roomCounter++}`;

type Frame = Awaited<ReturnType<RawClient['request']>>;

/** The error code of a request's reply (fails the test if it succeeded). */
async function refused(c: RawClient, frame: Record<string, unknown>): Promise<string> {
  const reply: Frame = await c.request(frame);
  if (reply.t !== Op.Error) throw new Error(`expected an error, got ${JSON.stringify(reply)}`);
  return reply.code as string;
}

/** Every client a suite opened, terminated when it ends. */
const clients: RawClient[] = [];
const opened = (c: RawClient) => (clients.push(c), c);

describe.each(kinds)('message changes over the wire (%s)', (kind) => {
  let node: TestNode;
  const signIn = async (sub: string, name = sub) => opened(await RawClient.signedIn(node.url, userToken(sub, name)));
  const head = async (c: RawClient, room: string) => (await c.ok({ t: Op.History, room, limit: 1 })).events.at(-1)?.seq as number;
  const sql = () => (node.server.store as SqlStore).sql;

  /** A public room with alice (owner) and bob in it; carol is signed in but not a member. */
  async function trio() {
    const room = uniqueRoom('chg');
    const alice = await signIn('alice', 'Alice');
    const bob = await signIn('bob', 'Bob');
    const carol = await signIn('carol', 'Carol');
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    await bob.ok({ t: Op.Join, room });
    return { room, alice, bob, carol };
  }

  beforeAll(async () => {
    node = await startNode(kind, { sendRate: 1000, frameRate: 1000, maxPending: 1000, workRate: 1000, roomCreateRate: 1000 });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('welcome announces the features and the limits of message changes', async () => {
    const c = opened(await RawClient.open(node.url));
    const welcome = await c.request({ t: Op.Hello, v: 1, token: userToken('dave') });
    expect(welcome.features).toEqual(expect.arrayContaining([Feature.Edit, Feature.Delete, Feature.Reactions, Feature.Replies, Feature.Threads, Feature.Mentions]));
    expect(welcome.limits).toMatchObject({ editWindowMs: 86_400_000, maxReactionEmoji: 20, maxReactions: 5000, maxMentions: Limits.maxMentions });
  });

  test('an edit reaches every subscriber and history shows the new text; the same text again changes nothing', async () => {
    const { room, alice, bob } = await trio();
    const sent = await alice.ok({ t: Op.Send, room, cid: 'e1', body: 'helo' });
    const edited = await alice.ok({ t: Op.Edit, room, seq: sent.seq, body: 'hello' });
    expect(edited).toMatchObject({ seq: sent.seq + 1, changed: true });
    const live = await bob.next((f) => f.t === Op.Event && (f.e as any).seq === edited.seq);
    expect(live.e).toMatchObject({ kind: 'edit', by: 'alice', body: 'hello', data: { target: sent.seq } });
    const again = await alice.ok({ t: Op.Edit, room, seq: sent.seq, body: 'hello' });
    expect(again).toEqual({ seq: sent.seq, id: sent.id, ts: sent.ts, changed: false });
    expect(await head(alice, room)).toBe(edited.seq);
    const page = await bob.ok({ t: Op.History, room });
    const msg = page.events.find((e: any) => e.seq === sent.seq);
    expect(msg).toMatchObject({ kind: 'msg', by: 'alice', body: 'hello', edited: edited.ts, rev: edited.seq });
    expect(page.events.find((e: any) => e.seq === edited.seq)).toMatchObject({ kind: 'edit' });
  });

  test('edits and deletes are refused, storing nothing: not a member, no such message, not a msg, someone else\'s, deleted', async () => {
    const { room, alice, bob, carol } = await trio();
    const mine = await alice.ok({ t: Op.Send, room, cid: 'x1', body: 'mine' });
    const gone = await alice.ok({ t: Op.Send, room, cid: 'x2', body: 'soon gone' });
    await alice.ok({ t: Op.Delete, room, seq: gone.seq });
    const before = await head(alice, room);
    expect(await refused(carol, { t: Op.Edit, room, seq: mine.seq, body: 'hijack' })).toBe(ErrorCode.Forbidden);
    expect(await refused(carol, { t: Op.Delete, room, seq: mine.seq })).toBe(ErrorCode.Forbidden);
    expect(await refused(alice, { t: Op.Edit, room, seq: 9999, body: 'nothing' })).toBe(ErrorCode.NotFound);
    expect(await refused(alice, { t: Op.Delete, room, seq: 9999 })).toBe(ErrorCode.NotFound);
    expect(await refused(alice, { t: Op.Edit, room, seq: 1, body: 'the room event' })).toBe(ErrorCode.NotFound);
    expect(await refused(bob, { t: Op.Edit, room, seq: mine.seq, body: 'not yours' })).toBe(ErrorCode.Forbidden);
    expect(await refused(bob, { t: Op.Delete, room, seq: mine.seq })).toBe(ErrorCode.Forbidden);
    expect(await refused(alice, { t: Op.Edit, room, seq: gone.seq, body: 'revive' })).toBe(ErrorCode.NotFound);
    expect(await refused(alice, { t: Op.Edit, room, seq: mine.seq, body: '   ' })).toBe(ErrorCode.BadFrame);
    expect(await refused(alice, { t: Op.Edit, room, seq: mine.seq, body: 'x', mentions: [{ user: 'bob', at: 0, len: 2 }] })).toBe(ErrorCode.BadFrame);
    // A private room the caller is not in reads as missing, whatever the seq.
    const hidden = uniqueRoom('priv');
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: hidden });
    const secret = await alice.ok({ t: Op.Send, room: hidden, cid: 's', body: 'secret' });
    expect(await refused(carol, { t: Op.Edit, room: hidden, seq: secret.seq, body: 'x' })).toBe(ErrorCode.NotFound);
    expect(await refused(carol, { t: Op.React, room: hidden, seq: secret.seq, emoji: '👍', on: true })).toBe(ErrorCode.NotFound);
    expect(await head(alice, room)).toBe(before);
    expect(await head(alice, hidden)).toBe(secret.seq);
  });

  test('a delete removes the text from the database, leaves a tombstone with its seq, and is answered unchanged the second time', async () => {
    const { room, alice, bob } = await trio();
    const sent = await alice.ok({ t: Op.Send, room, cid: 'd1', body: 'private thought @bob', mentions: [{ user: 'bob', at: 16, len: 4 }] });
    const edit = await alice.ok({ t: Op.Edit, room, seq: sent.seq, body: 'second private thought' });
    await bob.ok({ t: Op.React, room, seq: sent.seq, emoji: '👀', on: true });
    const del = await alice.ok({ t: Op.Delete, room, seq: sent.seq });
    expect(del.changed).toBe(true);
    const live = await bob.next((f) => f.t === Op.Event && (f.e as any).seq === del.seq);
    expect(live.e).toMatchObject({ kind: 'delete', by: 'alice', data: { target: sent.seq } });
    expect(live.e).not.toHaveProperty('body');
    expect(await alice.ok({ t: Op.Delete, room, seq: sent.seq })).toMatchObject({ seq: sent.seq, changed: false });

    const rows = await sql().query<{ seq: number; body: string | null; mentions: unknown }>(
      'SELECT seq, body, mentions FROM events WHERE room_id = $1 AND seq = ANY($2::int8[]) ORDER BY seq',
      [room, [sent.seq, edit.seq]],
    );
    expect(rows.map((r) => [Number(r.seq), r.body, r.mentions])).toEqual([
      [sent.seq, null, null],
      [edit.seq, null, null],
    ]);
    const leftovers = await sql().query(
      `SELECT 1 FROM events WHERE room_id = $1 AND body LIKE '%private thought%'
       UNION ALL SELECT 1 FROM messages WHERE room_id = $1 AND body LIKE '%private thought%'
       UNION ALL SELECT 1 FROM reactions WHERE room_id = $1`,
      [room],
    );
    expect(leftovers).toEqual([]);

    const page = await bob.ok({ t: Op.History, room });
    const tomb = page.events.find((e: any) => e.seq === sent.seq);
    expect(tomb).toMatchObject({ kind: 'msg', by: 'alice', deleted: true, rev: del.seq });
    expect(tomb).not.toHaveProperty('body');
    expect(tomb).not.toHaveProperty('reactions');
    expect(page.events.map((e: any) => e.seq)).toEqual(page.events.map((_: any, i: number) => page.events[0].seq + i));
    expect(await refused(bob, { t: Op.React, room, seq: sent.seq, emoji: '👍', on: true })).toBe(ErrorCode.NotFound);
  });

  test('reactions toggle, fan out, and history summarises them with me for each reader (WebSocket and HTTP)', async () => {
    const { room, alice, bob } = await trio();
    const sent = await alice.ok({ t: Op.Send, room, cid: 'r1', body: 'react' });
    const on = await bob.ok({ t: Op.React, room, seq: sent.seq, emoji: '👍', on: true });
    expect(on.changed).toBe(true);
    const live = await alice.next((f) => f.t === Op.Event && (f.e as any).seq === on.seq);
    expect(live.e).toMatchObject({ kind: 'reaction', by: 'bob', data: { target: sent.seq, emoji: '👍', on: true } });
    expect(await bob.ok({ t: Op.React, room, seq: sent.seq, emoji: '👍', on: true })).toMatchObject({ changed: false });
    expect(await alice.ok({ t: Op.React, room, seq: sent.seq, emoji: '👍', on: false })).toMatchObject({ changed: false });
    await alice.ok({ t: Op.React, room, seq: sent.seq, emoji: '👍', on: true });
    const flag = await alice.ok({ t: Op.React, room, seq: sent.seq, emoji: '🇧🇷', on: true });

    const mine = (await alice.ok({ t: Op.History, room })).events.find((e: any) => e.seq === sent.seq);
    expect(mine.rev).toBe(flag.seq);
    expect(mine.reactions).toEqual([
      { emoji: '👍', count: 2, me: true, users: ['bob', 'alice'] },
      { emoji: '🇧🇷', count: 1, me: true, users: ['alice'] },
    ]);
    const bobs = (await bob.ok({ t: Op.History, room })).events.find((e: any) => e.seq === sent.seq);
    expect(bobs.reactions.map((r: any) => r.me)).toEqual([true, false]);

    const res = await fetch(`${node.http}/v1/rooms/${room}/events?limit=50`, { headers: { authorization: `Bearer ${userToken('bob')}` } });
    expect(res.status).toBe(200);
    const overHttp = ((await res.json()) as { events: any[] }).events.find((e) => e.seq === sent.seq);
    expect(overHttp).toMatchObject({ body: 'react', rev: flag.seq, reactions: [{ emoji: '👍', me: true }, { emoji: '🇧🇷', me: false }] });

    await bob.ok({ t: Op.React, room, seq: sent.seq, emoji: '👍', on: false });
    const after = (await bob.ok({ t: Op.History, room })).events.find((e: any) => e.seq === sent.seq);
    expect(after.reactions[0]).toEqual({ emoji: '👍', count: 1, me: false, users: ['alice'] });
  });

  test('reactions are refused, storing nothing: bad emoji, not a member, no such message, too many distinct emoji', async () => {
    const { room, alice, bob, carol } = await trio();
    const sent = await alice.ok({ t: Op.Send, room, cid: 'b1', body: 'bounded' });
    const private_ = uniqueRoom('priv');
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: private_ });
    const before = await head(alice, room);
    for (const emoji of ['a', 'ok', '<b>', '1', '👍x', '\u200d']) {
      expect(await refused(bob, { t: Op.React, room, seq: sent.seq, emoji, on: true }), emoji).toBe(ErrorCode.BadFrame);
    }
    expect(await refused(bob, { t: Op.React, room, seq: sent.seq, emoji: '😀'.repeat(17), on: true })).toBe(ErrorCode.TooLarge);
    expect(await refused(carol, { t: Op.React, room: private_, seq: 2, emoji: '👍', on: true })).toBe(ErrorCode.NotFound);
    expect(await refused(bob, { t: Op.React, room, seq: 9999, emoji: '👍', on: true })).toBe(ErrorCode.NotFound);
    expect(await refused(bob, { t: Op.React, room, seq: 1, emoji: '👍', on: true })).toBe(ErrorCode.NotFound);
    expect(await head(alice, room)).toBe(before);
    const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂'].filter((c) => c.length > 1);
    expect(emoji).toHaveLength(Limits.maxReactionEmoji);
    for (const e of emoji) await bob.ok({ t: Op.React, room, seq: sent.seq, emoji: e, on: true });
    const full = await head(alice, room);
    expect(await refused(alice, { t: Op.React, room, seq: sent.seq, emoji: '🤔', on: true })).toBe(ErrorCode.LimitReached);
    // An emoji already there can still be added by someone else.
    expect(await alice.ok({ t: Op.React, room, seq: sent.seq, emoji: '😀', on: true })).toMatchObject({ changed: true });
    expect(await head(alice, room)).toBe(full + 1);
    const [count] = await sql().query<{ n: number }>('SELECT count(*)::int AS n FROM reactions WHERE room_id = $1', [room]);
    expect(count!.n).toBe(Limits.maxReactionEmoji + 1);
  });

  test('a message with maxReactions reactions takes no more, even of an emoji already on it; taking one back still works', async () => {
    const { room, alice, bob } = await trio();
    const sent = await alice.ok({ t: Op.Send, room, cid: 'full', body: 'popular' });
    // Reactors stored directly: reaching the cap over the wire would take thousands of connections.
    await sql().query(
      `INSERT INTO reactions (room_id, seq, emoji, user_id, at_seq) SELECT $1, $2, '👍', 'fan' || g, $2 FROM generate_series(1, $3::int) g`,
      [room, sent.seq, Limits.maxReactions],
    );
    const before = await head(alice, room);
    expect(await refused(bob, { t: Op.React, room, seq: sent.seq, emoji: '👍', on: true })).toBe(ErrorCode.LimitReached);
    expect(await head(alice, room)).toBe(before);
    const back = opened(await RawClient.signedIn(node.url, userToken('fan1')));
    await back.ok({ t: Op.Join, room });
    expect(await back.ok({ t: Op.React, room, seq: sent.seq, emoji: '👍', on: false })).toMatchObject({ changed: true });
    expect(await bob.ok({ t: Op.React, room, seq: sent.seq, emoji: '👍', on: true })).toMatchObject({ changed: true });
  });

  test('replies quote a message of the room, thread replies count on their root and page on their own', async () => {
    const { room, alice, bob } = await trio();
    const root = await alice.ok({ t: Op.Send, room, cid: 't0', body: 'root' });
    const quote = await bob.ok({ t: Op.Send, room, cid: 't1', body: 'quoting', replyTo: root.seq });
    const live = await alice.next((f) => f.t === Op.Event && (f.e as any).seq === quote.seq);
    expect(live.e).toMatchObject({ kind: 'msg', data: { replyTo: root.seq } });
    const r1 = await bob.ok({ t: Op.Send, room, cid: 't2', body: 'in thread', thread: root.seq });
    const r2 = await alice.ok({ t: Op.Send, room, cid: 't3', body: 'me too', thread: root.seq, replyTo: r1.seq });
    const before = await head(alice, room);
    expect(await refused(bob, { t: Op.Send, room, cid: 't4', body: 'x', replyTo: 9999 })).toBe(ErrorCode.NotFound);
    expect(await refused(bob, { t: Op.Send, room, cid: 't5', body: 'x', thread: 9999 })).toBe(ErrorCode.NotFound);
    expect(await refused(bob, { t: Op.Send, room, cid: 't6', body: 'x', thread: 1 })).toBe(ErrorCode.NotFound);
    expect(await refused(bob, { t: Op.Send, room, cid: 't7', body: 'x', thread: r1.seq })).toBe(ErrorCode.BadFrame);
    expect(await head(alice, room)).toBe(before);

    const all = (await bob.ok({ t: Op.History, room })).events;
    expect(all.find((e: any) => e.seq === root.seq)).toMatchObject({ replies: { count: 2, last: r2.seq, lastTs: r2.ts }, rev: r2.seq });
    const thread = await bob.ok({ t: Op.History, room, thread: root.seq });
    expect(thread.events.map((e: any) => e.seq)).toEqual([r1.seq, r2.seq]);
    expect(thread.events[1]).toMatchObject({ data: { thread: root.seq, replyTo: r1.seq } });
    const main = (await bob.ok({ t: Op.History, room, main: true })).events.map((e: any) => e.seq);
    expect(main).toContain(quote.seq);
    expect(main).not.toContain(r1.seq);
    expect(main).not.toContain(r2.seq);
  });

  test('mentions are stored with the message, handed to the hub\'s mention hook, and refused when they point outside the body', async () => {
    const { room, alice, bob } = await trio();
    const hooked: any[] = [];
    node.server.hub.onMentions = (e) => void hooked.push(e);
    const mentions = [{ user: 'bob', at: 3, len: 4 }];
    const sent = await alice.ok({ t: Op.Send, room, cid: 'm1', body: 'hi @bob', mentions });
    const live = await bob.next((f) => f.t === Op.Event && (f.e as any).seq === sent.seq);
    expect((live.e as any).mentions).toEqual(mentions);
    await alice.ok({ t: Op.Send, room, cid: 'm0', body: 'nobody mentioned' });
    expect(hooked).toEqual([expect.objectContaining({ room, seq: sent.seq, kind: 'msg', by: 'alice', mentions })]);
    node.server.hub.onMentions = undefined;
    const before = await head(alice, room);
    expect(await refused(alice, { t: Op.Send, room, cid: 'm2', body: 'hi', mentions: [{ user: 'bob', at: 1, len: 5 }] })).toBe(ErrorCode.BadFrame);
    expect(await refused(alice, { t: Op.Send, room, cid: 'm3', body: 'hi', mentions: [{ user: 'bob', at: 0, len: 0 }] })).toBe(ErrorCode.BadFrame);
    expect(await head(alice, room)).toBe(before);
    const edited = await alice.ok({ t: Op.Edit, room, seq: sent.seq, body: 'hi everyone' });
    const msg = (await bob.ok({ t: Op.History, room })).events.find((e: any) => e.seq === sent.seq);
    expect(msg).toMatchObject({ body: 'hi everyone', rev: edited.seq });
    expect(msg).not.toHaveProperty('mentions');
  });

  test('a client that resumes gets the edits, reactions and deletes it missed, in order, and folds to what history shows', async () => {
    const { room, alice, bob } = await trio();
    const a = await alice.ok({ t: Op.Send, room, cid: 'z1', body: 'one' });
    const b = await alice.ok({ t: Op.Send, room, cid: 'z2', body: 'two' });
    await bob.ok({ t: Op.Subscribe, room });
    await bob.next((f) => f.t === Op.Event && (f.e as any).seq === b.seq);
    await bob.close();
    await alice.ok({ t: Op.Edit, room, seq: a.seq, body: 'one!' });
    await alice.ok({ t: Op.React, room, seq: a.seq, emoji: '👍', on: true });
    await alice.ok({ t: Op.Delete, room, seq: b.seq });
    await alice.ok({ t: Op.React, room, seq: a.seq, emoji: '👍', on: false });
    const last = await alice.ok({ t: Op.Edit, room, seq: a.seq, body: 'one!!' });

    const back = await signIn('bob', 'Bob');
    const resumed = await back.ok({ t: Op.Subscribe, room, after: b.seq });
    expect(resumed.replayed).toBe(last.seq - b.seq);
    const replay = back.events(room);
    expect(replay.map((e) => e.seq)).toEqual(Array.from({ length: last.seq - b.seq }, (_, i) => b.seq + 1 + i));
    expect(replay.map((e) => e.kind)).toEqual(['edit', 'reaction', 'delete', 'reaction', 'edit']);
    // Folding the replay, by the rev rule, onto what the client had gives what history shows.
    const view = new Map<number, { body?: string; deleted?: boolean; rev: number }>([
      [a.seq, { body: 'one', rev: a.seq }],
      [b.seq, { body: 'two', rev: b.seq }],
    ]);
    for (const e of replay) {
      const m = view.get(e.data.target)!;
      if (e.seq <= m.rev) continue;
      m.rev = e.seq;
      if (e.kind === 'edit') m.body = e.body;
      if (e.kind === 'delete') {
        delete m.body;
        m.deleted = true;
      }
    }
    const page = (await back.ok({ t: Op.History, room })).events;
    for (const [seq, m] of view) {
      const h = page.find((e: any) => e.seq === seq);
      expect({ body: h.body, deleted: h.deleted, rev: h.rev }).toEqual({ body: m.body, deleted: m.deleted, rev: m.rev });
    }
  });
});

describe('message change limits (pglite)', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('pglite', { editWindowMs: 300, sendRate: 2, frameRate: 1000 });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('an edit after the edit window is too late and stores nothing; a delete has no window', async () => {
    const alice = opened(await RawClient.signedIn(node.url, userToken('alice')));
    await alice.ok({ t: Op.Join, room: 'lobby' });
    const sent = await alice.ok({ t: Op.Send, room: 'lobby', cid: 'late', body: 'typo' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await refused(alice, { t: Op.Edit, room: 'lobby', seq: sent.seq, body: 'fixed' })).toBe(ErrorCode.TooLate);
    expect((await alice.ok({ t: Op.History, room: 'lobby', limit: 1 })).events[0].seq).toBe(sent.seq);
    expect(await alice.ok({ t: Op.Delete, room: 'lobby', seq: sent.seq })).toMatchObject({ changed: true });
  });

  test('reactions count against the send rate like messages', async () => {
    const bob = opened(await RawClient.signedIn(node.url, userToken('bob')));
    await bob.ok({ t: Op.Join, room: 'lobby' });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the join does not use the send budget; let it refill anyway
    const sent = await bob.ok({ t: Op.Send, room: 'lobby', cid: 'rate', body: 'react' });
    const replies = await Promise.all(['👍', '🎉', '🔥', '😀', '🙂'].map((emoji) => bob.request({ t: Op.React, room: 'lobby', seq: sent.seq, emoji, on: true })));
    const codes = replies.map((r) => (r.t === Op.Error ? r.code : 'ok'));
    expect(codes.filter((c) => c === ErrorCode.RateLimited).length).toBeGreaterThanOrEqual(2);
    const stored = await (node.server.store as SqlStore).sql.query<{ n: number }>('SELECT count(*)::int AS n FROM reactions WHERE room_id = $1 AND seq = $2', ['lobby', sent.seq]);
    expect(stored[0]!.n).toBe(codes.filter((c) => c === 'ok').length);
  });
});
