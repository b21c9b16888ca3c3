// Group commit: many concurrent writes share one transaction. No timers: an idle queue flushes at
// once (low latency at low load); while flushes are in flight new writes accumulate into the next one.
// Up to `maxInFlight` batches are in flight at once: the flush must keep them in order (the store
// pipelines them on one connection), so that the writes settle in the order they were submitted.

/** The outcome of one queued write, in the order the writes were given to the flush. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Writes one batch; returns one outcome per item, or throws to fail the whole batch. */
export type Flush<I, T> = (items: readonly I[]) => Promise<Outcome<T>[]>;

/** Told after every batch: its size, how long its flush took (seconds) and whether it was written. */
export type BatchObserver = (size: number, seconds: number, ok: boolean) => void;

export interface GroupCommitOptions {
  /** Most items per batch (bounds statement size and transaction length). Default 2000. */
  maxBatch?: number;
  /** Most batches being flushed at once. Default 1. */
  maxInFlight?: number;
  /**
   * Fewest queued items that start a batch beside one already in flight. Below it they wait for the
   * flush to end and join a larger batch: larger batches are fewer commits and, for the fan-out,
   * more of a room's messages in each socket write. Default 1.
   */
  minToOverlap?: number;
}

interface Pending<I, T> {
  item: I;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
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
  private readonly minToOverlap: number;
  /** Set by the owner (metrics); called once per batch, never per item. */
  observer: BatchObserver | undefined;

  constructor(
    private readonly flush: Flush<I, T>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 2000);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.minToOverlap = Math.max(1, options.minToOverlap ?? 1);
  }

  /** Queues `item`; settles when the batch holding it has been written. */
  submit(item: I): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
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
    if (this.scheduled || !this.mayStart()) return;
    this.scheduled = true;
    // Start after the current I/O phase (setImmediate), not on a microtask: Node drains microtasks
    // after every native callback, so a microtask start would flush the first frame of a socket
    // read alone, and the rest of the read would wait behind that flush. setImmediate lets the
    // whole burst join one batch, at a cost of one event-loop turn.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Starts batches of the oldest queued writes while a slot is free. */
  private pump(): void {
    while (this.queue.length > 0 && this.mayStart()) void this.flushOne(this.queue.splice(0, this.maxBatch));
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
    this.observer?.(batch.length, (performance.now() - started) / 1000, outcomes !== undefined);
    this.inFlight--;
    batch.forEach((p, i) => {
      if (!outcomes) return p.reject(failure);
      const outcome = outcomes[i];
      if (!outcome) p.reject(new Error('group commit: flush returned no outcome for an item'));
      else if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
    // Writes that queued meanwhile go at once: their burst has had the whole flush to gather.
    this.pump();
  }

  private mayStart(): boolean {
    if (this.inFlight === 0) return true;
    return this.inFlight < this.maxInFlight && this.queue.length >= this.minToOverlap;
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
