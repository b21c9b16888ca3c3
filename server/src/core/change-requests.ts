// Handlers that change a message already sent: edit (25), delete (26) and react (27). Each is checked
// against the message projection, appended as a change event (group committed like a send) and fanned
// out like a message; a request that would change nothing appends nothing and says so (`changed`).
import { ErrorCode, EventKind, Limits, type DeleteFrame, type EditFrame, type Mention, type MessageAction, type ReactFrame, type ResultData, Op } from '@parley/sdk/protocol';
import { checkActions, sameActions } from './interactive.js';
import type { EventData, MessageState } from '../store/store.js';
import { badRequest, forbidden, notFound, RequestError } from './errors.js';
import { checkMentions, checkModeration, memberForSend } from './message-requests.js';
import { Moderation } from './moderation.js';
import { moderatorDelete } from './moderation-requests.js';
import type { Session } from './session.js';
import { mentionsStored } from './user-log.js';

type Change = ResultData[typeof Op.Edit];

/**
 * Emoji only: pictographs, flags, keycaps and what joins or modifies them (ZWJ, variation selectors,
 * skin tones), with at least one character that is itself an emoji.
 */
const EMOJI = /^[\p{Extended_Pictographic}\p{Emoji_Component}\u200d\ufe0f\u20e3]+$/u;
const EMOJI_BASE = /[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]/u;

export function isEmoji(s: string): boolean {
  return s.length <= Limits.maxEmoji && EMOJI.test(s) && EMOJI_BASE.test(s);
}

/** The message a change targets; not_found when there is none in the room (or it is not a msg). */
async function target(s: Session, room: string, seq: number): Promise<MessageState> {
  const message = await s.hub.store.message(room, seq);
  if (!message) throw notFound(`no message ${seq} in "${room}"`);
  return message;
}

/** Own message, still there: edit and delete share these checks. */
async function ownMessage(s: Session, room: string, seq: number, verb: string): Promise<MessageState> {
  if (!s.memberOf.has(room)) await memberForSend(s, room);
  const message = await target(s, room, seq);
  if (message.by !== s.userId) throw forbidden(`you can only ${verb} your own messages`);
  return message;
}


/** Nothing was appended: the message as it is. */
const unchanged = (m: MessageState): Change => ({ seq: m.seq, id: m.id, ts: m.ts, changed: false });

/** Appends a change event (group committed), publishes it and answers with it. */
async function appendChange(s: Session, room: string, kind: string, data: EventData, extra: { body?: string; mentions?: Mention[]; actions?: MessageAction[] } = {}): Promise<Change> {
  const { event } = await s.hub.store.append({ room, kind, by: s.userId, name: s.userName, data, ...extra });
  s.hub.publishEvent(event);
  return { seq: event.seq, id: event.id, ts: event.ts, changed: true };
}

export async function edit(s: Session, f: EditFrame): Promise<Change> {
  if (!/\S/.test(f.body)) throw badRequest('message body is empty');
  checkMentions(f.body, f.mentions);
  checkActions(s, f.actions);
  const message = await ownMessage(s, f.room, f.seq, 'edit');
  await checkModeration(s, f.room, 'edit', f.body);
  if (message.deleted) throw notFound(`message ${f.seq} was deleted`);
  const { editWindowMs } = s.hub.config;
  if (Date.now() - message.ts > editWindowMs) {
    throw new RequestError(ErrorCode.TooLate, `messages can be edited for ${editWindowMs} ms after they were sent`);
  }
  const actionsSame = !f.actions || sameActions(await s.hub.bots?.messageActions(f.room, f.seq), f.actions);
  if (message.body === f.body && sameMentions(message.mentions, f.mentions) && actionsSame) return unchanged(message);
  // The room's moderation hook judges the new text as it judges a new message (a bot's edits pass).
  const hooks = s.hub.moderationHooks;
  const hook = s.bot ? null : await hooks.config(f.room);
  const judged = hook ? await hooks.judge(hook, { room: f.room, by: s.userId, name: s.userName, body: f.body, edit: f.seq }) : undefined;
  const mentions = judged?.redacted ? undefined : f.mentions;
  const extra: { body: string; mentions?: Mention[]; actions?: MessageAction[] } = { body: judged?.body ?? f.body };
  if (mentions) extra.mentions = mentions;
  if (f.actions) extra.actions = f.actions;
  const change = await appendChange(s, f.room, EventKind.Edit, { target: f.seq }, extra);
  // Someone the edit names for the first time is told, about the message itself.
  mentionsStored(s, f.room, f.seq, mentions, message.mentions);
  return change;
}

export async function deleteMessage(s: Session, f: DeleteFrame): Promise<Change> {
  if (!s.memberOf.has(f.room) && !s.admin) await memberForSend(s, f.room);
  const message = await target(s, f.room, f.seq);
  if (message.by !== s.userId) {
    // Someone else's message: only a moderator may remove it (redaction, with an audit row).
    const role = (await s.hub.store.getMember(f.room, s.userId))?.role;
    if (!Moderation.may(s, role)) throw forbidden('you can only delete your own messages');
    if (message.deleted) return unchanged(message);
    return moderatorDelete(s, f.room, f.seq, message.by, role);
  }
  if (message.deleted) return unchanged(message);
  return appendChange(s, f.room, EventKind.Delete, { target: f.seq });
}

export async function react(s: Session, f: ReactFrame): Promise<Change> {
  if (!isEmoji(f.emoji)) throw badRequest(`"emoji" must be 1-${Limits.maxEmoji} UTF-16 code units of emoji characters`);
  if (!s.memberOf.has(f.room)) await memberForSend(s, f.room);
  await checkModeration(s, f.room, 'react');
  const found = await s.hub.store.reactionTarget(f.room, f.seq, f.emoji, s.userId);
  if (!found) throw notFound(`no message ${f.seq} in "${f.room}"`);
  const { message, counts } = found;
  if (message.deleted) throw notFound(`message ${f.seq} was deleted`);
  if (f.on === counts.mine) return unchanged(message);
  if (f.on) {
    if (!counts.present && counts.emoji >= Limits.maxReactionEmoji) {
      throw new RequestError(ErrorCode.LimitReached, `message ${f.seq} already has ${Limits.maxReactionEmoji} different emoji, the most allowed`);
    }
    if (counts.total >= Limits.maxReactions) throw new RequestError(ErrorCode.LimitReached, `message ${f.seq} already has ${Limits.maxReactions} reactions, the most allowed`);
  }
  return appendChange(s, f.room, EventKind.Reaction, { target: f.seq, emoji: f.emoji, on: f.on });
}

function sameMentions(a: readonly Mention[] | undefined, b: readonly Mention[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((m, i) => m.user === y[i]!.user && m.at === y[i]!.at && m.len === y[i]!.len);
}

