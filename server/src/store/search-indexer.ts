// Feeds the search table (search_texts, migrations 20 and 22) from the log after the commit, so that
// an append writes only the log's own btree indexes, and the folded text, the GIN indexes and the
// walks' indexes are made off its path (ADR 0028, ADR 0029).
import type { Sql } from './sql.js';

/** How often the indexer looks for events stored since its last round, while the store writes, ms. */
export const SEARCH_INDEX_MS = 100;
/**
 * How often while rounds are large (SEARCH_INDEX_BUSY_EVENTS or more events in the last one), ms: the
 * same work in smaller rounds. A round is a burst of the database's CPU (folding, index entries) that
 * commits wait behind; at 7k msg/s a 100 ms round held 700 messages, and rounds four times as often
 * won 6 of 8 alternate pairs of the many-rooms scenario on p99 (bench/README.md).
 */
export const SEARCH_INDEX_BUSY_MS = 25;
const SEARCH_INDEX_BUSY_EVENTS = 100;

/**
 * Whether a tick (every SEARCH_INDEX_BUSY_MS) starts a round: every tick while busy, else once
 * SEARCH_INDEX_MS has passed (less half a tick, so that a timer firing a little early waits no whole tick).
 */
export function roundDue(now: number, lastRound: number, busy: boolean): boolean {
  return busy || now - lastRound >= SEARCH_INDEX_MS - SEARCH_INDEX_BUSY_MS / 2;
}

/**
 * One round, in one transaction: every msg and delete event whose transaction committed since the
 * watermark (a snapshot) is applied to search_texts — a msg that still has its text is copied, a
 * delete takes its target's row out — and the watermark moves to this statement's snapshot. One
 * statement, so the events read, the rows written and the new watermark all belong to one snapshot:
 * an event is indexed in exactly one round, and a crash at any point leaves the watermark with the
 * rows it covers. The primary key refuses a second copy should anything ever offer one.
 * Resolves with the number of events applied, or undefined when another session's round holds the
 * lock (every node of a database runs an indexer; one round at a time keeps the watermark moving forward).
 */
export async function indexSearch(sql: Sql): Promise<number | undefined> {
  return sql.transaction(async (tx) => {
    const [lock] = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [`parley.search_index.${sql.schema}`]);
    if (lock?.ok !== true) return undefined;
    const [done] = await tx.query<{ n: number }>(
      `WITH fresh AS (
         SELECT e.room_id, e.seq, e.id, e.author, e.ts, e.kind, e.body, e.data
           FROM events e
          WHERE ${UNINDEXED}
       ), added AS (
         INSERT INTO search_texts (room_id, seq, id, author, ts, body, search_body)
         SELECT f.room_id, f.seq, f.id, f.author, f.ts, f.body, search_fold(f.body) FROM fresh f WHERE f.kind = 'msg' AND f.body IS NOT NULL
         ON CONFLICT (room_id, seq) DO NOTHING
       ), removed AS (
         DELETE FROM search_texts t USING fresh f
          WHERE f.kind = 'delete' AND t.room_id = f.room_id AND t.seq = (f.data->>'target')::int8
       ), moved AS (
         UPDATE search_watermark SET snapshot = pg_current_snapshot()
       )
       SELECT count(*)::int AS n FROM fresh`,
    );
    return done?.n ?? 0;
  });
}

/**
 * The msg and delete events (`e`) the indexer has not applied yet, given the watermark `w`: those
 * stored by a transaction the watermark's snapshot did not see. Every transaction older than the
 * snapshot's xmin was seen, so events_tx_idx is read from there on only. The watermark is read by
 * scalar subqueries, computed once before the scan: joined as a table, it left the planner free to
 * read the whole log instead of that index's range.
 */
export const UNINDEXED = `e.kind IN ('msg', 'delete') AND e.tx >= (SELECT pg_snapshot_xmin(w.snapshot) FROM search_watermark w)
  AND NOT pg_visible_in_snapshot(e.tx, (SELECT w.snapshot FROM search_watermark w))`;

