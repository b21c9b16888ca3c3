// Handlers for messages and per-user state: send, history, typing, presence, profile, ping.
import {
  type Attachment,
  ErrorCode,
  EventKind,
  Limits,
  type Mention,
  Op,
  type HistoryFrame,
  type ResultData,
  type SendFrame,
  type SetPresenceFrame,
  type SetProfileFrame,
  type TypingFrame,
} from '@parley/sdk/protocol';
import { validateDisplayName } from '../auth.js';
import type { EventData } from '../store/store.js';
import { badRequest, forbidden, notFound, RequestError } from './errors.js';
import { requireMember, requireVisible } from './room-state.js';
import type { Session } from './session.js';
import { mentionsStored } from './user-log.js';
import { HoldForReview, SYSTEM_ACTOR, type Actor } from './moderation.js';
import type { Judged, ModerationHooks } from './moderation-hook.js';
import type { ModerationHookConfig } from '../store/webhooks.js';
import type { Hub } from './hub.js';
import { routeCommand } from './bot-requests.js';
import { checkActions } from './interactive.js';

const DEFAULT_HISTORY = 50;
/** Most body characters in one history reply: keeps any page well under the backpressure limit. */
export const HISTORY_PAGE_CHARS = 128 * 1024;

/**
 * Makes sure the sender is a member. A guest who only followed a public room becomes one now: the
 * `join` is stored (and published) before the message is handed to the store, so it comes first in
 * the log (ADR 0008).
 */
export async function memberForSend(s: Session, room: string, checked = false): Promise<void> {
  if (!s.guest) {
    s.noteRole(room, await requireMember(s, room));
    return;
  }
  const role = await requireVisible(s, room);
  s.noteRole(room, role);
  if (role) return;
  // A banned or restricted guest does not become a member by trying to post.
  if (!checked) await checkModeration(s, room, 'react');
  else await s.hub.moderation.checkRead(s, room);
  const ev = await s.hub.store.join(room, { id: s.userId, name: s.userName }, 'member');
  if (ev) s.hub.publishEvent(ev);
  for (const other of s.hub.sessionsOf(s.userId)) other.setMember(room);
}

/**
 * The moderation checks of a change in `room` (send, edit, react) once the room's moderation is
 * loaded; the caller's role decides whether they are a moderator (never restricted).
 */
export async function checkModeration(s: Session, room: string, what: 'send' | 'edit' | 'react', body?: string): Promise<void> {
  const m = await s.hub.moderation.state(room);
  if (!m) return;
  if (!s.roleKnown(room)) s.noteRole(room, (await s.hub.store.getMember(room, s.userId))?.role);
  await s.hub.moderation.checkChange(s, m, room, s.moderates(room), what, body);
}

/** A message the room's filter holds is queued for moderators and refused with `held`; any other failure is thrown on. */
async function refuseHeld(hub: Hub, by: Actor, room: string, body: string, err: unknown): Promise<never> {
  if (!(err instanceof HoldForReview)) throw err;
  await hub.store.moderation.report({ kind: 'held', room, seq: null, reporter: SYSTEM_ACTOR.id, reason: 'filter', author: by.userId, authorName: by.userName, body });
  throw new RequestError(ErrorCode.Held, 'your message was held for a moderator to review');
}

/** Runs the checks of a send; a message the room's filter holds is queued for moderators and refused with `held`. */
function held(s: Session, f: SendFrame, check: (() => Promise<void>) | undefined): (() => Promise<void>) | undefined {
  if (!check) return undefined;
  return () => check().catch((err: unknown) => refuseHeld(s.hub, s, f.room, f.body, err));
}

/** The room's moderation hook on a message about to be stored (`hook` when already read): the body to store, and the bot that redacted it. */
async function judgeByHook(hooks: ModerationHooks, hook: ModerationHookConfig | null | undefined, m: Judged): Promise<{ body: string; redactedBy?: string }> {
  const config = hook === undefined ? await hooks.config(m.room) : hook;
  if (!config) return { body: m.body };
  const { body, redacted } = await hooks.judge(config, m);
  return redacted ? { body, redactedBy: config.bot } : { body };
}

/** A message posted over HTTP, with what the checks need to know of it. */
export interface Post {
  room: string;
  body: string;
  thread?: number | undefined;
  replyTo?: number | undefined;
}

/**
 * The checks of a message posted over HTTP (an incoming webhook, a bot with its key): the ones a
 * `send` passes — the room's moderation (ban, mute, lock, filter, slow mode), the messages it refers
 * to, then the room's moderation hook, which does not judge bots. Throws a RequestError when refused.
 */
export async function checkPost(hub: Hub, by: Actor, post: Post, who: { moderator: boolean; bot: boolean }): Promise<{ body: string; redactedBy?: string }> {
  try {
    const m = await hub.moderation.state(post.room);
    if (m) await hub.moderation.checkChange(by, m, post.room, who.moderator, 'send', post.body);
  } catch (err) {
    await refuseHeld(hub, by, post.room, post.body, err);
  }
  await checkReferences(hub, post);
  if (who.bot) return { body: post.body };
  return judgeByHook(hub.moderationHooks, undefined, { ...post, by: by.userId, name: by.userName });
}

