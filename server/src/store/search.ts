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

/** A message's text holds a link: what `hasLink` tests (the same text as search_texts_link_idx's predicate). */
const LINK = String.raw`(https?://|www\.)[^\s]`;

/**
 * The messages the search indexer has not applied yet, with their folded text: read on their own
 * (MATERIALIZED) through events_tx_idx, a moment's worth. Inside a statement that wanted them newest
 * first, the planner walked the log's id index backwards to find them instead (ADR 0029).
 */
const LATE = `late AS MATERIALIZED (
  SELECT e.room_id, e.seq, e.id, e.author, e.ts, e.body, search_fold(e.body) AS search_body FROM events e
   WHERE ${UNINDEXED} AND e.kind = 'msg' AND e.body IS NOT NULL)`;

/**
 * The matching messages of one page. Never-edited messages are matched on their first text in the
 * search table (its stored folded text, migration 22), edited ones on the projection's (the first
 * text is the old one); deleted ones are left out by the projection's flag. Every row passes the access check in SQL, not only the first.
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
  // Filters and checks, written for a row alias: the walks read the search table (`t`) and the log
  // (`e`) alike; the edited side reads the projection joined with the log.
  const roomP = q.room === undefined ? undefined : p(q.room);
  const authorP = q.author === undefined ? undefined : p(q.author);
  const filters = (a: string): string[] => [
    ...(roomP === undefined ? [] : [`${a}.room_id = ${roomP}`]),
    ...(authorP === undefined ? [] : [`${a}.author = ${authorP}`]),
  ];
  const beforeP = q.before === undefined ? undefined : p(q.before);
  const afterP = q.after === undefined ? undefined : p(q.after);
  // Per row, two key lookups: a semi-join with the set of readable rooms lets the planner loop over
  // that whole set for every row of a walk.
  const access = (a: string): string[] => [
    `(EXISTS (SELECT 1 FROM members r WHERE r.room_id = ${a}.room_id AND r.user_id = $1) OR EXISTS (SELECT 1 FROM rooms r WHERE r.id = ${a}.room_id AND r.kind = 'public'))`,
    ...(beforeP === undefined ? [] : [`${a}.ts < ${beforeP}`]),
    ...(afterP === undefined ? [] : [`${a}.ts > ${afterP}`]),
  ];
  // The link test is on the current text: the event's for a never-edited message, the projection's for an edited one.
  const link = (body: string) => (q.hasLink === undefined ? [] : [`${q.hasLink ? '' : 'NOT '}(${body} ~* '${LINK}')`]);
  // What a walk of never-edited messages follows (an index ordered by id within it: room, author,
  // link or none), and what it checks row by row.
  const drive = (a: string): string[] => (q.hasLink ? [...filters(a), ...link(`${a}.body`)] : filters(a));
  const rest = (a: string): string[] => (q.hasLink ? access(a) : [...access(a), ...link(`${a}.body`)]);
  // A scalar subquery, not NOT EXISTS: the planner would make that an anti-join and, misjudging how
  // many rows match, read the whole projection for it; this is one key lookup per matching row.
  const never = (a: string) =>
    `(SELECT m.edited IS NOT NULL OR m.deleted FROM messages m WHERE m.room_id = ${a}.room_id AND m.seq = ${a}.seq) IS NOT TRUE`;
  // Each statement gets the shared parameters plus its own bound: an unnamed parameter is an error.
  const below = (upper: string | undefined) => {
    const ps = [...params];
    const bound = upper === undefined ? undefined : `$${ps.push(upper)}`;
    return { ps, range: (a: string) => (bound === undefined ? 'true' : `${a}.id < ${bound}`) };
  };
  // The messages a walk reads, newest first, `size` at most: the search table (migration 22) has
  // every message the indexer applied with its id, author, time and folded text, and the walks'
  // indexes; the few events it has not applied yet are read from the log, folded here. One snapshot
  // for both, so a message is on exactly one side. A message deleted since it was applied keeps its
  // row until the indexer sees the delete: `never` (the projection says deleted) leaves it out.
  // `cut` (an ORDER BY and LIMIT) goes on each side, so that a walk merges two short ordered reads.
  const searchable = (where: (a: string) => string[], cut = '') => `WITH ${LATE}
      SELECT w.* FROM (
        (SELECT t.room_id, t.seq, t.id, t.author, t.ts, t.body, t.search_body FROM search_texts t
          WHERE ${['true', ...where('t')].join(' AND ')}${cut})
        UNION ALL
        (SELECT l.* FROM late l WHERE ${['true', ...where('l')].join(' AND ')}${cut})
      ) w`;
  const walkRows = (where: (a: string) => string[], size?: number) =>
    size === undefined
      ? `${searchable(where)} ORDER BY w.id DESC`
      : `${searchable(where, ` ORDER BY id DESC LIMIT ${size}`)} ORDER BY w.id DESC LIMIT ${size}`;
  // The rest of a result's fields, from its event, for the rows a statement returns only.
  const event = (a: string) =>
    `LEFT JOIN LATERAL (SELECT x.author_name, x.data->>'thread' AS thread FROM events x WHERE x.room_id = ${a}.room_id AND x.seq = ${a}.seq) x ON true`;

  // Never-edited messages, newest first: windows of the walk, matched row by row (the LIMIT keeps the
  // match from being pushed down to the search indexes, whose every entry for a common word would be
  // read to keep a handful), then, only when the page is still short, below the windows what the
  // search indexes give, sorted (rare words, few rows).
  const fromEvents = async (): Promise<{ rows: HitRow[]; walked: number }> => {
    let rows: HitRow[] = [];
    let upper = q.from;
    for (const size of WINDOWS) {
      const { ps, range } = below(upper);
      // The window's last row comes too, matched or not (n = size): where the next window starts. The
      // walk numbers its rows as it reads them in order, so nothing is read twice or held.
      const take = q.limit + 1 - rows.length;
      const got = await sql.query<HitRow & { hit: boolean; n: number | string }>(
        `SELECT w.room_id, w.seq, w.id, w.author, x.author_name, w.body, w.ts, x.thread, NULL::int8 AS edited, w.hit, w.n FROM (
           SELECT w.*, ${match('w', ps)} AND ${[...rest('w'), never('w')].join(' AND ')} AS hit
             FROM (SELECT w.*, row_number() OVER (ORDER BY w.id DESC) AS n
                     FROM (${walkRows((a) => [...drive(a), range(a)], size)}) w) w) w
           ${event('w')}
          WHERE w.hit OR w.n = ${size}
          ORDER BY w.id DESC LIMIT ${take + 1}`,
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
    // the search indexes and sorts them instead of walking the whole log checking every row. The
    // events the indexer has not applied yet, a moment's worth, are matched row by row, so nothing
    // stored is ever missing.
    const { ps, range } = below(upper);
    // Matched and checked on the search table's own columns; the log is read by key for the page's
    // rows only (joined to the matches as a table, the planner hashed a scan of the whole log when
    // it overestimated how many rows a rare word's trigrams give).
    const older = await sql.query<HitRow>(
      `SELECT w.room_id, w.seq, w.id, w.author, x.author_name, w.body, w.ts, x.thread, NULL::int8 AS edited
         FROM (SELECT w.* FROM (${searchable((a) => [match(a)])}) w
                WHERE ${[...drive('w'), range('w'), ...rest('w'), never('w')].join(' AND ')}
                ORDER BY (w.id || '') DESC LIMIT ${q.limit + 1 - rows.length}) w
         ${event('w')}
        ORDER BY w.id DESC`,
      ps,
    );
    return { rows: rows.concat(older), walked: Infinity };
  };

  // Edited messages (a small part of the log): their text is the projection's. When the walk filled
  // the page with never-edited ones, only edits newer than its last can still take a place: those few
  // messages are walked again and their projection rows looked up one by one. Otherwise the edited
  // matches come from the projection's own search indexes.
  const current = (a: string) => [match('m'), ...filters(a), ...access(a), ...link('m.body')];
  const fromEdits = (newer: string | undefined, walking: boolean): Promise<HitRow[]> => {
    const { ps, range } = below(q.from);
    const newerP = newer === undefined ? undefined : `$${ps.push(newer)}`;
    const floor = (a: string) => (newerP === undefined ? [] : [`${a}.id > ${newerP}`]);
    if (!walking || newer === undefined) {
      return sql.query<HitRow>(
        `SELECT e.room_id, e.seq, e.id, e.author, e.author_name, m.body, e.ts, e.data->>'thread' AS thread, m.edited
           FROM messages m JOIN events e ON e.room_id = m.room_id AND e.seq = m.seq AND e.kind = 'msg'
          WHERE m.body IS NOT NULL AND NOT m.deleted AND ${[range('e'), ...floor('e'), ...current('e')].join(' AND ')}
          ORDER BY e.id DESC LIMIT ${q.limit + 1}`,
        ps,
      );
    }
    // An edited message's first text stays in the search table (and in its event) until it is deleted: the walk holds it.
    return sql.query<HitRow>(
      `SELECT w.room_id, w.seq, w.id, w.author, x.author_name, m.body, w.ts, x.thread, m.edited
         FROM (${walkRows((a) => [...filters(a), range(a), ...floor(a)])}) w
         CROSS JOIN LATERAL (SELECT m.body, m.search_body, m.edited FROM messages m
                              WHERE m.room_id = w.room_id AND m.seq = w.seq AND m.body IS NOT NULL AND NOT m.deleted OFFSET 0) m
         ${event('w')}
        WHERE ${current('w').join(' AND ')}
        ORDER BY w.id DESC LIMIT ${q.limit + 1}`,
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
