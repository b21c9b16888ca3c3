// Messages that change after they are sent (ADR 0011): their current-state fields, the room calls
// that change them, and the fold of an edit, delete or reaction event into the message it targets.
import type { Room, RoomEvent, SendAck } from '@parley/sdk';

/** A user named in a message body: `at`/`len` are UTF-16 offsets into `body`. */
export interface Mention {
  user: string;
  at: number;
  len: number;
}

/** One emoji on a message: how many put it there, whether I did, and the first few who did. */
export interface Reaction {
  emoji: string;
  count: number;
  me: boolean;
  users: string[];
}

/** A `msg` event in its current state, as history returns it and live changes keep it. */
export interface Message extends RoomEvent {
  /** Seq of the last event folded into this view; the message's own seq when none was. */
  rev?: number;
  /** When it was last edited (Unix ms). */
  edited?: number;
  deleted?: boolean;
  reactions?: Reaction[];
  /** Its thread, when replies were made to it. */
  replies?: { count: number; last: number; lastTs: number };
  mentions?: Mention[];
}

export interface SendOptions {
  /** Seq of the quoted message. */
  replyTo?: number;
  /** Seq of the thread root this message replies in. */
  thread?: number;
  mentions?: Mention[];
}

/** What a change request answers; `changed` is false when nothing was appended (a harmless retry). */
export interface ChangeAck {
  seq: number;
  id: string;
  ts: number;
  changed: boolean;
}

/** The room calls of the agreed SDK API for messages that change. */
export interface MessageRoom {
  send(body: string, options?: SendOptions): Promise<SendAck>;
  edit(seq: number, body: string, options?: { mentions?: Mention[] }): Promise<ChangeAck>;
  delete(seq: number): Promise<ChangeAck>;
  react(seq: number, emoji: string, on?: boolean): Promise<ChangeAck>;
  history(options: { before?: number; after?: number; limit?: number; thread?: number; main?: boolean }): Promise<{ events: Message[]; more: boolean }>;
}

/** The SDK room seen through the calls above. */
export function messageRoom(room: Room): MessageRoom {
  return room as unknown as MessageRoom;
}

/** Most reactors a reaction keeps by name, as the server's summary does. */
const NAMED_REACTORS = 10;

/** Kinds that change a message rather than add one. */
export const CHANGE_KINDS: ReadonlySet<string> = new Set(['edit', 'delete', 'reaction']);

/** The seq of the message a change event targets, undefined when it is not one. */
export function changeTarget(event: RoomEvent): number | undefined {
  const target = event.data?.target;
  return CHANGE_KINDS.has(event.kind) && typeof target === 'number' ? target : undefined;
}

/**
 * `message` with `change` (an edit, delete or reaction, or a thread reply for the reply count)
 * applied; the same object when the change is not newer than what the message already shows.
 * `me`: the reader's user id, for the reactions' `me`.
 */
export function foldChange(message: Message, change: Message, me: string | undefined): Message {
  if (change.seq <= (message.rev ?? message.seq)) return message;
  const next: Message = { ...message, rev: change.seq };
  if (change.kind === 'edit') {
    if (message.deleted) return message;
    next.body = change.body ?? '';
    next.mentions = change.mentions;
    next.edited = change.ts;
  } else if (change.kind === 'delete') {
    next.deleted = true;
    next.body = undefined;
    next.mentions = undefined;
    next.reactions = undefined;
  } else if (change.kind === 'reaction') {
    next.reactions = react(message.reactions ?? [], String(change.data?.emoji ?? ''), change.data?.on !== false, change.by, me);
  } else if (change.kind === 'msg' && change.data?.thread === message.seq) {
    next.replies = { count: (message.replies?.count ?? 0) + 1, last: change.seq, lastTs: change.ts };
  } else {
    return message;
  }
  return next;
}

function react(list: readonly Reaction[], emoji: string, on: boolean, by: string, me: string | undefined): Reaction[] {
  const out = list.map((r) => ({ ...r, users: [...r.users] }));
  let r = out.find((x) => x.emoji === emoji);
  if (on) {
    if (!r) out.push((r = { emoji, count: 0, me: false, users: [] }));
    r.count++;
    if (!r.users.includes(by) && r.users.length < NAMED_REACTORS) r.users.push(by);
  } else if (r) {
    r.count--;
    r.users = r.users.filter((u) => u !== by);
  }
  if (r && by === me) r.me = on;
  return out.filter((x) => x.count > 0);
}
