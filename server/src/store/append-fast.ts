// A group-commit batch as ONE call of `append_events` (migration 2): seq reservation under the room
// row locks, the insert, and — when a cid is already stored or repeated — the careful rewrite, all
// in one autocommitted statement. One statement per batch is what lets batches be pipelined on one
// connection: they run, commit and answer in the order they were sent.
import { eventId } from '../ids.js';
import type { Outcome } from './group-commit.js';
import type { SqlSession } from './sql.js';
import { seal } from './event-log.js';
import { RoomNotFoundError, type AppendInput, type AppendResult, type EventData } from './store.js';

const APPEND_EVENTS = 'SELECT * FROM append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)';

interface AnswerRow {
  /** 1-based position of the input in the batch. */
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
    name[i] = input.name;
    cid[i] = input.cid ?? null;
    body[i] = input.body ?? null;
    data[i] = input.data === undefined ? null : JSON.stringify(input.data);
  }
  const rows = await sql.query<AnswerRow>(APPEND_EVENTS, [[...roomIndex.keys()], counts, ri, rank, ids, kind, by, name, cid, body, data, ts]);
  const outcomes = new Array<Outcome<AppendResult> | undefined>(n);
  for (const row of rows) {
    const i = row.k - 1;
    const input = batch[i]!;
    const seq = Number(row.seq);
    if (row.id === null) {
      outcomes[i] = { ok: true, value: { event: seal(input, seq, ts, ids[i]), duplicate: false } };
    } else {
      // Answered by the careful path: a retry gets the event as first stored, under its first name and body.
      const stored: AppendInput = { room: input.room, kind: row.kind ?? input.kind, by: input.by, name: row.name ?? input.name };
      if (input.cid !== undefined) stored.cid = input.cid;
      if (row.body !== null) stored.body = row.body;
      if (row.data !== null) stored.data = row.data;
      outcomes[i] = { ok: true, value: { event: seal(stored, seq, Number(row.ts), row.id), duplicate: row.dup } };
    }
  }
  return batch.map(
    (input, i): Outcome<AppendResult> => outcomes[i] ?? { ok: false, error: new RoomNotFoundError(`room ${input.room} does not exist`) },
  );
}
