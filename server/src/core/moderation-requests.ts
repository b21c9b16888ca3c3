// Handlers of moderation requests: moderate (40), report (41), room_rules (42), member_page (43), and
// the moderator's delete of someone else's message. Every action is a room event and an audit row.
import {
  ErrorCode,

  Limits,
  ModAction,
  Op,
  PresenceState,
  Role,
  type MemberPageFrame,
  type ModerateFrame,
  type ReportFrame,
  type ResultData,
  type RoomRulesFrame,
} from '@parley/sdk/protocol';
import type { ModerationChange } from '../store/moderation.js';
import type { EventData } from '../store/store.js';
import { badRequest, forbidden, notFound, RequestError } from './errors.js';
import type { ModerationNotice } from './hub.js';
import { Moderation, userSubject } from './moderation.js';
import { noRoom, requireVisible } from './room-state.js';
import { Session } from './session.js';

type ModerateResult = ResultData[typeof Op.Moderate];

/** Who acts: a connection, or the admin HTTP API acting as an admin. */
export type Actor = Pick<Session, 'hub' | 'userId' | 'userName' | 'admin'>;

const DEFAULT_MUTE_SECONDS = 600;
/** What `clear` looks back over without `seconds`: the last hour. */
const DEFAULT_CLEAR_SECONDS = 3600;

/** The caller's role in the room, refused unless they may moderate it. */
async function requireModerator(s: Actor, room: string): Promise<string | undefined> {
  if (!(s instanceof Session)) {
    if (!(await s.hub.store.getRoom(room))) throw noRoom(room);
    return (await s.hub.store.getMember(room, s.userId))?.role;
  }
  const role = await requireVisible(s, room);
  if (!Moderation.may(s, role)) throw forbidden(`only moderators of "${room}" can do that`);
  return role;
}

/** The target of a sanction: a member or follower of the room, not above the caller. */
async function checkTarget(s: Actor, room: string, callerRole: string | undefined, user: string | undefined): Promise<string> {
  if (user === undefined) throw badRequest('"user" is required for this action');
  if (user === s.userId) throw badRequest('moderators cannot act on themselves');
  const target = await s.hub.store.getMember(room, user);
  if (target?.role === Role.Owner && !s.admin) throw forbidden('nobody but a server admin can act on the owner of a room');
  if (target?.role === Role.Moderator && callerRole !== Role.Owner && !s.admin) throw forbidden('only the owner can act on another moderator');
  return user;
}

export async function moderate(s: Actor, f: ModerateFrame): Promise<ModerateResult> {
  const role = await requireModerator(s, f.room);
  const actor = { id: s.userId, name: s.userName };
  const reason = f.reason ?? '';
  const base = { room: f.room, actor, action: f.action, reason };
  const event: EventData = { action: f.action };
  if (reason) event.reason = reason;
  let change: ModerationChange;
  let notice: ModerationNotice = { action: f.action };
  let leaver: string | undefined;
  const now = Date.now();
  switch (f.action) {
    case ModAction.Mute:
    case ModAction.Ban: {
      const user = await checkTarget(s, f.room, role, f.user);
      const seconds = f.seconds ?? (f.action === ModAction.Mute ? DEFAULT_MUTE_SECONDS : undefined);
      if (seconds === 0) throw badRequest('"seconds" must be 1 or more (leave it out for a ban without end)');
      const until = seconds === undefined ? undefined : now + seconds * 1000;
      event.user = user;
      if (until !== undefined) event.until = until;
      const kind = f.action === ModAction.Mute ? 'mute' : 'ban';
      change = { ...base, target: user, event, impose: [{ subject: userSubject(user), kind, ...(until === undefined ? {} : { until }), by: s.userId, reason }] };
      notice = { action: f.action, user, ...(until === undefined ? {} : { until }), ...(reason ? { reason } : {}) };
      if (f.action === ModAction.Ban) leaver = user;
      break;
    }
    case ModAction.Unmute:
    case ModAction.Unban: {
      const user = await checkTarget(s, f.room, role, f.user);
      event.user = user;
      const kind = f.action === ModAction.Unmute ? 'mute' : 'ban';
      change = { ...base, target: user, event, lift: [{ subject: userSubject(user), kind }], ...(kind === 'ban' ? { liftDevicesOf: user } : {}) };
      notice = { action: f.action, user };
      break;
    }
    case ModAction.Kick: {
      const user = await checkTarget(s, f.room, role, f.user);
      event.user = user;
      change = { ...base, target: user, event };
      notice = { action: f.action, user, ...(reason ? { reason } : {}) };
      leaver = user;
      break;
    }
    case ModAction.Slow: {
      const seconds = f.seconds ?? 0;
      if (seconds > Limits.maxSlowSeconds) throw new RequestError(ErrorCode.TooLarge, `slow mode is at most ${Limits.maxSlowSeconds} s`);
      event.seconds = seconds;
      change = { ...base, event, rules: { slowMs: seconds * 1000 } };
      break;
    }
    case ModAction.Lock:
    case ModAction.Unlock:
      change = { ...base, event, rules: { locked: f.action === ModAction.Lock } };
      break;
    case ModAction.Guests: {
      if (f.guests === undefined) throw badRequest('"guests" (post or read) is required for this action');
      event.guests = f.guests;
      change = { ...base, event, rules: { guests: f.guests } };
      break;
    }
    case ModAction.Pin:
    case ModAction.Unpin: {
      if (f.seq === undefined) throw badRequest('"seq" is required for this action');
      const m = await s.hub.moderation.state(f.room);
      if (!m) throw noRoom(f.room);
      const pins = m.rules.pins.filter((p) => p !== f.seq);
      if (f.action === ModAction.Pin) {
        const message = await s.hub.store.message(f.room, f.seq);
        if (!message || message.deleted) throw notFound(`no message ${f.seq} in "${f.room}"`);
        if (pins.length >= Limits.maxPins) throw new RequestError(ErrorCode.LimitReached, `at most ${Limits.maxPins} pinned messages; unpin one first`);
        pins.unshift(f.seq);
      }
      event.target = f.seq;
      change = { ...base, target: String(f.seq), event, rules: { pins } };
      break;
    }
    case ModAction.Clear: {
      const user = await checkTarget(s, f.room, role, f.user);
      const since = now - (f.seconds ?? DEFAULT_CLEAR_SECONDS) * 1000;
      const seqs = await s.hub.store.moderation.recentMessages(f.room, user, since, Limits.maxClear);
      event.user = user;
      event.count = seqs.length;
      change = { ...base, target: user, event, deleteSeqs: seqs, data: { seqs } };
      break;
    }
    case ModAction.Role: {
      if (role !== Role.Owner && !s.admin) throw forbidden('only the owner of the room or a server admin can change roles');
      const user = await checkTarget(s, f.room, role, f.user);
      if (f.role === undefined) throw badRequest('"role" (moderator or member) is required for this action');
      if (!(await s.hub.store.getMember(f.room, user))) throw notFound(`${user} is not a member of "${f.room}"`);
      event.user = user;
      event.role = f.role;
      change = { ...base, target: user, event, role: { user, role: f.role } };
      notice = { action: f.action, user };
      break;
    }
  }
  const events = await s.hub.moderate(change, notice);
  if (leaver !== undefined) await removeMember(s, f.room, leaver);
  const last = events[events.length - 1]!;
  const out: ModerateResult = { seq: last.seq, id: last.id, ts: last.ts, changed: true };
  if (f.action === ModAction.Clear) out.cleared = change.deleteSeqs?.length ?? 0;
  return out;
}