/**
 * Runs rounds every SEARCH_INDEX_MS while the store commits writes (every SEARCH_INDEX_BUSY_MS while
 * rounds are large), and once at start (a backlog left
 * by a crash or by a node that stopped). A failed round (the database restarting) is tried again at
 * the next tick; meanwhile searches read the events it has not applied row by row (search.ts), so
 * results never miss them, they only cost more. With `clean`, each round then merges the GIN pending
 * lists of the search indexes (search_texts' and the projection's) on the same pool, so neither the
 * indexer's inserts nor an edit's commit merge them inline.
 */
export class SearchIndexer {
  /** The round in flight, if any: `stop` waits for it, so the store never closes under it. */
  private current: Promise<void> | undefined;
  /** The writes counter at the last round that completed; -1 until the first. */
  private seen = -1;
  private cleanable: string[] | undefined;
  private readonly timer: NodeJS.Timeout;
  /** Rounds completed and events applied, for tests and stats. */
  readonly counters = { rounds: 0, events: 0, failures: 0 };
  /** Whether the last round failed: a run of failures is reported once, at its start, and its end once. */
  private failing = false;
  /** Told when rounds start failing (with the first error) and when one succeeds again. */
  onHealth: ((change: { failing: true; err: unknown } | { failing: false; failures: number }) => void) | undefined;
  private failuresInRun = 0;
  /** When the last round started (performance.now()), and whether it applied a large batch. */
  private lastRound = Number.NEGATIVE_INFINITY;
  private busy = false;

  constructor(
    private readonly sql: Sql,
    /** Counts writes the store committed: a round runs only after this moved, so one always follows the last commit. */
    private readonly writes: () => number,
    private readonly clean: boolean,
  ) {
    this.timer = setInterval(() => this.round(), SEARCH_INDEX_BUSY_MS);
    this.timer.unref();
  }

  /** No more rounds; resolves once the one in flight (if any) has finished. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.current;
  }

  private round(): void {
    const writes = this.writes();
    if (this.current || writes === this.seen) return;
    const now = performance.now();
    if (!roundDue(now, this.lastRound, this.busy)) return;
    this.lastRound = now;
    this.current = this.apply(writes).finally(() => (this.current = undefined));
  }

  private async apply(writes: number): Promise<void> {
    try {
      const applied = await indexSearch(this.sql);
      // Another node's round holds the lock: this one comes back at the next tick.
      if (applied === undefined) return;
      this.busy = applied >= SEARCH_INDEX_BUSY_EVENTS;
      if (this.clean) await this.merge();
      this.seen = writes;
      this.counters.rounds += 1;
      this.counters.events += applied;
      if (this.failing) {
        this.failing = false;
        this.onHealth?.({ failing: false, failures: this.failuresInRun });
      }
    } catch (err) {
      this.counters.failures += 1;
      this.failuresInRun = this.failing ? this.failuresInRun + 1 : 1;
      if (!this.failing) {
        this.failing = true;
        this.onHealth?.({ failing: true, err });
      }
    }
  }

  /** Events stored but not yet applied to the search table (every node of a database sees the same figure). */
  async pending(): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM events e WHERE ${UNINDEXED}`);
    return row?.n ?? 0;
  }

  private async merge(): Promise<void> {
    this.cleanable ??= await this.ginIndexes();
    if (this.cleanable.length === 0) return;
    await this.sql.query(`SELECT ${this.cleanable.map((_, i) => `gin_clean_pending_list($${i + 1}::regclass)`).join(', ')}`, this.cleanable);
  }

  /** The GIN indexes of the search table and of the projection (the store may clean them as their owner). */
  private async ginIndexes(): Promise<string[]> {
    const rows = await this.sql.query<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name
         FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am a ON a.oid = c.relam
         JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE a.amname = 'gin' AND t.relname IN ('search_texts', 'messages') AND n.nspname = $1 ORDER BY 1`,
      [this.sql.schema],
    );
    return rows.map((r) => r.name);
  }
}