/**
 * Checks mentions against the body they point into: each inside it, at most Limits.maxMentions
 * (the frame schema bounds the count too). Throws bad_frame naming the first one out of place.
 */
export function checkMentions(body: string, mentions: readonly Mention[] | undefined): void {
  if (!mentions) return;
  if (mentions.length > Limits.maxMentions) throw new RequestError(ErrorCode.TooLarge, `at most ${Limits.maxMentions} mentions`);
  mentions.forEach((m, i) => {
    if (m.len < 1 || m.at + m.len > body.length) throw badRequest(`mentions[${i}] is not inside the body (at ${m.at}, len ${m.len}, body ${body.length})`);
  });
}

/**
 * The messages a send quotes (`replyTo`) or replies in (`thread`) must be messages of the room, and a
 * thread root must not itself be in a thread. Checked after membership, so only members learn which
 * seqs hold messages.
 */
async function checkReferences(hub: Hub, f: Pick<Post, 'room' | 'thread' | 'replyTo'>): Promise<void> {
  const { store } = hub;
  if (f.replyTo !== undefined && !(await store.message(f.room, f.replyTo))) throw notFound(`no message ${f.replyTo} in "${f.room}" to reply to`);
  if (f.thread !== undefined) {
    const root = await store.message(f.room, f.thread);
    if (!root) throw notFound(`no message ${f.thread} in "${f.room}" to start a thread from`);
    if (root.thread !== undefined) throw badRequest(`message ${f.thread} is a reply in thread ${root.thread}: reply in that thread instead`);
  }
}

export async function send(s: Session, f: SendFrame): Promise<ResultData[typeof Op.Send]> {
  const arrivedAt = performance.now();
  const fileIds = f.files?.length ? f.files : undefined;
  // A message with files may have no text; otherwise (and never only spaces) the body says something.
  if (!/\S/.test(f.body) && (!fileIds || f.body !== '')) throw badRequest('message body is empty');
  checkMentions(f.body, f.mentions);
  const files = fileIds && s.hub.files;
  if (fileIds && !files) throw badRequest('this server takes no files (feature `files` is off)');
  checkActions(s, f.actions);
  const member = s.memberOf.has(f.room);
  const refers = f.replyTo !== undefined || f.thread !== undefined || files !== undefined;
  let attachments: Attachment[] | undefined;
  // The room's moderation as this node holds it: checked right here when it is (nearly always), so
  // a plain message from a member still goes straight to the store.
  const { moderation } = s.hub;
  const known = s.roleKnown(f.room) ? moderation.peek(f.room) : undefined;
  let pending: void | Promise<void>;
  try {
    pending = known ? moderation.checkChange(s, known, f.room, s.moderates(f.room), 'send', f.body) : undefined;
  } catch (err) {
    if (!(err instanceof HoldForReview)) throw err;
    pending = Promise.reject(err); // held below, in order with the connection's other messages
  }
  // Awaited in order with the connection's other messages below; until then a refusal is not unhandled.
  if (pending) pending.catch(() => undefined);
  // The room's moderation hook (a bot judging messages before they are stored); bots are not judged.
  const hooks = s.hub.moderationHooks;
  const hook = s.bot ? null : hooks.peek(f.room);
  let body = f.body;
  const check =
    member && !refers && known && !pending && hook === null
      ? undefined
      : async () => {
          if (!member) await memberForSend(s, f.room, true);
          if (known) await pending;
          else await checkModeration(s, f.room, 'send', f.body);
          if (refers) await checkReferences(s.hub, f);
          // Checked in order with the connection's other sends, after membership: only a member learns which uploads exist.
          if (files) attachments = await files.attachments(s.userId, fileIds!);
          const judged = await judgeByHook(hooks, hook, { room: f.room, by: s.userId, name: s.userName, body, thread: f.thread, replyTo: f.replyTo });
          body = judged.body;
          if (judged.redactedBy) data = { ...data, redacted: judged.redactedBy };
        };
  let data: EventData | undefined;
  if (f.replyTo !== undefined || f.thread !== undefined) {
    data = {};
    if (f.replyTo !== undefined) data.replyTo = f.replyTo;
    if (f.thread !== undefined) data.thread = f.thread;
  }
  // Only a text starting with `/` costs a look-up; an offline bot's command is refused before anything is stored.
  const command = f.body.trimStart().startsWith('/') ? await routeCommand(s, f.room, f.body) : undefined;
  if (command) data = { ...data, cmd: command.cmd, bot: command.bot };
  let ackedAt = 0;
  const { event, duplicate } = await s.inOrder(held(s, f, check), () =>
    s.hub.store.append({ room: f.room, kind: EventKind.Message, by: s.userId, name: s.userName, cid: f.cid, body, data, mentions: body === f.body ? f.mentions : undefined, ...(f.actions && { actions: f.actions }), attachments }).then((r) => {
      // Taken as the batch settles, before any of its messages is published: the latency then
      // includes waiting behind the batch's earlier publishes, as a subscriber experiences it.
      ackedAt = performance.now();
      return r;
    }),
  );
  if (!duplicate) {
    const { metrics } = s.hub;
    s.hub.publishEvent(event);
    metrics.messageIn();
    metrics.fanoutLatency((performance.now() - ackedAt) / 1000);
    metrics.sendAck((ackedAt - arrivedAt) / 1000);
    mentionsStored(s, f.room, event.seq, body === f.body ? f.mentions : undefined);
  }
  s.hub.typing.set(f.room, s.userId, false, f.thread);
  return { cid: f.cid, id: event.id, seq: event.seq, ts: event.ts, duplicate };
}

