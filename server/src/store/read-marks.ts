// Members' read positions in SQL (migration 9, ADR 0013): many `read` requests written by one
// statement, and the unread and mention counts that follow from a position.
import { Limits } from '@parley/sdk/protocol';
import type { SqlSession } from './sql.js';
import type { MemberRead, ReadMark, ReadMarkOutcome, ReadView } from './store.js';

// Messages from others after the member's position that still have a body (a deleted message is
// read by nobody) and are not thread replies (the room's timeline shows a reply count on the thread's
// first message, not the replies: a badge for them could not be cleared by looking at the room; a
// reply that mentions the member counts as a mention), stopped at the cap so that a member who never reads a busy room costs a bounded
// scan. Mentions come from the member's own log (notices `mention`), which is short, joined to the
// message to leave deleted ones out.
const UNREAD = (room: string, user: string, read: string, cap: string) => `
  (SELECT count(*) FROM (SELECT 1 FROM events e
     WHERE e.room_id = ${room} AND e.seq > ${read} AND e.kind = 'msg' AND e.author <> ${user} AND e.body IS NOT NULL
       AND (e.data IS NULL OR NOT e.data ? 'thread')
     LIMIT ${cap}) c)::int`;
const MENTIONS = (room: string, user: string, read: string, cap: string) => `
  (SELECT count(*) FROM (SELECT 1 FROM user_events n JOIN events e ON e.room_id = ${room} AND e.seq = (n.data->>'seq')::int8
     WHERE n.user_id = ${user} AND n.kind = 'mention' AND n.data->>'room' = ${room} AND (n.data->>'seq')::int8 > ${read}
       AND e.body IS NOT NULL AND e.author <> ${user}
     LIMIT ${cap}) c)::int`;
const COUNTS = (room: string, user: string, read: string, cap: string) =>
  `${UNREAD(room, user, read, cap)} AS unread, ${MENTIONS(room, user, read, cap)} AS mentions`;

interface MarkRow {
  i: number;
  head: number | null;
  kind: string | null;
  member: boolean;
  read: number | null;
  delivered: number | null;
  changed: boolean;
  small: boolean;
  unread: number;
  mentions: number;
}

/**
 * Writes a batch of read marks in one statement and answers each. Marks of one member and room
 * are merged (the highest wins); a mark past the room's head changes nothing and is answered as
 * such, as is one of a non-member. `smallRoom`: rooms of at most this many members are "small".
 */
export async function writeReadMarks(sql: SqlSession, marks: readonly ReadMark[], smallRoom: number): Promise<ReadMarkOutcome[]> {
  const rows = await sql.query<MarkRow>(
    `WITH input AS (
       SELECT x.* FROM unnest($1::text[], $2::text[], $3::int8[], $4::boolean[]) WITH ORDINALITY AS x(room, usr, seq, dlv, i)
     ), wanted AS (
       SELECT i.room, i.usr, max(CASE WHEN i.dlv THEN 0 ELSE i.seq END) AS rd, max(i.seq) AS dl
         FROM input i JOIN rooms r ON r.id = i.room
        WHERE i.seq <= r.head_seq
        GROUP BY i.room, i.usr
     ), upd AS (
       UPDATE members m
          SET last_read_seq = greatest(m.last_read_seq, w.rd),
              last_delivered_seq = greatest(m.last_delivered_seq, w.dl, w.rd)
         FROM wanted w
        WHERE m.room_id = w.room AND m.user_id = w.usr
          AND (w.rd > m.last_read_seq OR w.dl > m.last_delivered_seq)
       RETURNING m.room_id, m.user_id, m.last_read_seq, m.last_delivered_seq
     ), state AS (
       SELECT i.i, i.room, i.usr, r.head_seq AS head, r.kind, m.user_id IS NOT NULL AS member,
              coalesce(u.last_read_seq, m.last_read_seq) AS read,
              coalesce(u.last_delivered_seq, m.last_delivered_seq) AS delivered,
              u.room_id IS NOT NULL AS changed
         FROM input i
         LEFT JOIN rooms r ON r.id = i.room
         LEFT JOIN members m ON m.room_id = i.room AND m.user_id = i.usr
         LEFT JOIN upd u ON u.room_id = i.room AND u.user_id = i.usr
     )
     SELECT s.i::int, s.head, s.kind, s.member, s.read, greatest(s.delivered, s.read) AS delivered, s.changed,
            s.changed AND (SELECT count(*) FROM (SELECT 1 FROM members c WHERE c.room_id = s.room LIMIT $5) z) < $5 AS small,
            ${COUNTS('s.room', 's.usr', 's.read', '$6')}
       FROM state s ORDER BY s.i`,
    [marks.map((m) => m.room), marks.map((m) => m.user), marks.map((m) => m.seq), marks.map((m) => m.delivered), smallRoom + 1, Limits.maxUnread],
  );
  return rows.map((row): ReadMarkOutcome => {
    if (row.kind === null) return { status: 'no_room' };
    if (!row.member) return { status: 'not_member', kind: row.kind };
    const view: ReadView = { read: Number(row.read), delivered: Number(row.delivered), unread: row.unread, mentions: row.mentions };
    if (marks[row.i - 1]!.seq > Number(row.head)) return { status: 'beyond_head', head: Number(row.head), kind: row.kind, view };
    return { status: 'ok', kind: row.kind, view, changed: row.changed, small: row.small };
  });
}

