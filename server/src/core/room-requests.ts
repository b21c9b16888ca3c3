// Handlers for room requests: create, list, join, leave, invite, subscribe, members, rename.
import {
  ErrorCode,
  Limits,
  Op,
  PresenceState,
  RoomKind,
  type ResultData,
  type InviteFrame,
  type JoinFrame,
  type LeaveFrame,
  type MembersFrame,
  type RoomCreateFrame,
  type RoomListFrame,
  type RoomUpdateFrame,
  type SubscribeFrame,
  type UnsubscribeFrame,
} from '@parley/sdk/protocol';
import { createHash, randomBytes } from 'node:crypto';
import { validateDisplayName } from '../auth.js';
import { RoomLimitError } from '../store/store.js';
import { badRequest, forbidden, RequestError } from './errors.js';
import { decodeCursor, roomPage } from './room-list.js';
import { requireMember, requireRoom, requireVisible, subscribeFrom, summary, v1Role } from './room-state.js';
import type { Session } from './session.js';

/** Most members listed in one reply (a frame's container limit). */
const MEMBERS_LIMIT = 1000;

/** Guests are anyone who opened the page: they may not put other people anywhere (ADR 0007). */
const GUESTS_ADD_NOBODY = 'guests cannot add other people to rooms or open direct rooms; sign in with an account to do that';

/** A direct room's id is derived from its two members, so creating it twice finds the same room. */
export function directRoomId(a: string, b: string): string {
  const [x, y] = a < b ? [a, b] : [b, a];
  return `dm:${createHash('sha256').update(`${x}\n${y}`).digest('hex').slice(0, 32)}`;
}

async function userOrPlaceholder(s: Session, id: string) {
  // Invited users may not have signed in yet: host apps know their users; they get a name at first sign-in.
  return (await s.hub.store.getUser(id)) ?? (await s.hub.store.ensureUser({ id, name: id, guest: false }));
}

export async function createRoom(s: Session, f: RoomCreateFrame): Promise<ResultData[typeof Op.RoomCreate]> {
  const { store, roomLimits } = s.hub;
  const me = { id: s.userId, name: s.userName };
  const others = [...new Set(f.members ?? [])].filter((u) => u !== me.id);
  if (s.guest && (others.length > 0 || f.kind === RoomKind.Direct)) throw forbidden(GUESTS_ADD_NOBODY);
  let id: string;
  let name: string;
  if (f.kind === RoomKind.Direct) {
    if (others.length !== 1) throw badRequest('a direct room needs exactly one other member');
    id = directRoomId(me.id, others[0]!);
    name = '';
  } else {
    if (f.id?.startsWith('dm:')) throw badRequest('ids beginning with "dm:" are reserved for direct rooms');
    id = f.id ?? `r-${randomBytes(8).toString('hex')}`;
    name = f.name === undefined ? id : (validateDisplayName(f.name) ?? '');
    if (!name) throw badRequest('invalid room name');
  }
  const wait = roomLimits.take(me.id);
  if (wait > 0) {
    throw new RequestError(ErrorCode.RateLimited, `more than ${roomLimits.perMinute} rooms a minute; try again in ${Math.ceil(wait / 1000)} s`, wait);
  }
  const quota = roomLimits.quota(s.guest);
  let res;
  try {
    // One statement for all of them: a lookup per member made a room of 100 a few hundred round trips.
    const members = [me, ...(await store.ensureUsers(others))];
    const owner = f.kind === RoomKind.Direct ? null : me.id;
    res = await store.createRoom({ id, name, kind: f.kind, owner, creator: me, members, quota });
  } catch (err) {
    if (err instanceof RoomLimitError) throw roomLimitReached(s.guest, quota);
    roomLimits.refund(me.id);
    throw err;
  }
  for (const e of res.events) s.hub.publishEvent(e);
  if (!res.created) {
    roomLimits.refund(me.id); // nothing was created: opening an existing direct room, or a taken id
    if (f.kind !== RoomKind.Direct || res.room.kind !== RoomKind.Direct) {
      throw new RequestError(ErrorCode.Conflict, `room "${id}" already exists`);
    }
    const ev = await store.join(id, me, 'member');
    if (ev) s.hub.publishEvent(ev);
  }
  const role = await requireMember(s, id);
  const { room } = await subscribeFrom(s, id, role);
  return { room, created: res.created };
}

function roomLimitReached(guest: boolean, quota: number): RequestError {
  const who = guest ? 'guests' : 'users';
  if (quota === 0) return new RequestError(ErrorCode.LimitReached, `this server does not let ${who} create rooms`);
  return new RequestError(ErrorCode.LimitReached, `you have created ${quota} rooms, the most this server allows ${who}`);
}