export async function history(s: Session, f: HistoryFrame): Promise<ResultData[typeof Op.History]> {
  if (!s.memberOf.has(f.room)) await requireVisible(s, f.room);
  if (f.around !== undefined && (f.before !== undefined || f.after !== undefined)) throw badRequest('around cannot be combined with before or after');
  await s.hub.moderation.checkRead(s, f.room);
  const limit = Math.max(1, f.limit ?? DEFAULT_HISTORY);
  const page = await s.hub.store.messageHistory(f.room, { before: f.before, after: f.after, around: f.around, limit, viewer: s.userId, thread: f.thread, main: f.main });
  return capPage(page, f.after !== undefined);
}

/** What capPage weighs of an event: its body, and the projection's lists, which can outweigh it. */
interface PagedEvent {
  body?: string;
  mentions?: readonly { user: string }[];
  reactions?: readonly { emoji: string; users: readonly string[] }[];
}

/** About how many characters a message's mentions and reaction summary add to a page. */
function projectionChars(e: PagedEvent): number {
  let n = 0;
  if (e.mentions) for (const m of e.mentions) n += m.user.length + 16;
  if (e.reactions) for (const r of e.reactions) n += r.emoji.length + 24 + r.users.reduce((sum, u) => sum + u.length + 2, 0);
  return n;
}

/**
 * Trims a page to HISTORY_PAGE_CHARS of bodies and reaction and mention lists (at least one event), keeping the end nearest the
 * cursor: the oldest events when reading forward, the newest when reading backward. `more` then says
 * there is more to read in that direction.
 */
export function capPage<P extends { events: PagedEvent[]; more: boolean }>(page: P, forward: boolean): P {
  let chars = 0;
  const { events } = page;
  for (let i = 0; i < events.length; i++) {
    const e = events[forward ? i : events.length - 1 - i]!;
    chars += (e.body?.length ?? 0) + 64 + projectionChars(e);
    if (chars > HISTORY_PAGE_CHARS && i > 0) {
      const kept = forward ? events.slice(0, i) : events.slice(events.length - i);
      return { ...page, events: kept, more: true };
    }
  }
  return page;
}

/**
 * Relays typing in the room or in one of its threads. The thread root is not looked up: typing is
 * ephemeral and stored nowhere, so a wrong seq only shows an indicator under no thread.
 */
export function typing(s: Session, f: TypingFrame): Promise<void> | void {
  if (s.rooms.has(f.room)) return s.hub.typing.set(f.room, s.userId, f.on, f.thread);
  return notFollowing(s, f.room);
}

/** Typing in a room this connection does not follow: a missing or hidden room reads as missing. */
async function notFollowing(s: Session, room: string): Promise<void> {
  await requireVisible(s, room);
  throw forbidden(`subscribe to "${room}" before typing in it`);
}

export function setPresence(s: Session, f: SetPresenceFrame): void {
  s.setAway(f.state === 'away');
}

export async function setProfile(s: Session, f: SetProfileFrame): Promise<ResultData[typeof Op.SetProfile]> {
  const name = validateDisplayName(f.name);
  if (!name) throw badRequest('invalid display name');
  const { hub } = s;
  if (s.bot) throw forbidden('a bot is renamed by recreating it, not with set_profile');
  if (await hub.bots?.reserved(name)) throw new RequestError(ErrorCode.Conflict, `"${name}" is a bot's name; choose another`);
  const user = await hub.store.setUserName(s.userId, name);
  hub.renameUser(s.userId, name);
  const { rooms } = await hub.store.listUserRooms(s.userId);
  for (const room of rooms) {
    hub.publishRoom(room.id, { t: Op.Profile, room: room.id, user: s.userId, name });
  }
  s.chargeWork(rooms.length); // one announcement per room: paid off by waiting before the next costly request
  return { user: { id: user.id, name: user.name, guest: user.guest } };
}

export function ping(): ResultData[typeof Op.Ping] {
  return { ts: Date.now() };
}
