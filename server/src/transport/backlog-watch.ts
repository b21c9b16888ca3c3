// Finds the sockets whose clients stopped reading what fan-out publishes to them. uWS queues topic
// publishes natively, where the server's own send path never sees them; only a look at every socket's
// queue tells a slow consumer from a client that went away, and drops it before uWS's hard limit
// does so anonymously (as a 1006 like any lost connection).

/** What the watch needs of one connection. */
export interface WatchedSocket {
  /** Bytes queued for the client in user space. */
  readonly bufferedAmount: number;
  /** Remembers whether a quarter of the limit or more was queued at the last look (see UwsConn.backlogged). */
  backlogged: boolean;
  /** Aborts the connection as a slow consumer. */
  dropSlowConsumer(): void;
}

export class BacklogWatch {
  private timer: ReturnType<typeof setInterval> | undefined;

  /**
   * `limit`: bytes after which a socket is dropped. Reading a socket's queue is one native call, so a
   * look at 100,000 idle sockets costs a few milliseconds.
   */
  constructor(
    private readonly sockets: () => Iterable<WatchedSocket>,
    private readonly limit: number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.look(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass over every socket: drops those over the limit, notes those a quarter full. */
  look(): void {
    const quarter = this.limit / 4;
    for (const socket of this.sockets()) {
      const queued = socket.bufferedAmount;
      if (queued > this.limit) socket.dropSlowConsumer();
      else socket.backlogged = queued >= quarter;
    }
  }
}
