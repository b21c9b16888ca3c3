// Search over the current text of messages (migration 10): full-text with word prefixes and trigram
// matching of parts of words, in the rooms a user may read, newest first (by event id, which is
// time-sortable and already indexed), paged by the id of the last result.
import { UNINDEXED } from './search-indexer.js';
import type { SqlSession } from './sql.js';

export interface SearchQuery {
  /** The searcher: results come only from rooms they are a member of, and public rooms. */
  user: string;
  /** Words to find (letters and digits only, as searchWords makes them); every one must match. */
  words: readonly string[];
  room?: string | undefined;
  author?: string | undefined;
  /** Stored before / after these times, ms. */
  before?: number | undefined;
  after?: number | undefined;
  hasLink?: boolean | undefined;
  /** True when the search language stems words (not `simple`): full-text then finds what trigrams do not. */
  stemmed?: boolean | undefined;
  /** Where the page starts: after the result with this event id (ids descend down the pages). */
  from?: string | undefined;
  limit: number;
}

export interface SearchRow {
  room: string;
  seq: number;
  id: string;
  by: string;
  name: string;
  body: string;
  ts: number;
  thread?: number;
  edited?: number;
}

export interface SearchRows {
  rows: SearchRow[];
  more: boolean;
}

/** Parts of words shorter than this are not matched by trigrams (an index needs three characters). */
export const MIN_PART = 3;

/**
 * How many of the newest messages a search walks, in two windows, matching them row by row on their
 * stored folded text (well under a µs a row) before it asks the search indexes: a common or middling
 * word fills a page there without reading its index entries. A filter by room, author or link walks
 * that room's, author's or linking messages instead of the whole log.
 */
const WINDOWS = [1000, 10_000];

interface HitRow {
  room_id: string;
  seq: number;
  id: string;
  author: string;
  author_name: string;
  body: string;
  ts: number;
  thread: string | null;
  edited: number | null;
}

/** A message's text holds a link: what `hasLink` tests (the same text as events_search_link_idx's predicate). */
const LINK = String.raw`(https?://|www\.)[^\s]`;

/**
 * The matching messages of one page. Never-edited messages are matched on their event (its stored
 * folded text, migration 19), edited ones on the projection's (their event's body is the old text);
 * deleted ones have no text left in either. Every row passes the access check in SQL, not only the first.
 */
