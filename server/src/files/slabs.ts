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