export async function listRooms(s: Session, f: RoomListFrame): Promise<ResultData[typeof Op.RoomList]> {
  const { store } = s.hub;
  const limit = f.limit ?? Limits.maxRoomPage;
  if (limit < 1) throw badRequest('limit must be 1 or more');
  const after = f.cursor === undefined ? undefined : decodeCursor(f.cursor);
  if (after === null) throw badRequest('cursor is not one this server handed out: start again without it');
  if (f.scope !== 'public') {
    const page = await store.listUserRooms(s.userId, limit, after);
    const views = await store.readViews(s.userId, page.rooms.map((r) => r.id));
    return roomPage(page.rooms.map((r) => summary(r, r.role, views.get(r.id))), page.next);
  }
  const page = await store.listPublicRooms(limit, after);
  const roles = await store.memberRoles(s.userId, page.rooms.map((r) => r.id));
  return roomPage(page.rooms.map((r) => summary(r, roles.get(r.id))), page.next);
}

export async function join(s: Session, f: JoinFrame): Promise<ResultData[typeof Op.Join]> {
  let role = await requireVisible(s, f.room);
  await s.hub.moderation.checkRead(s, f.room);
  // A guest who only looks at a public room follows it without becoming a member: that happens with
  // their first message (ADR 0008), so page views leave no trace in the log or the member list.
  if (!role && !s.guest) {
    const ev = await s.hub.store.join(f.room, { id: s.userId, name: s.userName }, 'member');
    if (ev) s.hub.publishEvent(ev);
    s.setMember(f.room);
    role = 'member';
  }
  return subscribeFrom(s, f.room, role);
}

export async function leave(s: Session, f: LeaveFrame): Promise<ResultData[typeof Op.Leave]> {
  const { hub } = s;
  // Leaving a public room you are not in succeeds; a private one is answered like a missing one.
  const role = await requireVisible(s, f.room);
  const events = role ? await hub.store.leave(f.room, { id: s.userId, name: s.userName }) : [];
  for (const e of events) hub.publishEvent(e);
  hub.dropMembership(f.room, s.userId, events[0] ?? null);
  return { room: f.room };
}

export async function invite(s: Session, f: InviteFrame): Promise<ResultData[typeof Op.Invite]> {
  if (s.guest) throw forbidden(GUESTS_ADD_NOBODY);
  const role = await requireMember(s, f.room);
  const room = await requireRoom(s, f.room);
  if (room.kind === RoomKind.Direct) throw forbidden('nobody can be added to a direct room');
  if (room.kind === RoomKind.Private && role !== 'owner') throw forbidden('only the owner can invite to a private room');
  const user = await userOrPlaceholder(s, f.user);
  const ev = await s.hub.store.join(room.id, { id: user.id, name: user.name }, 'member', s.userId);
  if (ev) s.hub.publishEvent(ev);
  for (const other of s.hub.sessionsOf(user.id)) other.setMember(room.id);
  return { room: room.id, user: user.id };
}

export async function subscribe(s: Session, f: SubscribeFrame): Promise<ResultData[typeof Op.Subscribe]> {
  const role = await requireVisible(s, f.room);
  await s.hub.moderation.checkRead(s, f.room);
  return subscribeFrom(s, f.room, role, f.after);
}

export function unsubscribe(s: Session, f: UnsubscribeFrame): ResultData[typeof Op.Unsubscribe] {
  s.hub.unsubscribe(s, f.room);
  return { room: f.room };
}

export async function members(s: Session, f: MembersFrame): Promise<ResultData[typeof Op.Members]> {
  await requireVisible(s, f.room);
  const list = (await s.hub.store.listMembers(f.room)).slice(0, MEMBERS_LIMIT);
  const states = await s.hub.announcer.states(list.map((m) => m.user));
  return {
    members: list.map((m) => ({ user: m.user, name: m.name, role: v1Role(m.role), state: states.get(m.user) ?? PresenceState.Offline })),
  };
}

export async function updateRoom(s: Session, f: RoomUpdateFrame): Promise<ResultData[typeof Op.RoomUpdate]> {
  await requireVisible(s, f.room);
  const room = await requireRoom(s, f.room);
  if (room.owner !== s.userId) throw forbidden('only the owner can rename this room');
  const name = validateDisplayName(f.name);
  if (!name) throw badRequest('invalid room name');
  const ev = await s.hub.store.renameRoom(room.id, name, { id: s.userId, name: s.userName });
  s.hub.publishEvent(ev);
  return { room: summary(await requireRoom(s, room.id), 'owner') };
}
