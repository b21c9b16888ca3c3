// The order in which one connection's messages reach the store: the order their frames arrived,
// even when a send must first wait for a check (membership) that a later one skips, and even when a
// check fails for want of storage while a later one would pass.
import { StoreUnavailableError } from '../store/store.js';

export class SendOrder {
  /** Settles once every send queued so far was handed to the store or failed; with the failure that the sends behind must share, if any. */
  private gate: Promise<StoreUnavailableError | undefined> | undefined;
  private waiting = 0;

  /**
   * `prepare` starts at once; `submit` runs after it and after every earlier submit. With nothing to
   * wait for, `submit` runs synchronously: the common path costs nothing. A send whose check fails
   * with StoreUnavailableError fails the sends already queued behind it the same way: stored, they
   * would overtake it once the client retries it.
   */
  inOrder<T>(prepare: (() => Promise<unknown>) | undefined, submit: () => Promise<T>): Promise<T> {
    if (!prepare && this.waiting === 0) return submit();
    const earlier = this.gate;
    let done!: (failure: StoreUnavailableError | undefined) => void;
    this.gate = new Promise((resolve) => (done = resolve));
    this.waiting++;
    const checked = prepare?.();
    checked?.catch(() => {}); // awaited below, unless an earlier failure is thrown first
    const run = async (): Promise<T> => {
      let failure: StoreUnavailableError | undefined;
      try {
        failure = await earlier;
        if (failure) throw failure;
        await checked;
        return submit(); // called before `finally` lets the next send submit
      } catch (err) {
        if (err instanceof StoreUnavailableError) failure = err;
        throw err;
      } finally {
        done(failure);
        if (--this.waiting === 0) this.gate = undefined;
      }
    };
    return run();
  }
}
