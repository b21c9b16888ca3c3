// Gathers the frames sockets are sent outside any cork during one loop turn (the acks and replies a
// store commit releases, one promise continuation each) and writes each socket's at the turn's end,
// once: a commit batch of many messages then costs each socket one system call, not one per frame.

/** A socket with frames waiting for the end of the turn. */
export interface TurnWriter {
  /** Writes the waiting frames in one corked write. */
  flush(): void;
}

export class TurnWrites {
  /** The socket whose uWS callback is running (uWS corks it around the callback), if any. */
  inCallbackOf: unknown = undefined;
  private waiting: TurnWriter[] = [];
  private scheduled = false;

  /** Flushes `writer` at the end of this turn (setImmediate: after the I/O callbacks that queued it, before the next poll). */
  schedule(writer: TurnWriter): void {
    this.waiting.push(writer);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    // Taken first: a flush that drops a slow consumer may close it, and its session's goodbyes queue anew.
    const writers = this.waiting;
    this.waiting = [];
    for (const w of writers) w.flush();
  };
}
