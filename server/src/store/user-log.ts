// Each user's own log in SQL (ADR 0011): notices addressed to one person with a gapless per-user seq,
// allocated by moving the user's head row, in the transaction of the room change that caused them.
import type { UserEvent } from '@parley/sdk/protocol';
import { eventId } from '../ids.js';
import type { SqlSession } from './sql.js';
import type { StoredUserEvent, UserNotice } from './store.js';

const USER_EVENT_COLUMNS = 'user_id, seq, id, kind, ts, data';

interface UserEventRow {
  user_id: string;
  seq: number;
  id: string;
  kind: string;
  ts: number;
  data: UserEvent['data'];
}

/**
 * Appends notices, in order, to their users' logs. The head rows are taken in user id order (after
 * any room row the transaction holds: nothing takes them the other way round), so writers cannot
 * deadlock; a rollback gives the seqs back.
 */
export async function appendUserEvents(tx: SqlSession, notices: readonly UserNotice[]): Promise<StoredUserEvent[]> {
  if (notices.length === 0) return [];
  const counts = new Map<string, number>();
  for (const n of notices) counts.set(n.user, (counts.get(n.user) ?? 0) + 1);
  const heads = await tx.query<{ user_id: string; head_seq: number }>(
    `INSERT INTO user_heads AS h (user_id, head_seq)
     SELECT w.u, w.n FROM unnest($1::text[], $2::int8[]) AS w(u, n) ORDER BY w.u
     ON CONFLICT (user_id) DO UPDATE SET head_seq = h.head_seq + EXCLUDED.head_seq
     RETURNING user_id, head_seq`,
    [[...counts.keys()], [...counts.values()]],
  );
  // The next seq to give each user: the head before these notices, plus one.
  const next = new Map(heads.map((h) => [h.user_id, h.head_seq - counts.get(h.user_id)! + 1]));
  const ts = Date.now();
  const stored = notices.map((n): StoredUserEvent => {
    const seq = next.get(n.user)!;
    next.set(n.user, seq + 1);
    return { user: n.user, event: { seq, id: eventId(ts), kind: n.kind, ts, data: n.data } };
  });
  await tx.query(
    `INSERT INTO user_events (${USER_EVENT_COLUMNS})
     SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::int8[], $6::jsonb[])`,
    [
      stored.map((s) => s.user),
      stored.map((s) => s.event.seq),
      stored.map((s) => s.event.id),
      stored.map((s) => s.event.kind),
      stored.map((s) => s.event.ts),
      // Serialised here so both drivers send the same text for the jsonb[] parameter.
      stored.map((s) => JSON.stringify(s.event.data)),
    ],
  );
  return stored;
}

/** Seq of the user's latest notice; 0 for a user who never got one. */
export async function userHead(session: SqlSession, user: string): Promise<number> {
  const rows = await session.query<{ head_seq: number }>('SELECT head_seq FROM user_heads WHERE user_id = $1', [user]);
  return rows[0]?.head_seq ?? 0;
}

/** The user's notices after `after`, ascending, at most `limit`; `more` when others follow. */
export async function userEventsAfter(session: SqlSession, user: string, after: number, limit: number): Promise<{ events: UserEvent[]; more: boolean }> {
  const rows = await session.query<UserEventRow>(
    `SELECT ${USER_EVENT_COLUMNS} FROM user_events WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [user, after, limit + 1],
  );
  const events = rows.slice(0, limit).map((r) => ({ seq: r.seq, id: r.id, kind: r.kind, ts: r.ts, data: r.data }));
  return { events, more: rows.length > limit };
}
