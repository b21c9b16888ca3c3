// Search over real sockets, once per store: messages are found by their current text (an edited one
// by its new text, a deleted one never), only in rooms the searcher may read, accents and parts of
// words included, with filters, pages and highlight ranges; bad queries are refused and store nothing.
import { ChatClient, InvalidRequestError, NotFoundError } from '@parley/sdk';
import { ErrorCode, Feature, Limits, Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { SqlStore } from '../server/src/store/index.js';
import { RawClient } from './support/raw-client.js';
import { freshStorage, postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

let counter = 0;
/** A word no other test (nor any other public room on the node) uses: every public room is searchable. */
const uniqueWord = (p: string) => `${p}${Date.now().toString(36)}x${counter++}`.replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!);
const uniqueRoom = (p: string) => `${p}-${Date.now().toString(36)}-${counter++}`;

const clients: RawClient[] = [];
const opened = (c: RawClient) => (clients.push(c), c);

async function refused(c: RawClient, frame: Record<string, unknown>): Promise<{ code: string; message: string }> {
  const reply = await c.request(frame);
  if (reply.t !== Op.Error) throw new Error(`expected an error, got ${JSON.stringify(reply)}`);
  return { code: reply.code as string, message: reply.message as string };
}

/** The text each result of a search shows, newest first. */
const bodies = (data: Record<string, any>): string[] => (data.results as { body: string }[]).map((r) => r.body);
/** The highlighted parts of one result's text. */
const marked = (r: { body: string; highlights: { at: number; len: number }[] }): string[] => r.highlights.map((h) => r.body.slice(h.at, h.at + h.len));

describe.each(kinds)('search (%s)', (kind) => {
  let node: TestNode;
  const signIn = async (sub: string, name = sub) => opened(await RawClient.signedIn(node.url, userToken(sub, name)));
  const search = (c: RawClient, query: string, more: Record<string, unknown> = {}) => c.ok({ t: Op.Search, query, ...more });

  beforeAll(async () => {
    node = await startNode(kind, { sendRate: 1000, frameRate: 1000, maxPending: 1000, workRate: 1000, roomCreateRate: 1000, searchRate: 1000 });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('welcome announces search, the longest query and the search rate', async () => {
    const c = opened(await RawClient.open(node.url));
    const welcome = await c.request({ t: Op.Hello, v: 1, token: userToken('dave') });
    expect(welcome.features).toContain(Feature.Search);
    expect(welcome.limits).toMatchObject({ maxSearchQuery: Limits.maxSearchQuery, searchRate: 1000 });
  });

  test('an edited message is found by its new text only, a deleted one never, a thread reply with its thread', async () => {
    const room = uniqueRoom('s');
    const w = uniqueWord('w');
    const alice = await signIn('alice', 'Alice');
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: room });
    const edited = await alice.ok({ t: Op.Send, room, cid: 'a', body: `old ${w} words` });
    await alice.ok({ t: Op.Edit, room, seq: edited.seq, body: `new ${w}fresh text` });
    const gone = await alice.ok({ t: Op.Send, room, cid: 'b', body: `${w} to delete` });
    await alice.ok({ t: Op.Delete, room, seq: gone.seq });
    const kept = await alice.ok({ t: Op.Send, room, cid: 'c', body: `${w} kept` });
    const reply = await alice.ok({ t: Op.Send, room, cid: 'd', body: `${w} in a thread`, thread: kept.seq });

    const found = await search(alice, w);
    expect(bodies(found)).toEqual([`${w} in a thread`, `${w} kept`, `new ${w}fresh text`]);
    expect(found.results[0]).toMatchObject({ room, seq: reply.seq, id: reply.id, by: 'alice', name: 'Alice', thread: kept.seq, ts: reply.ts });
    expect(found.results[2]).toMatchObject({ seq: edited.seq, edited: expect.any(Number) });
    expect(found.next).toBeUndefined();
    expect(bodies(await search(alice, `old ${w}`))).toEqual([]);
    expect(bodies(await search(alice, `${w} delete`))).toEqual([]);
    expect(bodies(await search(alice, 'fresh'))).toContain(`new ${w}fresh text`);
    // The deleted text is nowhere in storage either (redaction), so no index can hold it.
    const rows = await (node.server.store as SqlStore).sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE body LIKE $1`, [`%${w} to delete%`]);
    expect(rows[0]!.n).toBe(0);
  });

  test('a user never sees results from a private room or a direct room they are not in; public rooms are searchable', async () => {
    const w = uniqueWord('acl');
    const [alice, bob, eve] = [await signIn('alice'), await signIn('bob'), await signIn('eve')];
    const priv = uniqueRoom('priv');
    const pub = uniqueRoom('pub');
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: priv, members: ['bob'] });
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id: pub });
    const dm = (await alice.ok({ t: Op.RoomCreate, kind: 'dm', members: ['bob'] })).room.id as string;
    await alice.ok({ t: Op.Send, room: priv, cid: 'p', body: `private ${w}` });
    await alice.ok({ t: Op.Send, room: dm, cid: 'd', body: `direct ${w}` });
    await alice.ok({ t: Op.Send, room: pub, cid: 'o', body: `public ${w}` });

    expect(bodies(await search(bob, w)).sort()).toEqual([`direct ${w}`, `private ${w}`, `public ${w}`]);
    expect(bodies(await search(eve, w))).toEqual([`public ${w}`]);
    expect(bodies(await search(eve, `direct ${w}`))).toEqual([]);
    // Naming the room does not help, and answers as history does: the same not_found as no room at all.
    for (const room of [priv, dm, uniqueRoom('none')]) {
      expect(await refused(eve, { t: Op.Search, query: w, room })).toEqual({ code: ErrorCode.NotFound, message: `no room "${room}"` });
    }
    // Leaving a private room takes its messages out of one's results.
    await bob.ok({ t: Op.Leave, room: priv });
    expect(bodies(await search(bob, w)).sort()).toEqual([`direct ${w}`, `public ${w}`]);
  });

  test('accents and case are ignored both ways; words match by their start, and by any part of three letters or more', async () => {
    const room = uniqueRoom('acc');
    const w = uniqueWord('k');
    const alice = await signIn('alice');
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: room });
    await alice.ok({ t: Op.Send, room, cid: '1', body: `Ação rápida ${w}` });
    await alice.ok({ t: Op.Send, room, cid: '2', body: `acao sem acento ${w}` });
    await alice.ok({ t: Op.Send, room, cid: '3', body: `Uma mensagem longa ${w}` });

    expect(bodies(await search(alice, `acao ${w}`, { room }))).toEqual([`acao sem acento ${w}`, `Ação rápida ${w}`]);
    expect(bodies(await search(alice, `AÇÃO ${w}`, { room }))).toEqual([`acao sem acento ${w}`, `Ação rápida ${w}`]);
    const part = await search(alice, 'sagem', { room });
    expect(bodies(part)).toEqual([`Uma mensagem longa ${w}`]);
    expect(marked(part.results[0])).toEqual(['sagem']);
    expect(bodies(await search(alice, 'mens', { room }))).toEqual([`Uma mensagem longa ${w}`]);
    // Two letters match only the start of a word.
    expect(bodies(await search(alice, 'ag', { room }))).toEqual([]);
    const accents = await search(alice, 'rapida acao', { room });
    expect(bodies(accents)).toEqual([`Ação rápida ${w}`]);
    expect(marked(accents.results[0])).toEqual(['Ação', 'rápida']);
    expect(accents.results[0].highlights).toEqual([{ at: 0, len: 4 }, { at: 5, len: 6 }]);
  });

  test('filters: room, author, time range and links; pages follow the cursor without repeats', async () => {
    const w = uniqueWord('f');
    const [alice, bob] = [await signIn('alice'), await signIn('bob')];
    const one = uniqueRoom('one');
    const two = uniqueRoom('two');
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: one, members: ['bob'] });
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: two, members: ['bob'] });
    const a1 = await alice.ok({ t: Op.Send, room: one, cid: '1', body: `${w} first see https://example.com/x` });
    await new Promise((r) => setTimeout(r, 15));
    const b1 = await bob.ok({ t: Op.Send, room: one, cid: '2', body: `${w} second` });
    await new Promise((r) => setTimeout(r, 15));
    await alice.ok({ t: Op.Send, room: two, cid: '3', body: `${w} third www.example.org` });
    await bob.ok({ t: Op.Send, room: two, cid: '4', body: `${w} fourth` });
    await alice.ok({ t: Op.Send, room: two, cid: '5', body: `${w} fifth` });

    expect(bodies(await search(bob, w, { room: one }))).toEqual([`${w} second`, `${w} first see https://example.com/x`]);
    expect(bodies(await search(alice, w, { author: 'bob' }))).toEqual([`${w} fourth`, `${w} second`]);
    expect(bodies(await search(alice, w, { hasLink: true })).sort()).toEqual([`${w} first see https://example.com/x`, `${w} third www.example.org`]);
    expect(await search(alice, w, { hasLink: false })).toMatchObject({ results: expect.arrayContaining([]) });
    expect(bodies(await search(alice, w, { hasLink: false }))).toHaveLength(3);
    expect(bodies(await search(alice, w, { before: b1.ts }))).toEqual([`${w} first see https://example.com/x`]);
    expect(bodies(await search(alice, w, { after: a1.ts, before: b1.ts + 1 }))).toEqual([`${w} second`]);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await search(alice, w, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.results.length).toBeLessThanOrEqual(2);
      seen.push(...bodies(page));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(bodies(await search(alice, w)));
    expect(new Set(seen).size).toBe(5);
  });

  test('results beyond the newest messages come from the indexes, in order, and page across the two steps', async () => {
    const room = uniqueRoom('deep');
    const w = uniqueWord('deep');
    const alice = await signIn('alice');
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: room });
    await alice.ok({ t: Op.Send, room, cid: 'old', body: `${w} old` });
    await new Promise((r) => setTimeout(r, 5));
    const marker = await alice.ok({ t: Op.Send, room, cid: 'marker', body: 'marker' });
    // 12,000 more messages, stored as the log would store them (ids after the marker's, in order):
    // more than the windows a search checks row by row, one of them a match in the middle.
    const sql = (node.server.store as SqlStore).sql;
    await sql.query(
      `INSERT INTO events (room_id, seq, id, kind, author, author_name, body, ts)
       SELECT $1, $2::int8 + g, substr($3, 1, 10) || 'Z' || lpad(g::text, 15, '0'), 'msg', 'alice', 'alice',
              CASE WHEN g = 6000 THEN $4 ELSE 'filler text ' || g END, $5::int8
         FROM generate_series(1, 12000) g`,
      [room, marker.seq, marker.id, `${w} middle`, marker.ts],
    );
    await sql.query('UPDATE rooms SET head_seq = head_seq + 12000 WHERE id = $1', [room]);
    await new Promise((r) => setTimeout(r, 5));
    await alice.ok({ t: Op.Send, room, cid: 'recent', body: `${w} recent` });

    expect(bodies(await search(alice, w))).toEqual([`${w} recent`, `${w} middle`, `${w} old`]);
    expect(bodies(await search(alice, w.slice(0, 2)))).toEqual([`${w} recent`, `${w} middle`, `${w} old`]);
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await search(alice, w, { limit: 1, ...(cursor ? { cursor } : {}) });
      pages.push(bodies(page));
      cursor = page.next;
    } while (cursor && pages.length < 5);
    expect(pages).toEqual([[`${w} recent`], [`${w} middle`], [`${w} old`]]);
  }, 60_000);

  test('history around a seq: the page centred on it, and refused with before or after', async () => {
    const room = uniqueRoom('ar');
    const alice = await signIn('alice');
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: room });
    const sent: number[] = [];
    for (let i = 0; i < 20; i++) sent.push((await alice.ok({ t: Op.Send, room, cid: `m${i}`, body: `message ${i}` })).seq);
    const target = sent[10]!;
    const page = await alice.ok({ t: Op.History, room, around: target, limit: 5 });
    expect(page.events.map((e: { seq: number }) => e.seq)).toEqual([target - 2, target - 1, target, target + 1, target + 2]);
    expect(page.more).toBe(true);
    // Near the end of the log, the page fills with older events.
    const last = sent.at(-1)!;
    const end = await alice.ok({ t: Op.History, room, around: last, limit: 5 });
    expect(end.events.map((e: { seq: number }) => e.seq)).toEqual([last - 4, last - 3, last - 2, last - 1, last]);
    // Near the start: with the room's own first events (room, join) there is nothing older.
    const start = await alice.ok({ t: Op.History, room, around: 1, limit: 5 });
    expect(start.events[0].seq).toBe(1);
    expect(start.more).toBe(false);
    expect((await refused(alice, { t: Op.History, room, around: target, before: target })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(alice, { t: Op.History, room, around: target, after: 1 })).code).toBe(ErrorCode.BadFrame);
  });

  test('bad input: SQL and tsquery text are only words, empty and oversize queries, unknown fields, bad cursors and ranges are refused', async () => {
    const room = uniqueRoom('bad');
    const w = uniqueWord('b');
    const alice = await signIn('alice');
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: room });
    await alice.ok({ t: Op.Send, room, cid: '1', body: `drop table messages ${w}` });
    await alice.ok({ t: Op.Send, room, cid: '2', body: `${w} alpha gamma delta epsilon table messages drop` });

    const injection = await search(alice, `'); drop table messages; --`, { room });
    expect(bodies(injection)).toEqual([`${w} alpha gamma delta epsilon table messages drop`, `drop table messages ${w}`]);
    expect(marked(injection.results[1])).toEqual(['drop', 'table', 'messages']);
    const bomb = `&|!:*()<->'"\\`.repeat(10);
    expect(await refused(alice, { t: Op.Search, query: bomb })).toMatchObject({ code: ErrorCode.BadFrame, message: expect.stringMatching(/no word/) });
    // Words inside operator soup are only words; the operators do nothing.
    expect(bodies(await search(alice, `!(${w}:*|&drop)`, { room }))).toHaveLength(2);
    expect(bodies(await search(alice, `(${w} <-> nothing)`, { room }))).toEqual([]);
    // More words than count: the longest count (zz is left out), and every one of them must match.
    expect(bodies(await search(alice, `zz ${w} alpha gamma delta epsilon table messages drop`, { room }))).toEqual([`${w} alpha gamma delta epsilon table messages drop`]);
    expect((await refused(alice, { t: Op.Search, query: 'x'.repeat(10_000) })).code).toBe(ErrorCode.TooLarge);
    expect((await refused(alice, { t: Op.Search, query: 'x'.repeat(Limits.maxSearchQuery + 1) })).code).toBe(ErrorCode.TooLarge);
    expect((await refused(alice, { t: Op.Search, query: '' })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(alice, { t: Op.Search, query: '   ' })).code).toBe(ErrorCode.BadFrame);
    expect(await refused(alice, { t: Op.Search, query: w, regex: '.*' })).toMatchObject({ code: ErrorCode.BadFrame, message: expect.stringContaining('regex') });
    expect((await refused(alice, { t: Op.Search, query: w, cursor: 'not-a-cursor' })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(alice, { t: Op.Search, query: w, cursor: "1.2.'; drop table events" })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(alice, { t: Op.Search, query: w, limit: Limits.maxSearchResults + 1 })).code).toMatch(/bad_frame|too_large/);
    expect((await refused(alice, { t: Op.Search, query: w, after: 10, before: 5 })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(alice, { t: Op.Search, query: w, room: "x'; --" })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(alice, { t: Op.Search, query: w, author: 7 })).code).toBe(ErrorCode.BadFrame);
    // Nothing was lost: the messages and the tables are all still there.
    expect(bodies(await search(alice, w, { room }))).toHaveLength(2);
    const page = await alice.ok({ t: Op.History, room });
    expect(page.events.at(-2).body).toBe(`drop table messages ${w}`);
  });

  test('the SDK: client.search with filters and pages, typed errors, and room.history around a result', async () => {
    const w = uniqueWord('sdk');
    const room = uniqueRoom('sdk');
    const client = new ChatClient({ url: node.url, token: userToken('sara', 'Sara'), WebSocket });
    try {
      await client.connect();
      expect(client.features.has(Feature.Search)).toBe(true);
      const r = await client.createRoom({ kind: 'private', id: room });
      for (let i = 0; i < 7; i++) await r.send(`${w} number ${i}${i === 3 ? ' https://example.com' : ''}`);
      const first = await client.search(w, { room, limit: 3, after: new Date(Date.now() - 60_000) });
      expect(first.results.map((h) => h.body)).toEqual([`${w} number 6`, `${w} number 5`, `${w} number 4`]);
      expect(first.results[0]!.highlights).toEqual([{ at: 0, len: w.length }]);
      const second = await client.search(w, { room, limit: 3, cursor: first.next! });
      expect(second.results.map((h) => h.body)).toEqual([`${w} number 3 https://example.com`, `${w} number 2`, `${w} number 1`]);
      expect((await client.search(w, { hasLink: true })).results.map((h) => h.seq)).toEqual([second.results[0]!.seq]);
      const around = await r.history({ around: second.results[0]!.seq, limit: 3 });
      expect(around.events.map((e) => e.body)).toEqual([`${w} number 2`, `${w} number 3 https://example.com`, `${w} number 4`]);
      await expect(client.search('!!!')).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(client.search(w, { room: uniqueRoom('nowhere') })).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await client.close();
    }
  });

  test('searches past the per-connection rate are refused with rate_limited and a retryAfter', async () => {
    const slow = await startNode(kind, { searchRate: 1 });
    try {
      const c = await RawClient.signedIn(slow.url, userToken('alice'));
      const replies = await Promise.all([1, 2, 3, 4].map(() => c.request({ t: Op.Search, query: 'anything' })));
      const limited = replies.filter((r) => r.t === Op.Error);
      expect(replies.filter((r) => r.t === Op.Result)).toHaveLength(2);
      expect(limited[0]).toMatchObject({ code: ErrorCode.RateLimited, retryAfter: expect.any(Number) });
      c.ws.terminate();
    } finally {
      await slow.destroy();
    }
  });
});

