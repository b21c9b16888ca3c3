// Search over a log longer than the windows it walks (migration 19, ADR 0025), once per store: every
// way a page is found (the first window, the second, the search indexes below them; a room, an author
// or links walked instead of the whole log; edits newer or older than a full page) gives exactly the
// messages a plain reading of the log gives, newest first, page after page, and nothing unreadable.
import { Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SqlStore } from '../server/src/store/index.js';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

/** Messages stored in SQL below the live ones: more than both windows (1,000 and 10,000 rows). */
const DEEP = 12_600;

/** One message as a reader of the log sees it now. */
interface Stored {
  room: string;
  seq: number;
  id: string;
  by: string;
  body: string | null;
  ts: number;
}

/** Lower case without accents, as search_fold makes it. */
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

describe.each(kinds)('search walks and indexes agree with the log (%s)', (kind) => {
  let node: TestNode;
  const clients: RawClient[] = [];
  const signIn = async (sub: string) => {
    const c = await RawClient.signedIn(node.url, userToken(sub, sub));
    clients.push(c);
    return c;
  };

  // A prefix of letters no other search test uses, so that every public message it finds is ours.
  const u = `wk${Date.now().toString(36).replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;
  const word = {
    /** In every second message: the first window fills a page. */
    common: `${u}comúm`,
    /** In every 149th: the second window fills it. */
    middle: `${u}meio`,
    /** In a dozen deep ones: only the search indexes find them. */
    rare: `${u}raro`,
  };
  /** Two-letter word starts (full-text): one in every 40th message, one only deep in the log. */
  const short = { often: 'zq', deep: 'qj' };
  const rooms = { pub: `${u}-pub`, mine: `${u}-mine`, theirs: `${u}-theirs` };
  const log: Stored[] = [];
  let bob: RawClient;
  let alice: RawClient;

  function bodyOf(g: number): string {
    const parts = [`filler${g % 97}`];
    if (g % 2 === 0) parts.push(g % 4 === 0 ? word.common : word.common.toUpperCase());
    if (g % 149 === 7) parts.push(word.middle);
    if (g % 1000 === 500) parts.push(`x${word.rare}y`);
    if (g % 40 === 7) parts.push(`${short.often}${g}`);
    if (g % 500 === 250 && g < 9000) parts.push(`${short.deep}x`);
    if (g % 25 === 11) parts.push(`see https://example.com/p/${g}`);
    return parts.join(' ');
  }

  beforeAll(async () => {
    node = await startNode(kind, { sendRate: 1000, frameRate: 1000, maxPending: 1000, workRate: 1000, roomCreateRate: 1000, searchRate: 1000 });
    alice = await signIn('alice');
    bob = await signIn('bob');
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id: rooms.pub });
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: rooms.mine, members: ['bob', 'carol', 'dave'] });
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: rooms.theirs, members: ['carol', 'dave'] });
    const marker = await alice.ok({ t: Op.Send, room: rooms.pub, cid: 'marker', body: 'marker' });
    log.push({ room: rooms.pub, seq: marker.seq, id: marker.id, by: 'alice', body: 'marker', ts: marker.ts });

    // Stored as the log stores them, ids after the marker's and in order, seqs after each room's head.
    const order = [rooms.pub, rooms.mine, rooms.theirs];
    const sql = (node.server.store as SqlStore).sql;
    const stored = await sql.query<{ id: string; head_seq: number }>('SELECT id, head_seq FROM rooms WHERE id = ANY($1)', [order]);
    const heads = new Map(stored.map((r) => [r.id, Number(r.head_seq)]));
    const authors = ['alice', 'carol', 'dave'];
    const rows = { room: [] as string[], seq: [] as number[], id: [] as string[], by: [] as string[], body: [] as string[], ts: [] as number[] };
    for (let g = 1; g <= DEEP; g++) {
      const room = order[g % 3]!;
      const seq = heads.get(room)! + 1;
      heads.set(room, seq);
      const m: Stored = { room, seq, id: `${String(marker.id).slice(0, 10)}Z${String(g).padStart(15, '0')}`, by: authors[Math.floor(g / 3) % 3]!, body: bodyOf(g), ts: marker.ts + g };
      log.push(m);
      rows.room.push(m.room);
      rows.seq.push(m.seq);
      rows.id.push(m.id);
      rows.by.push(m.by);
      rows.body.push(m.body!);
      rows.ts.push(m.ts);
    }
    await sql.query(
      `INSERT INTO events (room_id, seq, id, kind, author, author_name, body, ts)
       SELECT r, s, i, 'msg', a, a, b, t FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::int8[]) AS x(r, s, i, a, b, t)`,
      [rows.room, rows.seq, rows.id, rows.by, rows.body, rows.ts],
    );
    for (const [room, head] of heads) await sql.query('UPDATE rooms SET head_seq = $2 WHERE id = $1', [room, head]);
    await new Promise((r) => setTimeout(r, 5));

    // Then live changes: edits and deletes deep in the log and near its top, and new messages.
    const authorsSignedIn = new Map([['alice', alice], ['carol', await signIn('carol')], ['dave', await signIn('dave')]]);
    for (const who of ['carol', 'dave']) await authorsSignedIn.get(who)!.ok({ t: Op.Join, room: rooms.pub });
    const change = async (g: number, body: string | null) => {
      const m = log[g]!;
      const by = authorsSignedIn.get(m.by)!;
      if (body === null) await by.ok({ t: Op.Delete, room: m.room, seq: m.seq });
      else await by.ok({ t: Op.Edit, room: m.room, seq: m.seq, body });
      m.body = body;
    };
    // Deep (below both windows): a rare word added by an edit, one taken away, one deleted.
    await change(1003, `now ${word.rare} here`); // room mine, by carol
    await change(2500, 'rare word edited away'); // had x…raroy
    await change(4500, null);
    // Near the top: a common word taken away by an edit, another added to a message without it,
    // a link added, and a common message deleted.
    await change(DEEP - 2, 'nothing to see'); // had the common word
    await change(DEEP - 5, `edited ${word.common} in`); // had none
    await change(DEEP - 9, `${word.common} with www.example.org now`);
    await change(DEEP - 6, null);
    for (const [i, room] of [rooms.pub, rooms.mine, rooms.theirs, rooms.pub].entries()) {
      const body = `live ${i} ${word.common} ${word.middle} ${i === 2 ? word.rare : ''}`.trim();
      const sent = await alice.ok({ t: Op.Send, room, cid: `live${i}`, body });
      log.push({ room, seq: sent.seq, id: sent.id, by: 'alice', body, ts: sent.ts });
    }
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  /** What bob may find for `query` with `filters`, newest first, read off the log. */
  function expected(query: string, filters: { room?: string; author?: string; hasLink?: boolean; after?: number; before?: number } = {}): string[] {
    const words = fold(query).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    return log
      .filter((m) => m.body !== null && m.room !== rooms.theirs)
      .filter((m) => {
        // Parts of words when every word has three letters or more, else word starts only.
        const text = fold(m.body!);
        const tokens = text.split(/[^\p{L}\p{N}]+/u);
        return words.every((w) => (words.every((x) => x.length >= 3) ? text.includes(w) : tokens.some((t) => t.startsWith(w))));
      })
      .filter((m) => (filters.room === undefined || m.room === filters.room) && (filters.author === undefined || m.by === filters.author))
      .filter((m) => filters.hasLink === undefined || /(https?:\/\/|www\.)\S/i.test(m.body!) === filters.hasLink)
      .filter((m) => (filters.after === undefined || m.ts > filters.after) && (filters.before === undefined || m.ts < filters.before))
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .map((m) => m.id);
  }

  /** Bob's pages for `query`, followed by their cursors (at most `pages`), as ids; every page checked. */
  async function found(query: string, filters: Record<string, unknown> = {}, pages = 4, limit = 20): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < pages; n++) {
      const page = await bob.ok({ t: Op.Search, query, limit, ...filters, ...(cursor ? { cursor } : {}) });
      const results = page.results as { id: string; room: string; body: string }[];
      for (const r of results) {
        expect(r.room).not.toBe(rooms.theirs);
        expect(log.find((m) => m.id === r.id)?.body).toBe(r.body);
      }
      ids.push(...results.map((r) => r.id));
      cursor = page.next;
      if (cursor === undefined) break;
      expect(results).toHaveLength(limit);
    }
    return ids;
  }

  const agree = async (query: string, filters: Record<string, unknown> = {}, pages = 4, limit = 20) => {
    const want = expected(query, filters);
    const got = await found(query, filters, pages, limit);
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(want.slice(0, got.length));
    // All of them when the pages ran out, else exactly as many as were asked.
    expect(got.length).toBe(Math.min(want.length, pages * limit));
  };

  test('a common word fills pages from the first window, with the edits near the top in their places', async () => {
    await agree(word.common, {}, 3);
    await agree(fold(word.common).toUpperCase().slice(2, 9));
    // The edit that took the word away and the deleted message are not there; the edit that added it is.
    const ids = await found(word.common, {}, 1, 50);
    expect(ids).toContain(log[DEEP - 5]!.id);
    expect(ids).not.toContain(log[DEEP - 2]!.id);
    expect(ids).not.toContain(log[DEEP - 6]!.id);
  });

  test('a middling word fills pages from the second window, then from the indexes below it', async () => {
    await agree(word.middle, {}, 4);
    await agree(word.middle, {}, 2, 50);
  });

  test('a rare word comes from the indexes: an edit deep in the log found by its new text only, a deleted one never', async () => {
    await agree(word.rare, {}, 5, 3);
    const ids = await found(word.rare, {}, 10);
    expect(ids).toContain(log[1003]!.id);
    expect(ids).not.toContain(log[2500]!.id);
    expect(ids).not.toContain(log[4500]!.id);
    expect(await found('rare word edited away')).toEqual([log[2500]!.id]);
  });

  test('two-letter word starts, through full-text, in the windows and below them', async () => {
    await agree(short.often, {}, 3);
    await agree(`${word.middle} ${short.often}`, {}, 2);
    await agree(short.deep, {}, 2, 5);
    await agree(short.deep, { room: rooms.mine }, 2, 3);
  });

  test('a room, an author or links walked instead of the whole log, combined with words of every frequency', async () => {
    for (const filters of [{ room: rooms.mine }, { room: rooms.pub }, { author: 'carol' }, { author: 'dave', room: rooms.mine }, { hasLink: true }, { hasLink: false }]) {
      await agree(word.common, filters, 2);
      await agree(word.middle, filters, 2);
    }
    await agree(word.rare, { room: rooms.mine }, 3);
    await agree(word.rare, { author: 'carol' }, 3);
    // The edit that added a link near the top is found by it; a room bob cannot read gives nothing.
    expect(await found(`${word.common} example`, { hasLink: true }, 1)).toContain(log[DEEP - 9]!.id);
    await agree('filler11', { hasLink: true }, 2, 3);
    const theirs = await bob.request({ t: Op.Search, query: word.common, room: rooms.theirs });
    expect(theirs.t).toBe(Op.Error);
  });

  test('time ranges, deep and near the top', async () => {
    const at = (g: number) => log[g]!.ts;
    await agree(word.common, { after: at(DEEP - 300) }, 2);
    await agree(word.common, { before: at(2000) }, 2);
    await agree(word.middle, { after: at(3000), before: at(9000) }, 2);
  });
});
