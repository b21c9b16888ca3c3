// One group-commit batch of appends, written inside the caller's transaction with a fixed number of
// statements however large the batch: duplicate check, seq reservation, insert.
import type { RoomEvent } from '@parley/sdk/protocol';
import { eventColumns, insertEvents, reserveSeqs, seal, toEvent, type EventRow } from './event-log.js';
import type { Outcome } from './group-commit.js';
import type { SqlSession } from './sql.js';
import { RoomNotFoundError, type AppendInput, type AppendResult } from './store.js';

/**
 * Writes `batch` and returns one outcome per input, in order. A retried (room, by, cid) answers with
 * the stored event and duplicate:true, as do repeats within the batch; an unknown room fails only
 * its own inputs. Database errors reject the whole call (the caller rolls back: nothing is kept).
 */
export async function writeAppendBatch(tx: SqlSession, batch: readonly AppendInput[]): Promise<Outcome<AppendResult>[]> {
  const outcomes = new Array<Outcome<AppendResult> | undefined>(batch.length).fill(undefined);

  // (a) Repeats of one (room, by, cid) within the batch follow the first; the first is checked
  // against the stored log in one query.
  const leaderOf = new Array<number | undefined>(batch.length).fill(undefined);
  const leaders = new Map<string, number>();
  batch.forEach((input, i) => {
    if (input.cid === undefined) return;
    const key = cidKey(input.room, input.by, input.cid);
    const leader = leaders.get(key);
    if (leader === undefined) leaders.set(key, i);
    else leaderOf[i] = leader;
  });
  if (leaders.size > 0) {
    const keyed = [...leaders.values()].map((i) => batch[i]!);
    // LATERAL ... LIMIT 1 pins the plan to one unique-index probe per key, whatever the planner
    // believes about the table's size (a hash or merge join would read the whole log).
    const stored = await tx.query<EventRow>(
      `SELECT ${eventColumns('e')}
         FROM unnest($1::text[], $2::text[], $3::text[]) AS k(room_id, author, cid)
         CROSS JOIN LATERAL (
           SELECT * FROM events
            WHERE room_id = k.room_id AND author = k.author AND cid = k.cid AND cid IS NOT NULL
            LIMIT 1
         ) e`,
      [keyed.map((a) => a.room), keyed.map((a) => a.by), keyed.map((a) => a.cid)],
    );
    for (const row of stored) {
      const i = leaders.get(cidKey(row.room_id, row.author, row.cid!));
      if (i !== undefined) outcomes[i] = { ok: true, value: { event: toEvent(row), duplicate: true } };
    }
  }

  // (b) Everything still unanswered is new: reserve its seqs, all rooms in one statement.
  const count = new Map<string, number>();
  batch.forEach((input, i) => {
    if (outcomes[i] === undefined && leaderOf[i] === undefined) count.set(input.room, (count.get(input.room) ?? 0) + 1);
  });
  const heads = await reserveSeqs(tx, count);

  // (c) Seal in arrival order and insert them all with one statement.
  const ts = Date.now();
  const next = new Map<string, number>();
  for (const [room, head] of heads) next.set(room, head - count.get(room)! + 1);
  const fresh: RoomEvent[] = [];
  batch.forEach((input, i) => {
    if (outcomes[i] !== undefined || leaderOf[i] !== undefined) return;
    const seq = next.get(input.room);
    if (seq === undefined) {
      outcomes[i] = { ok: false, error: new RoomNotFoundError(`room ${input.room} does not exist`) };
      return;
    }
    next.set(input.room, seq + 1);
    const event = seal(input, seq, ts);
    fresh.push(event);
    outcomes[i] = { ok: true, value: { event, duplicate: false } };
  });
  await insertEvents(tx, fresh);

  return outcomes.map((outcome, i) => {
    const leader = leaderOf[i];
    if (leader === undefined) return outcome!;
    const led = outcomes[leader]!;
    return led.ok ? { ok: true, value: { event: led.value.event, duplicate: true } } : led;
  });
}

function cidKey(room: string, by: string, cid: string): string {
  return `${room}\u0000${by}\u0000${cid}`;
}
