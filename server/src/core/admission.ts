// What one connection may ask of the server: frames per second, messages per second, work per second
// (weighted by the log events and fan-out a request causes) and requests in progress at once. A frame
// over any of them is not processed; the caller answers `rate_limited` with the returned retryAfter.
import { Op, type ClientFrame } from '@parley/sdk/protocol';
import { TokenBucket } from '../rate-limit.js';
import { answeredAtOnce, workCost } from './work-cost.js';

export interface AdmissionLimits {
  frameRate: number;
  sendRate: number;
  workRate: number;
  workBurst: number;
  maxPending: number;
  searchRate: number;
  signalRate: number;
}

export interface Refusal {
  /** Milliseconds after which the same frame may be admitted (at least 1). */
  retryAfter: number;
  message: string;
}

/** How long a client told "too many in progress" waits: a guess, as nothing says when one finishes. */
const PENDING_RETRY_MS = 250;

export class Admission {
  // Made on first use: most connections of a widget site sit idle.
  private frames: TokenBucket | undefined;
  private sends: TokenBucket | undefined;
  private work: TokenBucket | undefined;
  private searches: TokenBucket | undefined;
  private signals: TokenBucket | undefined;
  /** Requests admitted whose reply has not been sent yet. */
  private inProgress = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  /** Admits `frame` (taking what it costs) or says why not, taking nothing. */
  admit(frame: ClientFrame, userId: string): Refusal | undefined {
    const { frameRate, sendRate, workRate, workBurst, maxPending } = this.limits;
    const frames = (this.frames ??= new TokenBucket(frameRate, frameRate * 2));
    if (!frames.canTake()) return { retryAfter: Math.max(frames.retryAfterMs(), 1), message: 'too many frames; slow down' };
    let sends: TokenBucket | undefined;
    // A reaction is a message's worth of log and fan-out: it shares the send budget.
    if (frame.t === Op.Send || frame.t === Op.React) {
      sends = this.sends ??= new TokenBucket(sendRate, sendRate * 2);
      if (!sends.canTake()) return { retryAfter: Math.max(sends.retryAfterMs(), 1), message: `too many messages and reactions; at most ${sendRate} per second` };
    }
    // A search reads indexes over every readable room: its own, smaller budget.
    if (frame.t === Op.Search) {
      const { searchRate } = this.limits;
      sends = this.searches ??= new TokenBucket(searchRate, searchRate * 2);
      if (!sends.canTake()) return { retryAfter: Math.max(sends.retryAfterMs(), 1), message: `too many searches; at most ${searchRate} per second` };
    }
    // Trickled ICE candidates come in bursts; a flood of them is refused before it reaches the other side.
    if (frame.t === Op.CallSignal) {
      const { signalRate } = this.limits;
      sends = this.signals ??= new TokenBucket(signalRate, signalRate * 2);
      if (!sends.canTake()) return { retryAfter: Math.max(sends.retryAfterMs(), 1), message: `too many call signals; at most ${signalRate} per second` };
    }
    if (!answeredAtOnce(frame.t) && this.inProgress >= maxPending) {
      return { retryAfter: PENDING_RETRY_MS, message: `${maxPending} requests are already in progress on this connection; wait for their replies` };
    }
    const cost = workCost(frame, userId);
    let work: TokenBucket | undefined;
    if (cost > 0) {
      work = this.work ??= new TokenBucket(workRate, workBurst);
      if (!work.canTake(cost)) {
        return { retryAfter: Math.max(work.retryAfterMs(cost), 1), message: `too much work: this request costs ${cost} of ${workRate} per second` };
      }
    }
    frames.take();
    sends?.take();
    work?.take(cost);
    return undefined;
  }

  /** Charges work found out while the request ran (e.g. a profile change announced in every room). */
  charge(units: number): void {
    if (units > 0) (this.work ??= new TokenBucket(this.limits.workRate, this.limits.workBurst)).charge(units);
  }

  /** A request began waiting for storage: it counts against `maxPending` until {@link finished}. */
  started(): void {
    this.inProgress++;
  }

  finished(): void {
    this.inProgress--;
  }
}
