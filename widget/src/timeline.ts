// One room's (or one thread's) messages as the widget shows them: stored events in seq order
// (deduplicated by id, from live delivery and history pages in any order) with later edits, deletes,
// reactions and thread replies folded in, followed by the user's own sends not yet stored.
import { foldChange, type AnyRoomEvent, type Attachment, type MessageView as Message, type RoomEvent, type SendAck, type SendOptions } from '@parley/sdk';

/** A message typed here that the server has not acknowledged yet (or that failed for good). */
export interface PendingMessage {
  /** Local identity, stable while the message is pending or failed. */
  key: string;
  body: string;
  status: 'pending' | 'failed';
  /**
   * Set when the send failed for a reason that sending it again cannot fix (too long, malformed): what
   * to explain instead of offering Retry. Unset on a failure worth retrying.
   */
  refused?: {
    code: string;
    message: string;
    /** Moderation's one-word reason (`muted`, `slow`, `held`...), shown in the widget's own words. */
    reason?: string;
    /** How long until it could be sent, ms (a mute, slow mode). */
    retryAfter?: number;
  };
  /** When it was typed, Unix ms (for its time label until the server's ts replaces it). */
  ts: number;
  /** Its quote, thread and mentions, sent with it (and again on a retry). */
  options: SendOptions;
  /** A voice message: the recording (uploaded again on a retry until the upload succeeded) and a local URL to play it meanwhile. */
  voice?: { blob: Blob; type: string; duration: number; waveform: number[]; url: string };
}

/** Kinds that change a message rather than add one. */
const CHANGE_KINDS: ReadonlySet<string> = new Set(['edit', 'delete', 'reaction']);

/** Event kinds the widget renders; other kinds still advance seq but are not shown (protocol 8.3). */
const SHOWN = new Set(['msg', 'join', 'leave', 'room', 'call']);
let pendingCounter = 0;

export class Timeline {
  /** Shown events, ascending seq. */
  readonly events: Message[] = [];
  readonly pending: PendingMessage[] = [];
  /** Whether older history exists beyond the first loaded event. */
  more = true;
  /** True once the first history page arrived. */
  loaded = false;
  private readonly ids = new Set<string>();
  /** Highest seq seen of any kind, shown or not. */
  private highest = 0;

  /**
   * @param thread seq of a thread root: this timeline holds that thread's replies; undefined: the
   *   room's main timeline, where a thread reply only counts on its root.
   * @param me the reader's user id, for which reactions are "mine".
   */
  constructor(
    readonly thread?: number,
    public me?: string,
  ) {}

  /** Seq of the newest event, 0 for none. */
  get lastSeq(): number {
    return this.highest;
  }

  /** Seq of the oldest event loaded, undefined when none is. */
  get firstSeq(): number | undefined {
    return this.events[0]?.seq;
  }

  /** The stored message `seq`, if loaded here. */
  find(seq: number): Message | undefined {
    const i = this.indexOf(seq);
    return i < 0 ? undefined : this.events[i];
  }

  /**
   * Adds an event from any source; returns false when it was already there or changed nothing shown.
   * A change (edit, delete, reaction) folds into its target and a thread reply into its root's count.
   */
  add(event: AnyRoomEvent): boolean {
    if (event.seq > this.highest) this.highest = event.seq;
    // An event the SDK could not read only holds its seq's place: nothing to show.
    if ('problem' in event) return false;
    const target = changeTarget(event) ?? (this.thread === undefined ? thread(event) : undefined);
    if (target !== undefined) return this.fold(target, event);
    if (event.kind === 'msg' && thread(event) !== this.thread) return false;
    // A room's creation event (kind `room` carrying data.kind) is bookkeeping, not news.
    if (this.ids.has(event.id) || !SHOWN.has(event.kind) || (event.kind === 'room' && event.data?.kind !== undefined)) return false;
    this.ids.add(event.id);
    // Our own message may come back live before its send resolves: it replaces its pending entry then.
    if (event.kind === 'msg' && event.cid && event.by === this.me) {
      const entry = this.pending.find((p) => p.status === 'pending' && p.body === event.body);
      if (entry) this.dropPending(entry);
    }
    // Live events arrive in order, so the common case is an append; history pages go to the front.
    let i = this.events.length;
    while (i > 0 && this.events[i - 1]!.seq > event.seq) i--;
    this.events.splice(i, 0, event);
    return true;
  }

