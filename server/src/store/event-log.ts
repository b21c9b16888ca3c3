// A room's log in SQL: seqs from `take_seqs` (migration 7, the one allocator), multi-row event
// inserts, and the mapping between event rows and protocol `RoomEvent`s. Every writer of `events` goes
// through here, except group-commit batches, which `append_events` writes taking seqs the same way.
import type { Attachment, Mention, MessageAction, RoomEvent } from '@parley/sdk/protocol';
import { eventId } from '../ids.js';
import { fitName } from '../name-length.js';
import type { SqlSession } from './sql.js';
import type { EventData } from './store.js';

export const EVENT_COLUMNS = 'room_id, seq, id, kind, author, author_name, cid, body, data, mentions, attachments, ts';
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
  mentions: Mention[] | null;
  attachments: Attachment[] | null;
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
  mentions?: Mention[] | undefined;
  attachments?: Attachment[] | undefined;
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
  if (row.mentions !== null) event.mentions = row.mentions;
  if (row.attachments !== null) event.attachments = row.attachments;
  return liftActions(event);
}

/**
 * Storage keeps a message's buttons and selects in `data.actions` (a nested value, which v1 clients'
 * flat `data` cannot hold); on the wire they are the event's own `actions` field.
 */
export function liftActions(event: RoomEvent): RoomEvent {
  const data = event.data as (Record<string, unknown> & { actions?: MessageAction[] }) | undefined;
  if (!data || data.actions === undefined) return event;
  const { actions, ...rest } = data;
  if (Object.keys(rest).length > 0) event.data = rest as NonNullable<RoomEvent['data']>;
  else delete event.data;
  event.actions = actions;
  return event;
}

/** What storage keeps of an append: its actions moved into `data` (see liftActions). */
export function sinkActions<T extends { data?: EventData | undefined; actions?: MessageAction[] | undefined }>(input: T): T {
  if (input.actions === undefined) return input;
  const { actions, ...rest } = input;
  return { ...rest, data: { ...input.data, actions } as unknown as EventData } as T;
}

/** Gives a draft its place in the log. */
export function seal(draft: EventDraft, seq: number, ts: number, id: string = eventId(ts)): RoomEvent {
  const event: RoomEvent = { room: draft.room, seq, id, kind: draft.kind, ts, by: draft.by, name: fitName(draft.name) };
  if (draft.cid !== undefined) event.cid = draft.cid;
  if (draft.body !== undefined) event.body = draft.body;
  if (draft.data !== undefined) event.data = draft.data;
  if (draft.mentions !== undefined) event.mentions = draft.mentions;
  if (draft.attachments !== undefined) event.attachments = draft.attachments;
  return event;
}

/**
 * Reserves `count` seqs in each room with `take_seqs`, and returns the new head per room; rooms that
 * do not exist are absent from the result. The rows stay locked until the transaction ends, which
 * serialises every writer of a room across all nodes. A rollback gives the seqs back: no gaps.
 */
export async function reserveSeqs(tx: SqlSession, count: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const heads = new Map<string, number>();
  if (count.size === 0) return heads;
  const rooms = [...count.keys()];
  const [row] = await tx.query<{ bases: (number | string | null)[] | null }>('SELECT take_seqs($1::text[], $2::int8[]) AS bases', [rooms, [...count.values()]]);
  rooms.forEach((room, i) => {
    const base = row?.bases?.[i];
    if (base !== null && base !== undefined) heads.set(room, Number(base) + count.get(room)!);
  });
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
    mentions: new Array<string | null>(n),
    attachments: new Array<string | null>(n),
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
    cols.mentions[i] = e.mentions === undefined ? null : JSON.stringify(e.mentions);
    cols.attachments[i] = e.attachments === undefined ? null : JSON.stringify(e.attachments);
    cols.ts[i] = e.ts;
  });
  await tx.query(
    `INSERT INTO events (${EVENT_COLUMNS})
     SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[],
                          $7::text[], $8::text[], $9::jsonb[], $10::jsonb[], $11::jsonb[], $12::int8[])`,
    [cols.room, cols.seq, cols.id, cols.kind, cols.by, cols.name, cols.cid, cols.body, cols.data, cols.mentions, cols.attachments, cols.ts],
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
