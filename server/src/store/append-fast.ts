// The common case of a group-commit batch as ONE autocommitted statement: reserve every room's seqs
// under its row lock and insert all events, in a single round trip. It does not look for earlier
// copies of a cid: a retried send (or a cid repeated within the batch) makes the statement fail on
// the cid index with nothing written, and the caller then writes the batch the careful way.
import { eventId } from '../ids.js';
import type { Outcome } from './group-commit.js';
import type { SqlSession } from './sql.js';
import { seal } from './event-log.js';
import { RoomNotFoundError, type AppendInput, type AppendResult } from './store.js';

// Locks are taken in room id order (as every writer of `rooms` does) so batches cannot deadlock; the
// k-th input of a room (in batch order) gets seq head_before + k.
const APPEND_BATCH = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
      WITH ORDINALITY AS i(room_id, id, kind, author, author_name, cid, body, data, ord)
  ), wanted AS (
    SELECT room_id, count(*) AS n FROM input GROUP BY room_id
  ), locked AS (
    SELECT r.id FROM rooms r JOIN wanted w ON w.room_id = r.id ORDER BY r.id FOR UPDATE OF r
  ), bumped AS (
    UPDATE rooms r SET head_seq = r.head_seq + w.n
      FROM locked l JOIN wanted w ON w.room_id = l.id
     WHERE r.id = l.id
    RETURNING r.id, r.head_seq, w.n
  ), inserted AS (
    INSERT INTO events (room_id, seq, id, kind, author, author_name, cid, body, data, ts)
    SELECT i.room_id, b.head_seq - b.n + row_number() OVER (PARTITION BY i.room_id ORDER BY i.ord),
           i.id, i.kind, i.author, i.author_name, i.cid, i.body, i.data, $9::int8
      FROM input i JOIN bumped b ON b.id = i.room_id
  )
  SELECT id, head_seq, n FROM bumped`;

/** Writes `batch` in one statement; one outcome per input, in order. Throws (nothing written) on any database error. */
export async function writeAppendBatchFast(sql: SqlSession, batch: readonly AppendInput[]): Promise<Outcome<AppendResult>[]> {
  const ts = Date.now();
  const n = batch.length;
  const ids = new Array<string>(n);
  const cols = { room: new Array<string>(n), kind: new Array<string>(n), by: new Array<string>(n), name: new Array<string>(n) };
  const cid = new Array<string | null>(n);
  const body = new Array<string | null>(n);
  const data = new Array<string | null>(n);
  batch.forEach((input, i) => {
    // Minted in batch order, so ids sort like the seqs they get.
    ids[i] = eventId(ts);
    cols.room[i] = input.room;
    cols.kind[i] = input.kind;
    cols.by[i] = input.by;
    cols.name[i] = input.name;
    cid[i] = input.cid ?? null;
    body[i] = input.body ?? null;
    data[i] = input.data === undefined ? null : JSON.stringify(input.data);
  });
  const rows = await sql.query<{ id: string; head_seq: number; n: number }>(APPEND_BATCH, [
    cols.room, ids, cols.kind, cols.by, cols.name, cid, body, data, ts,
  ]);
  const next = new Map<string, number>();
  for (const row of rows) next.set(row.id, Number(row.head_seq) - Number(row.n) + 1);
  return batch.map((input, i): Outcome<AppendResult> => {
    const seq = next.get(input.room);
    if (seq === undefined) return { ok: false, error: new RoomNotFoundError(`room ${input.room} does not exist`) };
    next.set(input.room, seq + 1);
    return { ok: true, value: { event: seal(input, seq, ts, ids[i]), duplicate: false } };
  });
}