/** The user's position and counts in each of `rooms` they are a member of. */
export async function readViews(sql: SqlSession, user: string, rooms: readonly string[]): Promise<Map<string, ReadView>> {
  if (rooms.length === 0) return new Map();
  const rows = await sql.query<{ room_id: string; read: number; delivered: number; unread: number; mentions: number }>(
    `SELECT m.room_id, m.last_read_seq AS read, greatest(m.last_delivered_seq, m.last_read_seq) AS delivered,
            ${COUNTS('m.room_id', 'm.user_id', 'm.last_read_seq', '$3')}
       FROM members m WHERE m.user_id = $1 AND m.room_id = ANY($2::text[])`,
    [user, [...rooms], Limits.maxUnread],
  );
  return new Map(rows.map((r) => [r.room_id, { read: Number(r.read), delivered: Number(r.delivered), unread: r.unread, mentions: r.mentions }]));
}

/**
 * One read for a member's `subscribe`: their own position and counts in `room` (absent when not a
 * member) and, when the room has at most `size` members, every other member's position (else null).
 */
/**
 * A member's `subscribe` in one statement: the room (its columns as `roomColumns` selects them from
 * `rooms r`), the member's position and counts, and the others' positions when the room has at most
 * `size` members (2 for a direct room). No rows: no such room.
 */
export async function roomReadView<Room>(
  sql: SqlSession,
  roomColumns: string,
  room: string,
  user: string,
  size: number,
): Promise<{ room: Room | null; view?: ReadView; reads: MemberRead[] | null }> {
  // The member count and the room are InitPlans, read once; the counts are computed for the caller's row only.
  const rows = await sql.query<Room & { user_id: string | null; read: number; delivered: number; small: boolean | null; unread: number | null; mentions: number | null }>(
    `WITH room AS (SELECT ${roomColumns} FROM rooms r WHERE r.id = $1),
          size AS (SELECT CASE WHEN kind = 'dm' THEN 2 ELSE $3::int END AS n FROM room),
          small AS (SELECT count(*) <= (SELECT n FROM size) AS yes FROM (SELECT 1 FROM members c WHERE c.room_id = $1 LIMIT (SELECT n FROM size) + 1) z),
          marks AS (
            SELECT m.user_id, m.joined_at, m.last_read_seq AS read, greatest(m.last_delivered_seq, m.last_read_seq) AS delivered, (SELECT yes FROM small) AS small,
                   CASE WHEN m.user_id = $2 THEN ${UNREAD('$1', '$2', 'm.last_read_seq', '$4')} END AS unread,
                   CASE WHEN m.user_id = $2 THEN ${MENTIONS('$1', '$2', 'm.last_read_seq', '$4')} END AS mentions
              FROM members m
             WHERE m.room_id = $1 AND (m.user_id = $2 OR (SELECT yes FROM small)))
     SELECT room.*, marks.user_id, marks.read, marks.delivered, marks.small, marks.unread, marks.mentions
       FROM room LEFT JOIN marks ON true
      ORDER BY marks.joined_at, marks.user_id`,
    [room, user, size, Limits.maxUnread],
  );
  if (rows.length === 0) return { room: null, reads: null };
  const mine = rows.find((r) => r.user_id === user);
  const view = mine && { read: Number(mine.read), delivered: Number(mine.delivered), unread: mine.unread ?? 0, mentions: mine.mentions ?? 0 };
  const small = rows[0]!.small ?? false;
  const reads = small ? rows.filter((r) => r.user_id !== null && r.user_id !== user).map((r) => ({ user: r.user_id!, seq: Number(r.read), delivered: Number(r.delivered) })) : null;
  return view ? { room: rows[0]!, view, reads } : { room: rows[0]!, reads };
}
