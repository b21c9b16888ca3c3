// Reads of the message projection (migration 7): history with every `msg` in its current state, the
// one message a change targets, and the reaction counts a `react` is checked against.
import { Limits, type Mention, type MessageAction, type ReactionSummary, type RoomEvent } from '@parley/sdk/protocol';
import { toEvent, type EventRow } from './event-log.js';
import type { SqlSession } from './sql.js';
import type { MessageHistoryQuery, HistoryPage, MessageState, ReactionCounts } from './store.js';

interface ProjectedRow extends EventRow {
  rev: number | null;
  edited: number | null;
  deleted: boolean | null;
  reply_count: number | null;
  last_reply_seq: number | null;
  last_reply_ts: number | null;
  reactions: ReactionSummary[] | null;
  current_actions: MessageAction[] | null;
}

// The event as its row says, except a msg's body and mentions, which its last edit replaced. The
// reaction summary is read only for messages with a projection row (nobody reacted to the others).
const PROJECTED_COLUMNS = `e.room_id, e.seq, e.id, e.kind, e.author, e.author_name, e.cid,
  CASE WHEN m.edited IS NOT NULL THEN m.body ELSE e.body END AS body, e.data,
  CASE WHEN m.edited IS NOT NULL THEN m.mentions ELSE e.mentions END AS mentions, e.attachments, e.ts,
  m.rev, m.edited, m.deleted, m.reply_count, m.last_reply_seq, m.last_reply_ts, a.actions AS current_actions,
  CASE WHEN m.rev IS NOT NULL THEN (
    SELECT json_agg(json_build_object('emoji', g.emoji, 'count', g.n, 'me', g.me, 'users', g.users) ORDER BY g.first)
      FROM (SELECT r.emoji, count(*) AS n, bool_or(r.user_id = $2) AS me, min(r.at_seq) AS first,
                   (array_agg(r.user_id ORDER BY r.at_seq))[1:${Limits.maxReactionUsers}] AS users
              FROM reactions r WHERE r.room_id = e.room_id AND r.seq = e.seq GROUP BY r.emoji) g
  ) END AS reactions`;
const PROJECTION_JOIN = `events e LEFT JOIN messages m ON e.kind = 'msg' AND m.room_id = e.room_id AND m.seq = e.seq`;
// A message's buttons as its last change left them (migration 15): only messages of bots have a row.
const HISTORY_JOIN = `${PROJECTION_JOIN} LEFT JOIN message_actions a ON e.kind = 'msg' AND a.room_id = e.room_id AND a.seq = e.seq`;

/** A page of history with messages as they are now (`viewer` decides each summary's `me`). */
export async function projectedHistory(sql: SqlSession, room: string, query: MessageHistoryQuery): Promise<HistoryPage> {
  const { before, after, limit, viewer, thread, main, around } = query;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`history limit must be a positive integer, got ${limit}`);
  if (around !== undefined) return historyAround(sql, room, { ...query, around });
  const params: unknown[] = [room, viewer];
  const where = ['e.room_id = $1'];
  if (after !== undefined) where.push(`e.seq > $${params.push(after)}`);
  if (before !== undefined) where.push(`e.seq < $${params.push(before)}`);
  // Matches the partial index events_thread_idx.
  if (thread !== undefined) where.push(`e.data ? 'thread' AND (e.data->>'thread')::int8 = $${params.push(thread)}`);
  if (main) where.push(`NOT coalesce(e.data ? 'thread', false)`);
  const forward = after !== undefined;
  const rows = await sql.query<ProjectedRow>(
    `SELECT ${PROJECTED_COLUMNS} FROM ${HISTORY_JOIN} WHERE ${where.join(' AND ')}
      ORDER BY e.seq ${forward ? 'ASC' : 'DESC'} LIMIT $${params.push(limit + 1)}`,
    params,
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (!forward) page.reverse();
  return { events: page.map(toProjectedEvent), more };
}

/**
 * The page around a seq (jumping to a search result): the older half read backward from it, the
 * rest forward from it, each the way a plain page is read. `more` says, as for a backward page,
 * whether older events precede it.
 */
async function historyAround(sql: SqlSession, room: string, query: MessageHistoryQuery & { around: number }): Promise<HistoryPage> {
  const { around, limit } = query;
  const older = Math.floor((limit - 1) / 2);
  const base = { viewer: query.viewer, thread: query.thread, main: query.main };
  const newer = await projectedHistory(sql, room, { ...base, after: around - 1, limit: limit - older });
  const fill = limit - newer.events.length;
  const back = fill > 0 && around > 1 ? await projectedHistory(sql, room, { ...base, before: around, limit: fill }) : { events: [], more: false };
  return { events: [...back.events, ...newer.events], more: back.more };
}

