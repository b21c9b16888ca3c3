// Search over the current text of messages (migration 10): full-text with word prefixes and trigram
// matching of parts of words, in the rooms a user may read, newest first (by event id, which is
// time-sortable and already indexed), paged by the id of the last result.
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
 * Windows of the newest messages a search matches row by row before it asks the indexes: the first
 * fills a page of a common word, the second one of a middling word, at a few µs a row.
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

/** A message's text holds a link: what `hasLink` tests. */
const LINK = String.raw`(https?://|www\.)[^\s]`;

/**
 * The matching messages of one page, in one statement. Never-edited messages are matched on their
 * event's body, edited ones on the projection's (their event's body is the old text); deleted ones
 * have no text left in either. Every row passes the access check in SQL, not only the first.
 */
export async function searchMessages(sql: SqlSession, q: SearchQuery): Promise<SearchRows> {
  if (q.words.length === 0) throw new RangeError('a search needs at least one word');
  const params: unknown[] = [q.user];
  const p = (v: unknown): string => `$${params.push(v)}`;
  // Word prefixes through the full-text index; the words hold only letters and digits, quoted anyway.
  const parts = q.words.every((w) => w.length >= MIN_PART) ? q.words.map((w) => p(w)) : [];
  // Pushed only when used: a parameter no statement names is an error.
  const tsquery = parts.length === 0 || q.stemmed ? p(q.words.map((w) => `'${w.replace(/['\\]/g, '')}':*`).join(' & ')) : '';
  // Words of MIN_PART letters or more match anywhere in a word (trigrams), which includes the start of
  // one: with the `simple` language that is all full-text would find, so it is not asked too (each
  // costs a pass over the text of every row it checks). A stemmer finds other forms of a word as well.
  const match = (col: string): string => {
    const fts = `to_tsvector('search_text'::regconfig, ${col}) @@ to_tsquery('search_text'::regconfig, ${tsquery})`;
    if (parts.length === 0) return fts;
    const trgm = parts.map((w) => `search_fold(${col}) LIKE '%' || search_fold(${w}) || '%'`).join(' AND ');
    return q.stemmed ? `(${fts} OR (${trgm}))` : `(${trgm})`;
  };
  const filters: string[] = [];
  if (q.room !== undefined) filters.push(`e.room_id = ${p(q.room)}`);
  filters.push(`e.room_id IN (SELECT id FROM readable)`);
  if (q.author !== undefined) filters.push(`e.author = ${p(q.author)}`);
  if (q.before !== undefined) filters.push(`e.ts < ${p(q.before)}`);
  if (q.after !== undefined) filters.push(`e.ts > ${p(q.after)}`);
  if (q.from !== undefined) filters.push(`e.id < ${p(q.from)}`);
  const link = q.hasLink === undefined ? undefined : `${q.hasLink ? '' : 'NOT '}(BODY ~* '${LINK}')`;
  const where = (body: string): string => [...filters, ...(link ? [link.replace('BODY', body)] : [])].join(' AND ');
  const readable = `WITH readable AS (
       SELECT room_id AS id FROM members WHERE user_id = $1
       UNION SELECT id FROM rooms WHERE kind = 'public'
     )`;
  // One page of matches in an id range, newest first. The order is on an expression the id index
  // cannot give, so the planner reads the matches from the search indexes and sorts them (what rare
  // words want) instead of walking the whole log checking every row.
  const pageIn = (range: string, take: number, ps: unknown[]) => {
    const order = `(e.id || '') DESC`;
    const limit = `${take + 1}`;
    return sql.query<HitRow>(
      `${readable}, hits AS (
         (SELECT e.room_id, e.seq, e.id, e.author, e.author_name, e.body, e.ts, e.data->>'thread' AS thread, NULL::int8 AS edited
            FROM events e
           WHERE e.kind = 'msg' AND e.body IS NOT NULL AND ${range} AND ${match('e.body')} AND ${where('e.body')}
             AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = e.room_id AND m.seq = e.seq AND (m.edited IS NOT NULL OR m.deleted))
           ORDER BY ${order} LIMIT ${limit})
         UNION ALL
         (SELECT e.room_id, e.seq, e.id, e.author, e.author_name, m.body, e.ts, e.data->>'thread', m.edited
            FROM messages m JOIN events e ON e.room_id = m.room_id AND e.seq = m.seq AND e.kind = 'msg'
           WHERE m.body IS NOT NULL AND NOT m.deleted AND ${range} AND ${match('m.body')} AND ${where('m.body')}
           ORDER BY e.id DESC LIMIT ${limit})
       )
       SELECT * FROM hits ORDER BY id DESC LIMIT ${limit}`,
      ps,
    );
  };
  // Two steps, so that neither common nor rare words cost a scan of the whole log: first windows of
  // the newest messages, matched one by one (common and middling words fill a page there); then,
  // below them, the matches the search indexes give, sorted (rare words, few rows).
  // Each statement gets the shared parameters plus its own bounds: an unnamed parameter is an error.
  const bounded = (lower: string | undefined, upper: string | undefined, col = 'id') => {
    const ps = [...params];
    const parts: string[] = [];
    if (lower !== undefined) parts.push(`${col} >= $${ps.push(lower)}`);
    if (upper !== undefined) parts.push(`${col} < $${ps.push(upper)}`);
    return { ps, range: parts.length ? parts.join(' AND ') : 'true' };
  };
  let rows: HitRow[] = [];
  let upper = q.from;
  let exhausted = false;
  for (const size of WINDOWS) {
    const [window] = await sql.query<{ floor: string | null; n: number | string }>(
      `SELECT min(id) AS floor, count(*) AS n
         FROM (SELECT id FROM events WHERE kind = 'msg' ${upper === undefined ? '' : 'AND id < $1'} ORDER BY id DESC LIMIT ${size}) w`,
      upper === undefined ? [] : [upper],
    );
    const floor = window?.floor ?? null;
    if (floor === null) {
      exhausted = true;
      break;
    }
    // The window is read first and whole (MATERIALIZED): matched row by row, never through the
    // search indexes, whose every entry for a common word would be read to keep a handful.
    const { ps, range } = bounded(floor, upper);
    rows = rows.concat(
      await sql.query<HitRow>(
        `${readable}, w AS MATERIALIZED (SELECT * FROM events WHERE kind = 'msg' AND body IS NOT NULL AND ${range}),
         e AS (SELECT w.room_id, w.seq, w.id, w.author, w.author_name, w.ts, w.data, m.edited,
                      CASE WHEN m.edited IS NOT NULL THEN m.body ELSE w.body END AS body
                 FROM w LEFT JOIN messages m ON m.room_id = w.room_id AND m.seq = w.seq
                WHERE m.deleted IS NOT TRUE)
         SELECT e.room_id, e.seq, e.id, e.author, e.author_name, e.body, e.ts, e.data->>'thread' AS thread, e.edited
           FROM e WHERE e.body IS NOT NULL AND ${where('e.body')} AND ${match('e.body')}
          ORDER BY e.id DESC LIMIT ${q.limit + 1 - rows.length}`,
        ps,
      ),
    );
    upper = floor;
    if (rows.length > q.limit || Number(window!.n) < size) {
      exhausted = true;
      break;
    }
  }
  if (!exhausted) {
    const { ps, range } = bounded(undefined, upper, 'e.id');
    rows = rows.concat(await pageIn(range, q.limit - rows.length, ps));
  }
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
