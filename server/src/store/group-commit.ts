// Group commit: many concurrent writes share one transaction. No timers: an idle queue flushes at
// once (low latency at low load); while a flush is in flight new writes accumulate into the next one.

/** The outcome of one queued write, in the order the writes were given to the flush. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Writes one batch; returns one outcome per item, or throws to fail the whole batch. */
export type Flush<I, T> = (items: readonly I[]) => Promise<Outcome<T>[]>;

/** Told after every batch: its size, how long its flush took (seconds) and whether it was written. */
export type BatchObserver = (size: number, seconds: number, ok: boolean) => void;

interface Pending<I, T> {
  item: I;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<I, T> {
  private queue: Pending<I, T>[] = [];
  private running: Promise<void> | null = null;
  private batches = 0;
  private largest = 0;
  /** Set by the owner (metrics); called once per batch, never per item. */
  observer: BatchObserver | undefined;

  /**
   * @param flush writes one batch.
   * @param maxBatch most items per batch (bounds statement size and transaction length). Default 2000.
   */
  constructor(
    private readonly flush: Flush<I, T>,
    private readonly maxBatch = 2000,
  ) {}

  /** Queues `item`; settles when the batch holding it has been written. */
  submit(item: I): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // Start after the current I/O phase (setImmediate), not on a microtask: Node drains microtasks
      // after every native callback, so a microtask start would flush the first frame of a socket
      // read alone — and an in-process database (PGlite) finishes that flush before the next frame
      // of the same read is even delivered. setImmediate lets the whole burst join one batch, at a
      // cost of one event-loop turn.
      this.running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drainQueue());
    });
  }

  /** Resolves once every write queued so far has been flushed and settled. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Writes queued and not yet handed to a flush. */
  get queued(): number {
    return this.queue.length;
  }

  /** Batches flushed so far and the largest one, for stats and tests. */
  get counters(): { batches: number; largestBatch: number } {
    return { batches: this.batches, largestBatch: this.largest };
  }

  private async drainQueue(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.batches += 1;
        this.largest = Math.max(this.largest, batch.length);
        await this.flushOne(batch);
      }
    } finally {
      this.running = null;
    }
  }

  private async flushOne(batch: Pending<I, T>[]): Promise<void> {
    let outcomes: Outcome<T>[];
    const started = performance.now();
    try {
      outcomes = await this.flush(batch.map((p) => p.item));
    } catch (err) {
      this.observer?.(batch.length, (performance.now() - started) / 1000, false);
      for (const p of batch) p.reject(err);
      return;
    }
    this.observer?.(batch.length, (performance.now() - started) / 1000, true);
    batch.forEach((p, i) => {
      const outcome = outcomes[i];
      if (!outcome) p.reject(new Error('group commit: flush returned no outcome for an item'));
      else if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  }
}
