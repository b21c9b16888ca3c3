// Group commit: many concurrent writes share one transaction. No timers and no fixed count to wait
// for: writes that arrive while the flushes in flight run gather into the next batch, which starts as
// soon as a slot is free, so batches stay small at low load and grow with it, up to `maxBatch`.
// Up to `maxInFlight` batches are in flight at once: the flush must keep them in order (the store
// pipelines them on one connection), so that the writes settle in the order they were submitted.

/** The outcome of one queued write, in the order the writes were given to the flush. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Writes one batch; returns one outcome per item, or throws to fail the whole batch. */
export type Flush<I, T> = (items: readonly I[]) => Promise<Outcome<T>[]>;

/** What one batch cost, told once its items are settled. */
export interface BatchTiming {
  /** Items in the batch. */
  size: number;
  /** From handing the batch to the flush to its answer, in seconds (a pipelined batch includes its wait behind the one ahead). */
  flushSeconds: number;
  /** False when the flush failed and every item was rejected. */
  ok: boolean;
  /** Per item, seconds from its submit to the start of its batch's flush. */
  queueSeconds: readonly number[];
}

/** Told after every batch, never per item. */
export type BatchObserver = (batch: BatchTiming) => void;

export interface GroupCommitOptions {
  /** Most items per batch (bounds statement size and transaction length). Default 2000. */
  maxBatch?: number;
  /** Most batches being flushed at once. Default 1. */
  maxInFlight?: number;
}

interface Pending<I, T> {
  item: I;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  /** performance.now() at submit. */
  at: number;
}

export class GroupCommit<I, T> {
  private queue: Pending<I, T>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: Promise<void> | null = null;
  private wakeIdle: (() => void) | undefined;
  private batches = 0;
  private largest = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly pumpNow = () => {
    this.scheduled = false;
    this.pump();
  };
  /** Set by the owner (metrics); called once per batch, never per item. */
  observer: BatchObserver | undefined;

  constructor(
    private readonly flush: Flush<I, T>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 2000);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** Queues `item`; settles when the batch holding it has been written. */
  submit(item: I): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ item, resolve, reject, at: performance.now() });
      this.schedule();
    });
  }

  /** Resolves once every write queued so far has been flushed and settled. */
  async settled(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) {
      this.idle ??= new Promise<void>((resolve) => (this.wakeIdle = resolve));
      await this.idle;
    }
  }

  /** Writes queued and not yet handed to a flush. */
  get queued(): number {
    return this.queue.length;
  }

  /** Batches flushed so far and the largest one, for stats and tests. */
  get counters(): { batches: number; largestBatch: number } {
    return { batches: this.batches, largestBatch: this.largest };
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    // Start after the current I/O phase (setImmediate), not on a microtask: Node drains microtasks
    // after every native callback, so a microtask start would flush the first frame of a socket
    // read alone, and the rest of the read would wait behind that flush. setImmediate lets the
    // whole burst join one batch, at a cost of one event-loop turn.
    setImmediate(this.pumpNow);
  }

  /** Starts batches of the oldest queued writes while a slot is free. */
  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) void this.flushOne(this.queue.splice(0, this.maxBatch));
    this.checkIdle();
  }

  private async flushOne(batch: Pending<I, T>[]): Promise<void> {
    this.inFlight++;
    this.batches += 1;
    this.largest = Math.max(this.largest, batch.length);
    const started = performance.now();
    let outcomes: Outcome<T>[] | undefined;
    let failure: unknown;
    try {
      outcomes = await this.flush(batch.map((p) => p.item));
    } catch (err) {
      failure = err;
    }
    const flushed = performance.now();
    this.inFlight--;
    // Settled first: their acks and fan-out run in the microtasks that follow, in this same turn.
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      if (!outcomes) p.reject(failure);
      else {
        const outcome = outcomes[i];
        if (!outcome) p.reject(new Error('group commit: flush returned no outcome for an item'));
        else if (outcome.ok) p.resolve(outcome.value);
        else p.reject(outcome.error);
      }
    }
    const observer = this.observer;
    if (observer) observer({ size: batch.length, flushSeconds: (flushed - started) / 1000, ok: outcomes !== undefined, queueSeconds: batch.map((p) => (started - p.at) / 1000) });
    if (this.queue.length === 0) return this.checkIdle();
    // With another batch still at the database, the next one starts after this one's acks and
    // fan-out (next turn): the database has work meanwhile. With none, it starts now.
    if (this.inFlight > 0) this.schedule();
    else this.pump();
  }

  private checkIdle(): void {
    if (this.queue.length === 0 && this.inFlight === 0 && this.wakeIdle) {
      const wake = this.wakeIdle;
      this.idle = null;
      this.wakeIdle = undefined;
      wake();
    }
  }
}
