// The folding rule of ADR 0011 (protocol section 9): applies an edit, delete, reaction or thread reply
// to the current view of a message, so a timeline built from history pages and live events stays current.
import { EventKind, Limits } from './protocol/codes.js';
import type { RoomEvent } from './protocol/frames.js';
import type { ReactionSummary } from './protocol/kinds.js';

/**
 * A `msg` event in its current state, as history returns it: `rev` (seq of the last change folded
 * in), `edited`, `deleted`, `reactions`, `replies` and `mentions` when they apply.
 */
export type MessageView = RoomEvent;

/** One emoji's entry in a message's reaction summary. */
export type Reaction = ReactionSummary;

/**
 * Folds one room event into a message's view. Returns the new view (the old one is not modified), or
 * undefined when the event does not change this message: it concerns another message, it is not newer
 * than the view (`change.seq <= (message.rev ?? message.seq)`, which makes folding idempotent whatever
 * mix of history and live events a client has), or the message is deleted (only thread replies still
 * count). `me` is this user's id, for the reactions' `me` flag.
 */
export function foldChange(message: MessageView, change: RoomEvent, me: string): MessageView | undefined {
  if (change.room !== message.room || change.seq <= (message.rev ?? message.seq)) return undefined;
  const data = change.data ?? {};
  if (change.kind === EventKind.Message) {
    if (data.thread !== message.seq) return undefined;
    const count = (message.replies?.count ?? 0) + 1;
    return { ...message, rev: change.seq, replies: { count, last: change.seq, lastTs: change.ts } };
  }
  if (data.target !== message.seq || message.deleted) return undefined;
  switch (change.kind) {
    case EventKind.Edit: {
      const { mentions: _old, ...rest } = message;
      const view: MessageView = { ...rest, body: change.body ?? '', edited: change.ts, rev: change.seq };
      if (change.mentions?.length) view.mentions = change.mentions;
      // A bot's edit may replace its buttons and selects; one without `actions` leaves them.
      if (change.actions) view.actions = change.actions;
      return view;
    }
    case EventKind.Delete: {
      // Redaction: what the message said (and who was named in it, and how people reacted) is gone;
      // when it was last edited stays, as the server's projection keeps it.
      const { body: _body, mentions: _mentions, reactions: _reactions, actions: _actions, attachments: _attachments, ...rest } = message;
      return { ...rest, deleted: true, rev: change.seq };
    }
    case EventKind.Reaction: {
      const { emoji, on } = data;
      if (typeof emoji !== 'string' || typeof on !== 'boolean') return undefined;
      const { reactions: _old, ...rest } = message;
      const reactions = toggle(message.reactions ?? [], emoji, on, change.by, me);
      return reactions.length ? { ...rest, reactions, rev: change.seq } : { ...rest, rev: change.seq };
    }
    default:
      return undefined;
  }
}

/** The reaction summary after `by` put (`on`) or took back `emoji`; emoji keep their first-reaction order. */
function toggle(list: readonly Reaction[], emoji: string, on: boolean, by: string, me: string): Reaction[] {
  const at = list.findIndex((r) => r.emoji === emoji);
  const old: Reaction = list[at] ?? { emoji, count: 0, me: false, users: [] };
  // The server appends a reaction event only when it changes something; a view that already shows
  // this user in the state the event asks for was folded from a newer source, so the count stays.
  const already = on ? old.users.includes(by) || (by === me && old.me) : by === me && !old.me;
  const count = already ? old.count : Math.max(0, old.count + (on ? 1 : -1));
  // The server names only the first `maxReactionUsers` reactors; the count covers them all.
  let users = old.users.filter((u) => u !== by);
  if (on) users = old.users.includes(by) || old.users.length >= Limits.maxReactionUsers ? old.users : [...old.users, by];
  const next: Reaction = { emoji, count, me: by === me ? on : old.me, users };
  const out = [...list];
  if (at < 0) out.push(next);
  else out[at] = next;
  return out.filter((r) => r.count > 0);
}