/** Ends a kicked or banned user's membership: the `leave` is stored, published, and every session of theirs here forgets the room. */
async function removeMember(s: Actor, room: string, user: string): Promise<void> {
  const { hub } = s;
  const name = (await hub.store.getUser(user))?.name ?? user;
  const events = await hub.store.leave(room, { id: user, name });
  for (const e of events) hub.publishEvent(e);
  hub.dropMembership(room, user, events[0] ?? null);
}

/** A moderator deletes someone else's message: a `delete` event by the moderator, and an audit row. */
export async function moderatorDelete(s: Actor, room: string, seq: number, author: string, role: string | undefined): Promise<ResultData[typeof Op.Delete]> {
  await checkTarget(s, room, role, author);
  const events = await s.hub.moderate({ room, actor: { id: s.userId, name: s.userName }, action: 'delete', target: author, reason: '', deleteSeqs: [seq], data: { seq } }, { action: 'delete' });
  const e = events[0]!;
  return { seq: e.seq, id: e.id, ts: e.ts, changed: true };
}

export async function report(s: Session, f: ReportFrame): Promise<ResultData[typeof Op.Report]> {
  await requireVisible(s, f.room);
  await s.hub.moderation.checkRead(s, f.room);
  const message = await s.hub.store.message(f.room, f.seq);
  if (!message || message.deleted) throw notFound(`no message ${f.seq} in "${f.room}"`);
  if (message.by === s.userId) throw badRequest('you cannot report your own message');
  const id = await s.hub.store.moderation.report({ kind: 'report', room: f.room, seq: f.seq, reporter: s.userId, reason: f.reason, author: message.by });
  s.chargeWork(1);
  return { report: id };
}

export async function roomRules(s: Session, f: RoomRulesFrame): Promise<ResultData[typeof Op.RoomRules]> {
  const role = await requireVisible(s, f.room);
  const m = await s.hub.moderation.state(f.room);
  if (!m) throw noRoom(f.room);
  return s.hub.moderation.rulesFor(s, m, f.room, role);
}

export async function memberPage(s: Session, f: MemberPageFrame): Promise<ResultData[typeof Op.MemberPage]> {
  await requireVisible(s, f.room);
  const offset = f.offset ?? 0;
  const limit = Math.max(1, f.limit ?? 50);
  const online = s.hub.presence.usersIn(f.room);
  const page = await s.hub.store.moderation.memberPage(f.room, online, offset, limit);
  const states = await s.hub.announcer.states(page.members.map((m) => m.user));
  const members = page.members.map((m) => ({ user: m.user, name: m.name, role: m.role, state: states.get(m.user) ?? PresenceState.Offline }));
  const out: ResultData[typeof Op.MemberPage] = { members, total: page.total, online: online.length };
  if (offset + members.length < page.total) out.next = offset + members.length;
  s.chargeWork(1);
  return out;
}

