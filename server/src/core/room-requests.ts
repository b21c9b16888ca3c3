// Handlers for room requests: create, list, join, leave, invite, subscribe, members, rename.
import {
  ErrorCode,
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
import { badRequest, forbidden, RequestError } from './errors.js';
import { requireMember, requireRoom, subscribeFrom, summary } from './room-state.js';
import type { Session } from './session.js';

/** Most members listed in one reply (a frame's container limit). */
const MEMBERS_LIMIT = 1000;

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
  const { store } = s.hub;
  const me = { id: s.userId, name: s.userName };
  const others = [...new Set(f.members ?? [])].filter((u) => u !== me.id);
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
  const members = [me];
  for (const u of others) members.push(await userOrPlaceholder(s, u));
  const owner = f.kind === RoomKind.Direct ? null : me.id;
  const res = await store.createRoom({ id, name, kind: f.kind, owner, creator: me, members });
  for (const e of res.events) s.hub.publishEvent(e);
  if (!res.created) {
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

export async function listRooms(s: Session, f: RoomListFrame): Promise<ResultData[typeof Op.RoomList]> {
  const { store } = s.hub;
  const mine = await store.listUserRooms(s.userId);
  if (f.scope !== 'public') return { rooms: mine.map((r) => summary(r, r.role)) };
  const roles = new Map(mine.map((r) => [r.id, r.role]));
  const rooms = await store.listPublicRooms(1000);
  return { rooms: rooms.map((r) => summary(r, roles.get(r.id))) };
}

export async function join(s: Session, f: JoinFrame): Promise<ResultData[typeof Op.Join]> {
  const room = await requireRoom(s, f.room);
  let role = (await s.hub.store.getMember(room.id, s.userId))?.role;
  if (!role) {
    if (room.kind !== RoomKind.Public) throw forbidden(`"${room.id}" is private: ask its owner for an invite`);
    const ev = await s.hub.store.join(room.id, { id: s.userId, name: s.userName }, 'member');
    if (ev) s.hub.publishEvent(ev);
    role = 'member';
  }
  s.setMember(room.id);
  return subscribeFrom(s, room.id, role);
}

export async function leave(s: Session, f: LeaveFrame): Promise<ResultData[typeof Op.Leave]> {
  const { hub } = s;
  const ev = await hub.store.leave(f.room, { id: s.userId, name: s.userName });
  if (ev) hub.publishEvent(ev);
  else await requireRoom(s, f.room); // leaving a room you are not in succeeds; an unknown room does not
  hub.dropMembership(f.room, s.userId, ev);
  return { room: f.room };
}

export async function invite(s: Session, f: InviteFrame): Promise<ResultData[typeof Op.Invite]> {
  const room = await requireRoom(s, f.room);
  if (room.kind === RoomKind.Direct) throw forbidden('nobody can be added to a direct room');
  const role = await requireMember(s, room.id);
  if (room.kind === RoomKind.Private && role !== 'owner') throw forbidden('only the owner can invite to a private room');
  const user = await userOrPlaceholder(s, f.user);
  const ev = await s.hub.store.join(room.id, { id: user.id, name: user.name }, 'member', s.userId);
  if (ev) s.hub.publishEvent(ev);
  for (const other of s.hub.sessionsOf(user.id)) other.setMember(room.id);
  return { room: room.id, user: user.id };
}

export async function subscribe(s: Session, f: SubscribeFrame): Promise<ResultData[typeof Op.Subscribe]> {
  const role = await requireMember(s, f.room);
  return subscribeFrom(s, f.room, role, f.after);
}

export function unsubscribe(s: Session, f: UnsubscribeFrame): ResultData[typeof Op.Unsubscribe] {
  s.hub.unsubscribe(s, f.room);
  return { room: f.room };
}

export async function members(s: Session, f: MembersFrame): Promise<ResultData[typeof Op.Members]> {
  const room = await requireRoom(s, f.room);
  if (room.kind !== RoomKind.Public) await requireMember(s, room.id);
  const list = (await s.hub.store.listMembers(room.id)).slice(0, MEMBERS_LIMIT);
  const states = await s.hub.announcer.states(list.map((m) => m.user));
  return {
    members: list.map((m) => ({ user: m.user, name: m.name, role: m.role, state: states.get(m.user) ?? PresenceState.Offline })),
  };
}

export async function updateRoom(s: Session, f: RoomUpdateFrame): Promise<ResultData[typeof Op.RoomUpdate]> {
  const room = await requireRoom(s, f.room);
  if (room.owner !== s.userId) throw forbidden('only the owner can rename this room');
  const name = validateDisplayName(f.name);
  if (!name) throw badRequest('invalid room name');
  const ev = await s.hub.store.renameRoom(room.id, name, { id: s.userId, name: s.userName });
  s.hub.publishEvent(ev);
  return { room: summary(await requireRoom(s, room.id), 'owner') };
}
