// Upload bodies gathered into reused slabs before they are written: a request body arrives in
// socket-sized pieces (up to uWS's 512 KB receive buffer), and a new buffer per piece left a 7.9 MB
// photo's worth of garbage for the collector, the largest item in the event loop's profile during
// uploads (bench/README, "Uploads and the event loop"). A slab is written with one call, then given
// back for the next body.

/** Bytes in one slab: one write call each. */
export const SLAB_BYTES = 512 * 1024;
/** Free slabs kept for reuse; more than this are left to the garbage collector (at most 8 MB held idle). */
const KEPT = 16;
const free: Buffer[] = [];

/** A slab from the pool (or a new one): its contents are whatever the last body left. */
function take(): Buffer {
  return free.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
}

/** A filled slab: its first `length` bytes are the body's, in order. */
export interface Slab {
  readonly bytes: Buffer;
  /** Gives the slab back to the pool; `bytes` must not be used afterwards. */
  release(): void;
}

/** Copies the pieces of one body into slabs, handing each to `sealed` when full (and the last at `seal`). */
export class SlabFiller {
  private slab: Buffer | undefined;
  private used = 0;

  constructor(private readonly sealed: (slab: Slab) => void) {}

  /** Copies `piece` (which may be reused by its owner once this returns). */
  add(piece: Uint8Array): void {
    let at = 0;
    while (at < piece.byteLength) {
      const slab = (this.slab ??= take());
      const n = Math.min(piece.byteLength - at, SLAB_BYTES - this.used);
      slab.set(piece.subarray(at, at + n), this.used);
      this.used += n;
      at += n;
      if (this.used === SLAB_BYTES) this.seal();
    }
  }

  /** Hands over the slab being filled, if it holds any bytes (the end of the body). */
  seal(): void {
    const slab = this.slab;
    const used = this.used;
    this.slab = undefined;
    this.used = 0;
    if (!slab) return;
    if (used === 0) return give(slab);
    let given = false;
    this.sealed({
      bytes: slab.subarray(0, used),
      release: () => {
        if (given) return;
        given = true;
        give(slab);
      },
    });
  }

  /** Drops the slab being filled (the body will not be written). */
  drop(): void {
    if (this.slab) give(this.slab);
    this.slab = undefined;
    this.used = 0;
  }
}

function give(slab: Buffer): void {
  if (free.length < KEPT) free.push(slab);
}

/**
 * How much upload body all of a process's requests take in during one turn of the event loop.
 * Without a bound, twenty uploads at once kept twenty sockets readable, and a turn copied up to
 * twenty socket reads of body (about 8 MB) before it reached the chat frames that arrived with them
 * (bench/README, "Uploads and the event loop"). A request whose piece spends the turn's share is
 * paused and waits. At the end of each turn that took in body, as many of the waiting as one read
 * each fits in the share are let go, first come first served; their bodies drive the next turns. If
 * they bring nothing (a slow or a departed client), a timer lets the next ones go: nobody waits long
 * behind a slow sender, and the loop does not spin while the waiting have nothing to read.
 */
export class IntakePacer {
  private taken = 0;
  private turnOpen = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly waiting: (() => boolean)[] = [];
  /** Requests that waited their turn, since the process started (a counter in /metrics). */
  waits = 0;
  /** Waiting requests let go per turn. */
  private readonly perWake: number;

  /**
   * @param perTurn bytes of body per turn, over all requests
   * @param read the most one socket read brings (what a resumed request may take at once)
   * @param idleMs how soon the next waiting requests go when the last ones brought no body
   */
  constructor(
    readonly perTurn: number,
    read: number,
    private readonly idleMs = 5,
  ) {
    this.perWake = Math.max(1, Math.floor(perTurn / read));
  }

  /** Requests waiting for a later turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Counts a piece just taken in; false when this turn's share is spent (the request should wait). */
  take(bytes: number): boolean {
    this.endOfTurn();
    this.taken += bytes;
    return this.taken < this.perTurn;
  }

  /** Queues a paused request: `resume` lets it go and answers true, or answers false when it no longer waits. */
  wait(resume: () => boolean): void {
    this.waits++;
    this.waiting.push(resume);
    this.endOfTurn();
  }

  /** Lets the next waiting requests go once this turn is over. */
  private endOfTurn(): void {
    if (this.turnOpen) return;
    this.turnOpen = true;
    setImmediate(this.nextTurn);
  }

  private readonly nextTurn = (): void => {
    this.turnOpen = false;
    this.taken = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    let n = this.perWake;
    while (n > 0 && this.waiting.length > 0) if (this.waiting.shift()!()) n--;
    if (this.waiting.length === 0) return;
    // The ones let go bring the next turn with their bodies; should they bring none, this does.
    this.timer = setTimeout(this.endOfTurnLater, this.idleMs);
    this.timer.unref();
  };

  private readonly endOfTurnLater = (): void => {
    this.timer = undefined;
    this.endOfTurn();
  };
}

/** The process's uploads' pacer: two socket reads of body per turn of the event loop, over all uploads. */
export const uploadIntake = new IntakePacer(2 * SLAB_BYTES, SLAB_BYTES);
