// A room's log in SQL: seq allocation under the room row lock, multi-row event inserts, and the
// mapping between event rows and protocol `RoomEvent`s. Every writer of `events` goes through here,
// except group-commit batches of messages, which `append_events` (migration 2) writes the same way.
import type { RoomEvent } from '@parley/sdk/protocol';
import { eventId } from '../ids.js';
import { fitName } from '../name-length.js';
import type { SqlSession } from './sql.js';
import type { EventData } from './store.js';

export const EVENT_COLUMNS = 'room_id, seq, id, kind, author, author_name, cid, body, data, ts';


export interface EventRow {
  room_id: string;
  seq: number;
  id: string;
  kind: string;
  author: string;
  author_name: string;
  cid: string | null;
  body: string | null;
  data: EventData | null;
  ts: number;
}

/** An event before the store gives it a seq, id and ts. */
export interface EventDraft {
  room: string;
  kind: string;
  by: string;
  name: string;
  cid?: string | undefined;
  body?: string | undefined;
  data?: EventData | undefined;
}

export function toEvent(row: EventRow): RoomEvent {
  const event: RoomEvent = {
    room: row.room_id,
    seq: row.seq,
    id: row.id,
    kind: row.kind,
    ts: row.ts,
    by: row.author,
    // Rows stored before names were limited in UTF-16 code units may be longer than any client accepts.
    name: fitName(row.author_name),
  };
  // Absent rather than null/undefined: the wire schema has optional fields, not nullable ones.
  if (row.cid !== null) event.cid = row.cid;
  if (row.body !== null) event.body = row.body;
  if (row.data !== null) event.data = row.data;
  return event;
}

/** Gives a draft its place in the log. */
export function seal(draft: EventDraft, seq: number, ts: number, id: string = eventId(ts)): RoomEvent {
  const event: RoomEvent = { room: draft.room, seq, id, kind: draft.kind, ts, by: draft.by, name: fitName(draft.name) };
  if (draft.cid !== undefined) event.cid = draft.cid;
  if (draft.body !== undefined) event.body = draft.body;
  if (draft.data !== undefined) event.data = draft.data;
  return event;
}

/**
 * Reserves `count` seqs in each room by moving its head, and returns the new head per room; rooms
 * that do not exist are absent from the result. The rows stay locked until the transaction ends,
 * which serialises every writer of a room across all nodes. Locks are taken in room id order so two
 * batches touching the same rooms cannot deadlock. A rollback gives the seqs back: no gaps.
 */
export async function reserveSeqs(tx: SqlSession, count: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const heads = new Map<string, number>();
  if (count.size === 0) return heads;
  const rows = await tx.query<{ id: string; head_seq: number }>(
    `WITH locked AS (
       SELECT id FROM rooms WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE
     )
     UPDATE rooms r SET head_seq = r.head_seq + w.n
       FROM locked l JOIN unnest($1::text[], $2::int8[]) AS w(id, n) ON w.id = l.id
      WHERE r.id = l.id
     RETURNING r.id, r.head_seq`,
    [[...count.keys()], [...count.values()]],
  );
  for (const row of rows) heads.set(row.id, row.head_seq);
  return heads;
}

/** Inserts events (seqs already reserved) with one statement, however many there are. */
export async function insertEvents(tx: SqlSession, events: readonly RoomEvent[]): Promise<void> {
  if (events.length === 0) return;
  const n = events.length;
  const cols = {
    room: new Array<string>(n),
    seq: new Array<number>(n),
    id: new Array<string>(n),
    kind: new Array<string>(n),
    by: new Array<string>(n),
    name: new Array<string>(n),
    cid: new Array<string | null>(n),
    body: new Array<string | null>(n),
    data: new Array<string | null>(n),
    ts: new Array<number>(n),
  };
  events.forEach((e, i) => {
    cols.room[i] = e.room;
    cols.seq[i] = e.seq;
    cols.id[i] = e.id;
    cols.kind[i] = e.kind;
    cols.by[i] = e.by;
    cols.name[i] = e.name;
    cols.cid[i] = e.cid ?? null;
    cols.body[i] = e.body ?? null;
    // Serialised here so both drivers send the same text for the jsonb[] parameter.
    cols.data[i] = e.data === undefined ? null : JSON.stringify(e.data);
    cols.ts[i] = e.ts;
  });
  await tx.query(
    `INSERT INTO events (${EVENT_COLUMNS})
     SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[],
                          $7::text[], $8::text[], $9::jsonb[], $10::int8[])`,
    [cols.room, cols.seq, cols.id, cols.kind, cols.by, cols.name, cols.cid, cols.body, cols.data, cols.ts],
  );
}

/** Appends drafts to one room, in order: reserves their seqs and inserts them. Null when the room does not exist. */
export async function appendToRoom(tx: SqlSession, room: string, drafts: readonly EventDraft[]): Promise<RoomEvent[] | null> {
  const heads = await reserveSeqs(tx, new Map([[room, drafts.length]]));
  const head = heads.get(room);
  if (head === undefined) return null;
  const ts = Date.now();
  const first = head - drafts.length + 1;
  const events = drafts.map((d, i) => seal(d, first + i, ts));
  await insertEvents(tx, events);
  return events;
}
