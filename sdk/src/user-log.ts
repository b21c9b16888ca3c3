// The user's own log (ADR 0011): followed after every welcome from the last seq delivered, ordered and
// de-duplicated like a room, and turned into typed events (`added`, `removed`, `mention`, `dm`).
import type { Connection } from './connection.js';
import type { Emitter } from './emitter.js';
import { ClientClosedError, ConnectionClosedError, InvalidRequestError, RateLimitedError, type ParleyError } from './errors.js';
import type { ClientEvents } from './events.js';
import { Op, UserEventKind } from './protocol/codes.js';
import type { UserEvent } from './protocol/frames.js';
import { Sequencer } from './sequencer.js';

const DEFAULT_RESUME_LIMIT = 1000;
const RESUBSCRIBE_DELAY_MS = 1000;

export class UserLog {
  private seq: Sequencer<UserEvent>;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly emitter: Emitter<ClientEvents>,
    private readonly timeoutMs: number,
    private readonly gapFillDelayMs: number,
  ) {
    this.seq = this.sequencer();
  }

  /** After a handshake with a server that has `user_log`: follow the log from the last seq delivered (from its head the first time). */
  resume(): void {
    this.subscribe(this.seq);
  }

  pause(): void {
    clearTimeout(this.retryTimer);
    this.seq.pause();
  }

  push(event: UserEvent): void {
    this.seq.push(event);
  }

  private sequencer(): Sequencer<UserEvent> {
    return new Sequencer<UserEvent>(
      {
        deliver: (event) => this.deliver(event),
        reset: (head) => this.emitter.emit('userReset', { head }),
        // Subscribing again replays what is missing before its result: the sequencer has it by then.
        fetch: async (after) => {
          await this.connection.request(Op.UserSubscribe, { after }, { timeoutMs: this.timeoutMs });
          return { events: [] };
        },
        error: (error) => this.emitter.emit('error', { error }),
      },
      this.gapFillDelayMs,
      () => this.connection.welcome?.limits.resumeLimit || DEFAULT_RESUME_LIMIT,
    );
  }

  /** Subscribes from where `seq` stopped; with `restart`, the app hears that what came before its head is skipped. */
  private subscribe(seq: Sequencer<UserEvent>, restart = false): void {
    clearTimeout(this.retryTimer);
    const after = seq.lastSeq;
    this.connection.request(Op.UserSubscribe, { after }, { timeoutMs: this.timeoutMs }).then(
      (result) => {
        if (this.seq === seq) seq.synced(result.head, !!result.gap || restart);
      },
      (err: ParleyError) => {
        if (err instanceof ConnectionClosedError || err instanceof ClientClosedError || this.seq !== seq) return;
        this.emitter.emit('error', { error: err });
        if (err instanceof InvalidRequestError) {
          // The same request would be refused again: nothing to retry without `after`. With it, the
          // server's log is behind what we saw (a restored database, another deployment): start over at its head.
          if (after === undefined) return;
          seq.pause();
          this.seq = this.sequencer();
          this.subscribe(this.seq, true);
          return;
        }
        this.retryTimer = setTimeout(() => this.subscribe(seq, restart), err instanceof RateLimitedError ? err.retryAfter : RESUBSCRIBE_DELAY_MS);
      },
    );
  }

  private deliver(notice: UserEvent): void {
    const { data } = notice;
    const roomId = typeof data.room === 'string' ? data.room : undefined;
    this.emitter.emit('userEvent', { event: notice });
    if (roomId === undefined) return;
    switch (notice.kind) {
      case UserEventKind.Added:
        return this.emitter.emit('added', { roomId, ...(typeof data.by === 'string' ? { by: data.by } : {}), notice });
      case UserEventKind.Removed:
        return this.emitter.emit('removed', { roomId, notice });
      case UserEventKind.Ring: {
        const { call, by, name, video, until } = data;
        // A ring replayed after it stopped on its own is history, not a call.
        if (typeof call !== 'string' || typeof by !== 'string' || typeof until !== 'number' || until <= Date.now()) return;
        return this.emitter.emit('ring', { call, roomId, by, name: typeof name === 'string' ? name : by, video: video === true, until });
      }
      case UserEventKind.RingEnd:
        if (typeof data.call === 'string') this.emitter.emit('ringEnd', { call: data.call, roomId });
        return;
      case UserEventKind.Mention:
        if (typeof data.seq === 'number') this.emitter.emit('mention', { roomId, seq: data.seq, notice });
        return;
      case UserEventKind.Direct:
        if (typeof data.with !== 'string') return;
        this.emitter.emit('dm', { roomId, with: data.with, notice });
        // Being put in a direct room is being added to a room: apps listening to `added` follow it.
        return this.emitter.emit('added', { roomId, by: data.with, notice });
    }
  }
}