export async function searchMessages(sql: SqlSession, q: SearchQuery): Promise<SearchRows> {
  if (q.words.length === 0) throw new RangeError('a search needs at least one word');
  const params: unknown[] = [q.user];
  const p = (v: unknown): string => `$${params.push(v)}`;
  // Word prefixes through the full-text index; the words hold only letters and digits, quoted anyway.
  const parts = q.words.every((w) => w.length >= MIN_PART) ? q.words.map((w) => p(w)) : [];
  // Pushed only when used: a parameter no statement names is an error.
  const tsquery = parts.length === 0 || q.stemmed ? p(q.words.map((w) => `'${w.replace(/['\\]/g, '')}':*`).join(' & ')) : '';
  // Words of MIN_PART letters or more match anywhere in a word (trigrams on the folded text), which
  // includes the start of one: with the `simple` language that is all full-text would find, so it is
  // not asked too. A stemmer finds other forms of a word as well.
  //
  // Row by row (walk), a word start is first looked for anywhere in the folded text, a cheap test
  // that every match passes with the `simple` language (not with a stemmer's stems), so that the
  // text is parsed into words only for the rows that have it.
  // The words then go to that statement's own parameters (`walk`): one no statement names is an error.
  const match = (alias: string, walk?: unknown[]): string => {
    const fts = `to_tsvector('search_text'::regconfig, ${alias}.body) @@ to_tsquery('search_text'::regconfig, ${tsquery})`;
    if (parts.length === 0) {
      if (walk === undefined || q.stemmed) return fts;
      return `(${[...q.words.map((w) => `${alias}.search_body LIKE '%' || search_fold($${walk.push(w)}) || '%'`), fts].join(' AND ')})`;
    }
    const trgm = parts.map((w) => `${alias}.search_body LIKE '%' || search_fold(${w}) || '%'`).join(' AND ');
    return q.stemmed ? `(${fts} OR (${trgm}))` : `(${trgm})`;
  };
  const filters: string[] = [];
  if (q.room !== undefined) filters.push(`e.room_id = ${p(q.room)}`);
  if (q.author !== undefined) filters.push(`e.author = ${p(q.author)}`);
  // Per row, two key lookups: a semi-join with the set of readable rooms lets the planner loop over
  // that whole set for every row of a walk.
  const access = [
    `(EXISTS (SELECT 1 FROM members r WHERE r.room_id = e.room_id AND r.user_id = $1) OR EXISTS (SELECT 1 FROM rooms r WHERE r.id = e.room_id AND r.kind = 'public'))`,
  ];
  if (q.before !== undefined) access.push(`e.ts < ${p(q.before)}`);
  if (q.after !== undefined) access.push(`e.ts > ${p(q.after)}`);
  // The link test is on the current text: the event's for a never-edited message, the projection's for an edited one.
  const link = (body: string) => (q.hasLink === undefined ? [] : [`${q.hasLink ? '' : 'NOT '}(${body} ~* '${LINK}')`]);
  // What a walk of never-edited messages follows (an index ordered by id within it: room, author,
  // link or none), and what it checks row by row.
  const drive = q.hasLink ? [...filters, ...link('e.body')] : filters;
  const rest = q.hasLink ? access : [...access, ...link('e.body')];
  // A scalar subquery, not NOT EXISTS: the planner would make that an anti-join and, misjudging how
  // many rows match, read the whole projection for it; this is one key lookup per matching row.
  const never = `(SELECT m.edited IS NOT NULL OR m.deleted FROM messages m WHERE m.room_id = e.room_id AND m.seq = e.seq) IS NOT TRUE`;
  const columns = `e.room_id, e.seq, e.id, e.author, e.author_name, e.body, e.ts, e.data->>'thread' AS thread, NULL::int8 AS edited`;
  // Each statement gets the shared parameters plus its own bound: an unnamed parameter is an error.
  const below = (upper: string | undefined) => {
    const ps = [...params];
    return { ps, range: upper === undefined ? 'true' : `e.id < $${ps.push(upper)}` };
  };

  // Never-edited messages, newest first: windows of the walk, matched row by row (the LIMIT keeps the
  // match from being pushed down to the search indexes, whose every entry for a common word would be
  // read to keep a handful), then, only when the page is still short, below the windows what the
  // search indexes give, sorted (rare words, few rows).
  const walk = (range: string, size: number, columns: string) =>
    `SELECT ${columns} FROM events e WHERE e.kind = 'msg' AND e.body IS NOT NULL AND ${[...drive, range].join(' AND ')} ORDER BY e.id DESC LIMIT ${size}`;
  const fromEvents = async (): Promise<{ rows: HitRow[]; walked: number }> => {
    let rows: HitRow[] = [];
    let upper = q.from;
    for (const size of WINDOWS) {
      const { ps, range } = below(upper);
      // The window's last row comes too, matched or not (n = size): where the next window starts. The
      // walk numbers its rows as it reads them in order, so nothing is read twice or held.
      const take = q.limit + 1 - rows.length;
      const got = await sql.query<HitRow & { hit: boolean; n: number | string }>(
        `SELECT ${columns}, e.hit, e.n FROM (
           SELECT e.*, ${match('e', ps)} AND ${rest.join(' AND ')} AND ${never} AS hit
             FROM (SELECT e.*, row_number() OVER (ORDER BY e.id DESC) AS n
                     FROM (${walk(range, size, 'e.room_id, e.seq, e.id, e.author, e.author_name, e.body, e.search_body, e.ts, e.data')}) e) e) e
          WHERE e.hit OR e.n = ${size}
          ORDER BY e.id DESC LIMIT ${take + 1}`,
        ps,
      );
      const hits = got.filter((r) => r.hit).slice(0, take);
      rows = rows.concat(hits);
      const last = got.find((r) => Number(r.n) === size);
      // Full, or the log ends inside this window: nothing older is needed.
      if (hits.length === take || last === undefined) return { rows, walked: size };
      upper = last.id;
      // Not one match in the first window: the next, ten times larger, would not fill the page
      // either, and the indexes answer a word this rare quickly.
      if (rows.length === 0) break;
    }
    // The order is on an expression the id index cannot give, so the planner reads the matches from
    // the search indexes and sorts them instead of walking the whole log checking every row. Those
    // indexes are on search_texts, which the indexer fills after the commit (migration 20): the
    // events it has not applied yet, a moment's worth, are matched row by row, so nothing stored is
    // ever missing. A row is on one side only: the indexer's rows and its watermark commit together.
    const { ps, range } = below(upper);
    const older = await sql.query<HitRow>(
      `SELECT ${columns}
         FROM (SELECT e.* FROM search_texts t JOIN events e ON e.room_id = t.room_id AND e.seq = t.seq WHERE ${match('t')}
               UNION ALL
               SELECT e.* FROM events e WHERE ${UNINDEXED} AND ${match('e')}) e
        WHERE e.kind = 'msg' AND e.body IS NOT NULL AND ${[...drive, range, ...rest, never].join(' AND ')}
        ORDER BY (e.id || '') DESC LIMIT ${q.limit + 1 - rows.length}`,
      ps,
    );
    return { rows: rows.concat(older), walked: Infinity };
  };

  // Edited messages (a small part of the log): their text is the projection's. When the walk filled
  // the page with never-edited ones, only edits newer than its last can still take a place: those few
  // events are walked again and their projection rows looked up one by one. Otherwise the edited
  // matches come from the projection's own search indexes.
  const edited = `SELECT e.room_id, e.seq, e.id, e.author, e.author_name, m.body, e.ts, e.data->>'thread' AS thread, m.edited`;
  const current = [match('m'), ...filters, ...access, ...link('m.body')];
  const fromEdits = (newer: string | undefined, walk: boolean): Promise<HitRow[]> => {
    const { ps, range } = below(q.from);
    const floor = newer === undefined ? [] : [`e.id > $${ps.push(newer)}`];
    if (!walk || newer === undefined) {
      return sql.query<HitRow>(
        `${edited} FROM messages m JOIN events e ON e.room_id = m.room_id AND e.seq = m.seq AND e.kind = 'msg'
          WHERE m.body IS NOT NULL AND NOT m.deleted AND ${[range, ...floor, ...current].join(' AND ')}
          ORDER BY e.id DESC LIMIT ${q.limit + 1}`,
        ps,
      );
    }
    // An edited message's event keeps its first text (not NULL until deleted): the walk's indexes hold it.
    return sql.query<HitRow>(
      `${edited}
         FROM (SELECT e.room_id, e.seq, e.id, e.author, e.author_name, e.ts, e.data FROM events e
                WHERE e.kind = 'msg' AND e.body IS NOT NULL AND ${[...filters, range, ...floor].join(' AND ')}
                ORDER BY e.id DESC) e
         CROSS JOIN LATERAL (SELECT m.body, m.search_body, m.edited FROM messages m
                              WHERE m.room_id = e.room_id AND m.seq = e.seq AND m.body IS NOT NULL AND NOT m.deleted OFFSET 0) m
        WHERE ${current.join(' AND ')}
        ORDER BY e.id DESC LIMIT ${q.limit + 1}`,
      ps,
    );
  };

  const { rows: events, walked } = await fromEvents();
  // Walked again only when the page filled in the first window (a few hundred events at most); the
  // walk of a link filter follows linking events, and an edit may have added the link.
  const full = events.length > q.limit ? events[events.length - 1]!.id : undefined;
  const edits = await fromEdits(full, walked <= WINDOWS[0]! && q.hasLink !== true);
  // Ids are ASCII: JavaScript's order is the database's "C" order.
  const rows = events.concat(edits).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const more = rows.length > q.limit;
  return {
    more,
    rows: rows.slice(0, q.limit).map((r) => {
      const row: SearchRow = { room: r.room_id, seq: Number(r.seq), id: r.id, by: r.author, name: r.author_name, body: r.body, ts: Number(r.ts) };
      if (r.thread !== null) row.thread = Number(r.thread);
      if (r.edited !== null) row.edited = Number(r.edited);
      return row;
    }),
  };
}