describe.each(kinds)('search language (%s)', (kind) => {
  test('a stemming language finds other forms of a word; going back to simple rebuilds the indexes; an unknown one stops the start', async () => {
    const storage = freshStorage(kind);
    let node = await startNode(kind, { searchLanguage: 'english' }, storage);
    try {
      const c = await RawClient.signedIn(node.url, userToken('alice'));
      const room = uniqueRoom('lang');
      await c.ok({ t: Op.RoomCreate, kind: 'private', id: room });
      await c.ok({ t: Op.Send, room, cid: '1', body: 'She runs every morning' });
      expect(bodies(await c.ok({ t: Op.Search, query: 'running', room }))).toEqual(['She runs every morning']);
      c.ws.terminate();
      await node.stop();
      // Same storage, back to simple: the stored setting changes and "running" no longer finds "runs".
      node = await startNode(kind, { searchLanguage: 'simple' }, storage);
      const d = await RawClient.signedIn(node.url, userToken('alice'));
      expect(bodies(await d.ok({ t: Op.Search, query: 'running', room }))).toEqual([]);
      expect(bodies(await d.ok({ t: Op.Search, query: 'runs', room }))).toEqual(['She runs every morning']);
      const [setting] = await (node.server.store as SqlStore).sql.query<{ value: string }>(`SELECT value FROM settings WHERE name = 'search_language'`);
      expect(setting?.value).toBe('simple');
      d.ws.terminate();
      await node.stop();
      await expect(startNode(kind, { searchLanguage: 'klingon' }, storage)).rejects.toThrow(/no text search dictionary klingon_stem/);
    } finally {
      await node.destroy().catch(() => undefined);
    }
  }, 120_000);
});
