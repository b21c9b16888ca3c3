// Handlers for messages and per-user state: send, history, typing, presence, profile, ping.
import {
  EventKind,
  Op,
  RoomKind,
  type HistoryFrame,
  type SendFrame,
  type SetPresenceFrame,
  type SetProfileFrame,
  type TypingFrame,
} from '@parley/sdk/protocol';
import { validateDisplayName } from '../auth.js';
import { badRequest, forbidden } from './errors.js';
import { requireMember, requireRoom } from './room-state.js';
import type { Session } from './session.js';

const DEFAULT_HISTORY = 50;

export async function send(s: Session, f: SendFrame) {
  if (!s.memberOf.has(f.room)) await requireMember(s, f.room);
  if (!/\S/.test(f.body)) throw badRequest('message body is empty');
  const { event, duplicate } = await s.hub.store.append({
    room: f.room,
    kind: EventKind.Message,
    by: s.userId,
    name: s.userName,
    cid: f.cid,
    body: f.body,
  });
  if (!duplicate) s.hub.publishEvent(event);
  s.hub.typing.set(f.room, s.userId, false);
  return { cid: f.cid, id: event.id, seq: event.seq, ts: event.ts, duplicate };
}

export async function history(s: Session, f: HistoryFrame) {
  const room = await requireRoom(s, f.room);
  if (room.kind !== RoomKind.Public && !s.memberOf.has(room.id)) await requireMember(s, room.id);
  const limit = Math.max(1, f.limit ?? DEFAULT_HISTORY);
  return s.hub.store.history(room.id, { before: f.before, after: f.after, limit });
}

export function typing(s: Session, f: TypingFrame): void {
  if (!s.rooms.has(f.room)) throw forbidden(`subscribe to "${f.room}" before typing in it`);
  s.hub.typing.set(f.room, s.userId, f.on);
}

export function setPresence(s: Session, f: SetPresenceFrame): void {
  s.setAway(f.state === 'away');
}

export async function setProfile(s: Session, f: SetProfileFrame) {
  const name = validateDisplayName(f.name);
  if (!name) throw badRequest('invalid display name');
  const { hub } = s;
  const user = await hub.store.setUserName(s.userId, name);
  for (const other of hub.sessionsOf(s.userId)) other.userName = name;
  for (const room of await hub.store.listUserRooms(s.userId)) {
    hub.publishRoom(room.id, { t: Op.Profile, room: room.id, user: s.userId, name });
  }
  return { user: { id: user.id, name: user.name, guest: user.guest } };
}

export function ping() {
  return { ts: Date.now() };
}