/** The event of a row, with a msg's projection fields in the order the schema declares them. */
function toProjectedEvent(row: ProjectedRow): RoomEvent {
  const event = toEvent(row);
  if (row.kind !== 'msg') return event;
  event.rev = row.rev === null ? row.seq : Number(row.rev);
  if (row.edited !== null) event.edited = Number(row.edited);
  if (row.deleted) event.deleted = true;
  if (row.reactions && row.reactions.length > 0) event.reactions = row.reactions;
  if (row.reply_count) event.replies = { count: row.reply_count, last: Number(row.last_reply_seq), lastTs: Number(row.last_reply_ts) };
  if (row.current_actions !== null) event.actions = row.current_actions;
  else delete event.actions;
  return event;
}

/** The msg at `seq` in `room` as it is now, or null when there is none (another kind is none too). */
export async function messageState(sql: SqlSession, room: string, seq: number): Promise<MessageState | null> {
  const rows = await sql.query<{
    id: string;
    ts: number;
    author: string;
    body: string | null;
    mentions: Mention[] | null;
    thread: string | null;
    deleted: boolean | null;
    rev: number | null;
  }>(
    `SELECT e.id, e.ts, e.author, CASE WHEN m.edited IS NOT NULL THEN m.body ELSE e.body END AS body,
            CASE WHEN m.edited IS NOT NULL THEN m.mentions ELSE e.mentions END AS mentions,
            e.data->>'thread' AS thread, m.deleted, m.rev
       FROM ${PROJECTION_JOIN} WHERE e.room_id = $1 AND e.seq = $2 AND e.kind = 'msg'`,
    [room, seq],
  );
  const row = rows[0];
  if (!row) return null;
  const state: MessageState = { seq, id: row.id, ts: Number(row.ts), by: row.author, deleted: row.deleted === true, rev: row.rev === null ? seq : Number(row.rev) };
  if (row.body !== null) state.body = row.body;
  if (row.mentions !== null) state.mentions = row.mentions;
  if (row.thread !== null) state.thread = Number(row.thread);
  return state;
}

/** One `react` to check: the message it targets and who reacts with what. */
export interface ReactionProbe {
  room: string;
  seq: number;
  emoji: string;
  user: string;
}

export type ReactionTarget = { message: MessageState; counts: ReactionCounts } | null;

/**
 * For each probe, the message it targets (null when `seq` holds no msg) and what the reaction would
 * meet there, in ONE statement however many probes: concurrent reactions share their read as they
 * share their append, so a reaction storm costs a few queries, not one per reaction. Totals are
 * computed once per message; `present` and `mine` are index probes of the reactions key.
 */
export async function reactionTargets(sql: SqlSession, probes: readonly ReactionProbe[]): Promise<ReactionTarget[]> {
  const rows = await sql.query<{
    i: number | string;
    id: string;
    ts: number;
    author: string;
    deleted: boolean | null;
    rev: number | null;
    total: number | string | null;
    kinds: number | string | null;
    present: boolean;
    mine: boolean;
  }>(
    `WITH x AS (
       SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[]) WITH ORDINALITY AS x(room, seq, emoji, usr, i)
     ), counted AS (
       SELECT r.room_id, r.seq, count(*) AS total, count(DISTINCT r.emoji) AS kinds
         FROM reactions r JOIN (SELECT DISTINCT room, seq FROM x) t ON r.room_id = t.room AND r.seq = t.seq
        GROUP BY r.room_id, r.seq
     )
     SELECT x.i, e.id, e.ts, e.author, m.deleted, m.rev, c.total, c.kinds,
            EXISTS (SELECT 1 FROM reactions r WHERE r.room_id = x.room AND r.seq = x.seq AND r.emoji = x.emoji) AS present,
            EXISTS (SELECT 1 FROM reactions r WHERE r.room_id = x.room AND r.seq = x.seq AND r.emoji = x.emoji AND r.user_id = x.usr) AS mine
       FROM x JOIN events e ON e.room_id = x.room AND e.seq = x.seq AND e.kind = 'msg'
       LEFT JOIN messages m ON m.room_id = e.room_id AND m.seq = e.seq
       LEFT JOIN counted c ON c.room_id = x.room AND c.seq = x.seq`,
    [probes.map((p) => p.room), probes.map((p) => p.seq), probes.map((p) => p.emoji), probes.map((p) => p.user)],
  );
  const out = new Array<ReactionTarget>(probes.length).fill(null);
  for (const row of rows) {
    const i = Number(row.i) - 1;
    const seq = probes[i]!.seq;
    out[i] = {
      message: { seq, id: row.id, ts: Number(row.ts), by: row.author, deleted: row.deleted === true, rev: row.rev === null ? seq : Number(row.rev) },
      counts: { total: Number(row.total ?? 0), emoji: Number(row.kinds ?? 0), present: row.present, mine: row.mine },
    };
  }
  return out;
}
