// Search over the current text of messages (migration 10): full-text with word prefixes and trigram
// matching of parts of words, in the rooms a user may read, newest first, paged by a keyset cursor.
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
  /** Where the page starts: the last result of the previous page. */
  from?: SearchPosition | undefined;
  limit: number;
}

/** A result's place in the order (newest first): ts, then room id, then seq, all descending. */
export interface SearchPosition {
  ts: number;
  room: string;
  seq: number;
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
  const tsquery = p(q.words.map((w) => `'${w.replace(/['\\]/g, '')}':*`).join(' & '));
  const parts = q.words.every((w) => w.length >= MIN_PART) ? q.words.map((w) => p(w)) : [];
  const match = (col: string): string => {
    const fts = `to_tsvector('search_text'::regconfig, ${col}) @@ to_tsquery('search_text'::regconfig, ${tsquery})`;
    if (parts.length === 0) return fts;
    const trgm = parts.map((w) => `search_fold(${col}) LIKE '%' || search_fold(${w}) || '%'`).join(' AND ');
    return `(${fts} OR (${trgm}))`;
  };
  const filters: string[] = [];
  if (q.room !== undefined) filters.push(`e.room_id = ${p(q.room)}`);
  filters.push(`e.room_id IN (SELECT id FROM readable)`);
  if (q.author !== undefined) filters.push(`e.author = ${p(q.author)}`);
  if (q.before !== undefined) filters.push(`e.ts < ${p(q.before)}`);
  if (q.after !== undefined) filters.push(`e.ts > ${p(q.after)}`);
  if (q.from) filters.push(`(e.ts, e.room_id, e.seq) < (${p(q.from.ts)}::int8, ${p(q.from.room)}::text COLLATE "C", ${p(q.from.seq)}::int8)`);
  const link = q.hasLink === undefined ? undefined : `${q.hasLink ? '' : 'NOT '}(BODY ~* '${LINK}')`;
  const where = (body: string): string => [...filters, ...(link ? [link.replace('BODY', body)] : [])].join(' AND ');
  const limit = p(q.limit + 1);
  const rows = await sql.query<{
    room_id: string;
    seq: number;
    id: string;
    author: string;
    author_name: string;
    body: string;
    ts: number;
    thread: string | null;
    edited: number | null;
  }>(
    `WITH readable AS (
       SELECT room_id AS id FROM members WHERE user_id = $1
       UNION SELECT id FROM rooms WHERE kind = 'public'
     ), hits AS (
       (SELECT e.room_id, e.seq, e.id, e.author, e.author_name, e.body, e.ts, e.data->>'thread' AS thread, NULL::int8 AS edited
          FROM events e
         WHERE e.kind = 'msg' AND e.body IS NOT NULL AND ${match('e.body')} AND ${where('e.body')}
           AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = e.room_id AND m.seq = e.seq AND (m.edited IS NOT NULL OR m.deleted))
         ORDER BY e.ts DESC, e.room_id DESC, e.seq DESC LIMIT ${limit})
       UNION ALL
       (SELECT e.room_id, e.seq, e.id, e.author, e.author_name, m.body, e.ts, e.data->>'thread', m.edited
          FROM messages m JOIN events e ON e.room_id = m.room_id AND e.seq = m.seq AND e.kind = 'msg'
         WHERE m.body IS NOT NULL AND NOT m.deleted AND ${match('m.body')} AND ${where('m.body')}
         ORDER BY e.ts DESC, e.room_id DESC, e.seq DESC LIMIT ${limit})
     )
     SELECT * FROM hits ORDER BY ts DESC, room_id DESC, seq DESC LIMIT ${limit}`,
    params,
  );
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
