// A group-commit batch as ONE call of `append_events` (migrations 2, 6, 7 and 14): seq reservation under the room
// row locks, the insert, and — when a cid is already stored or repeated — the careful rewrite, all
// in one autocommitted statement. One statement per batch is what lets batches be pipelined on one
// connection: they run, commit and answer in the order they were sent.
import { eventId } from '../ids.js';
import { fitName } from '../name-length.js';
import type { Outcome } from './group-commit.js';
import type { SqlSession } from './sql.js';
import { seal } from './event-log.js';
import { RoomNotFoundError, type AppendInput, type AppendResult, type EventData } from './store.js';

const APPEND_EVENTS = 'SELECT * FROM append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)';

interface AnswerRow {
  /** Fast path: -(1-based index of a room in p_rooms), with `seq` its head before the batch. Careful path: the 1-based position of an input. */
  k: number;
  seq: number;
  /** Set (with the other stored fields) when the answer is an event stored earlier: dup is then true. */
  id: string | null;
  ts: number | null;
  kind: string | null;
  name: string | null;
  body: string | null;
  data: EventData | null;
  dup: boolean;
}

/** Writes `batch` with one statement; one outcome per input, in order. Throws (nothing written) on any database error. */
export async function writeAppendBatchFast(sql: SqlSession, batch: readonly AppendInput[]): Promise<Outcome<AppendResult>[]> {
  const ts = Date.now();
  const n = batch.length;
  const roomIndex = new Map<string, number>();
  const counts: number[] = [];
  const ri = new Array<number>(n);
  const rank = new Array<number>(n);
  const ids = new Array<string>(n);
  const kind = new Array<string>(n);
  const by = new Array<string>(n);
  const name = new Array<string>(n);
  const cid = new Array<string | null>(n);
  const body = new Array<string | null>(n);
  const data = new Array<string | null>(n);
  const mentions = new Array<string | null>(n);
  const attachments = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const input = batch[i]!;
    let r = roomIndex.get(input.room);
    if (r === undefined) {
      r = roomIndex.size;
      roomIndex.set(input.room, r);
      counts.push(0);
    }
    ri[i] = r + 1;
    rank[i] = ++counts[r]!;
    // Minted in batch order, so ids sort like the seqs they get.
    ids[i] = eventId(ts);
    kind[i] = input.kind;
    by[i] = input.by;
    name[i] = fitName(input.name);
    cid[i] = input.cid ?? null;
    body[i] = input.body ?? null;
    data[i] = input.data === undefined ? null : JSON.stringify(input.data);
    mentions[i] = input.mentions === undefined ? null : JSON.stringify(input.mentions);
    attachments[i] = input.attachments === undefined ? null : JSON.stringify(input.attachments);
  }
  const rows = await sql.query<AnswerRow>(APPEND_EVENTS, [
    textArray([...roomIndex.keys()]),
    `{${counts.join(',')}}`,
    `{${ri.join(',')}}`,
    `{${rank.join(',')}}`,
    textArray(ids),
    textArray(kind),
    textArray(by),
    textArray(name),
    textArray(cid),
    textArray(body),
    textArray(data),
    textArray(mentions),
    textArray(attachments),
    ts,
  ]);
  const outcomes = new Array<Outcome<AppendResult> | undefined>(n);
  if (rows.length > 0 && rows[0]!.k < 0) {
    const base = new Array<number | undefined>(counts.length);
    for (const row of rows) base[-row.k - 1] = Number(row.seq);
    for (let i = 0; i < n; i++) {
      const head = base[ri[i]! - 1];
      if (head !== undefined) outcomes[i] = { ok: true, value: { event: seal(batch[i]!, head + rank[i]!, ts, ids[i]), duplicate: false } };
    }
  } else {
    for (const row of rows) {
      const i = row.k - 1;
      const input = batch[i]!;
      // The careful path: new events as given, repeats as first stored (under their first name and body).
      const stored: AppendInput = { room: input.room, kind: row.kind ?? input.kind, by: input.by, name: row.name ?? input.name };
      if (input.cid !== undefined) stored.cid = input.cid;
      if (row.body !== null) stored.body = row.body;
      if (row.data !== null) stored.data = row.data;
      outcomes[i] = { ok: true, value: { event: seal(stored, Number(row.seq), Number(row.ts), row.id ?? ids[i]), duplicate: row.dup } };
    }
  }
  return batch.map(
    (input, i): Outcome<AppendResult> => outcomes[i] ?? { ok: false, error: new RoomNotFoundError(`room ${input.room} does not exist`) },
  );
}

/**
 * A PostgreSQL array literal of text (or NULL) elements, sent as one text parameter: much cheaper
 * than the driver's generic per-element conversion. Elements are always quoted; inside quotes only
 * `"` and `\` need a backslash.
 */
export function textArray(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) out += 'NULL';
    else if (v.indexOf('"') < 0 && v.indexOf('\\') < 0) out += `"${v}"`;
    else out += `"${v.replace(/["\\]/g, '\\$&')}"`;
  }
  return out + '}';
}