  /** Folds `change` into message `seq` when it is loaded here; true when that changed it. */
  private fold(seq: number, change: RoomEvent): boolean {
    const i = this.indexOf(seq);
    if (i < 0) return false;
    const before = this.events[i]!;
    const after = foldChange(before, change, this.me ?? '');
    if (!after) return false;
    this.events[i] = after;
    return true;
  }

  private indexOf(seq: number): number {
    let lo = 0;
    let hi = this.events.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.events[mid]!.seq;
      if (s === seq) return mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Adds a history page (ascending); `more` says whether the server has older events still. */
  addPage(events: readonly AnyRoomEvent[], more: boolean, older: boolean): void {
    for (const e of events) this.add(e);
    if (older || !this.loaded) this.more = more;
    this.loaded = true;
  }

  /** Forgets every stored event (after a `reset`): the next history page starts over. */
  clear(): void {
    this.events.length = 0;
    this.ids.clear();
    this.loaded = false;
    this.more = true;
  }

  /** Records a send in flight; returns its entry. */
  addPending(body: string, options: SendOptions = {}): PendingMessage {
    const entry: PendingMessage = { key: `p${++pendingCounter}`, body, status: 'pending', ts: Date.now(), options };
    this.pending.push(entry);
    return entry;
  }

  /** The server stored the send: its pending entry becomes the stored event (unless the echo came first). */
  acknowledge(entry: PendingMessage, ack: SendAck, self: { id: string; name: string }, room: string): Message {
    this.dropPending(entry);
    const { replyTo, thread, mentions, files } = entry.options;
    const data = replyTo !== undefined || thread !== undefined ? { ...(replyTo !== undefined && { replyTo }), ...(thread !== undefined && { thread }) } : undefined;
    // Files sent as the attachments the uploads described (ids alone describe nothing to show).
    const attachments = files?.filter((f): f is Attachment => typeof f !== 'string');
    const event: Message = {
      room,
      seq: ack.seq,
      id: ack.id,
      kind: 'msg',
      ts: ack.ts,
      by: self.id,
      name: self.name,
      cid: ack.cid,
      body: entry.body,
      ...(data && { data }),
      ...(mentions?.length && { mentions }),
      ...(attachments?.length && { attachments }),
    };
    this.add(event);
    return event;
  }

  /** Marks a send failed; `refused` (the error's code and words) when retrying cannot help. */
  fail(entry: PendingMessage, refused?: PendingMessage['refused']): void {
    entry.status = 'failed';
    entry.refused = refused;
  }

  dropPending(entry: PendingMessage): void {
    const i = this.pending.indexOf(entry);
    if (i >= 0) this.pending.splice(i, 1);
  }

  /** Messages by others after `seq`. */
  unreadAfter(seq: number, self: string | undefined): number {
    let n = 0;
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.seq <= seq) break;
      if (e.kind === 'msg' && e.by !== self) n++;
    }
    return n;
  }
}

/** The seq of the message a change event targets, undefined when it is not one. */
function changeTarget(event: RoomEvent): number | undefined {
  const target = event.data?.target;
  return CHANGE_KINDS.has(event.kind) && typeof target === 'number' ? target : undefined;
}

/** The thread root a message replies in, if any. */
function thread(event: RoomEvent): number | undefined {
  const root = event.kind === 'msg' ? event.data?.thread : undefined;
  return typeof root === 'number' ? root : undefined;
}
