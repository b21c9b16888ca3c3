// A bot's streamed reply (feature `streams`): `write` as often as tokens come; the text goes to the
// server in pieces at most once per interval (the server's flush interval and write rate), a piece
// refused for the rate is sent again after the wait the server names, and `end` stores it all once.
import { RateLimitedError } from '../errors.js';
import { Limits, Op } from '../protocol/codes.js';
import type { MessageActionInput, ResultData } from '../protocol/frames.js';

/** The requests a stream makes (the bot's client). */
export interface StreamCalls {
  write(stream: string, text: string): Promise<unknown>;
  end(stream: string, actions: MessageActionInput[] | undefined): Promise<ResultData[typeof Op.StreamEnd]>;
}

export interface StreamEndOptions {
  /** Buttons and selects under the stored message. */
  actions?: MessageActionInput[];
}

/** Who asked to stop a stream. */
export interface StopContext {
  user: string;
  name: string;
}

export class BotStream {
  private buffer = '';
  private written = 0;
  private sending: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failure: unknown;
  private ending: Promise<ResultData[typeof Op.StreamEnd]> | undefined;
  private readonly stopHandlers: ((ctx: StopContext) => void)[] = [];
  private stopRequest: StopContext | undefined;

  /** Streams come from `bot.stream()` or a handler's `ctx.stream()`. */
  constructor(
    /** The stream's id (`st_…`). */
    readonly id: string,
    private readonly calls: StreamCalls,
    /** Shortest time between two writes to the server, ms. */
    private readonly intervalMs: number,
  ) {}

  /** True once someone asked to stop (see {@link onStop}). */
  get stopped(): boolean {
    return this.stopRequest !== undefined;
  }

  /** Adds text; it reaches the room within the server's flush interval. Throws once the stream ended. */
  write(delta: string): void {
    if (this.ending) throw new Error(`stream ${this.id} has ended`);
    if (!delta) return;
    if (this.written + this.buffer.length + delta.length > Limits.maxStreamChars) throw new RangeError(`a streamed reply holds at most ${Limits.maxStreamChars} characters`);
    this.buffer += delta;
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Calls `handler` when a member (or a moderator) asks to stop; ending the stream is the bot's choice. */
  onStop(handler: (ctx: StopContext) => void): void {
    this.stopHandlers.push(handler);
    if (this.stopRequest) handler(this.stopRequest);
  }

  /** Sends what is left and stores the whole text as one message; resolves with its seq (none when nothing was written). */
  end(options: StreamEndOptions = {}): Promise<ResultData[typeof Op.StreamEnd]> {
    this.ending ??= (async () => {
      do this.flush();
      while (this.buffer);
      await this.sending;
      if (this.failure) throw this.failure;
      return this.calls.end(this.id, options.actions);
    })();
    return this.ending;
  }

  /** A stop arrived for this stream (from the bot's action frames). */
  stopAsked(ctx: StopContext): void {
    if (this.stopRequest) return;
    this.stopRequest = ctx;
    for (const h of this.stopHandlers) h(ctx);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buffer) return;
    const piece = this.buffer.slice(0, Limits.maxBody);
    this.buffer = this.buffer.slice(piece.length);
    this.written += piece.length;
    this.sending = this.sending.then(() => this.send(piece));
    // More than one frame's worth waiting: the rest goes after the interval.
    if (this.buffer) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  private async send(piece: string): Promise<void> {
    if (this.failure) return;
    for (;;) {
      try {
        await this.calls.write(this.id, piece);
        return;
      } catch (err) {
        if (!(err instanceof RateLimitedError)) {
          this.failure = err;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, err.retryAfter));
      }
    }
  }
}
