// Shared steps of room requests: look-ups with ACL checks, summaries, and subscribing with replay.
import { encodeEventFrame, Op, RoomKind, type ResultData, type RoomSummary } from '@parley/sdk/protocol';
import type { ReadView, RoleName, RoomRecord } from '../store/store.js';
import { forbidden, notFound, type RequestError } from './errors.js';
import type { Session } from './session.js';

/** Events read per query while replaying a resume. */
export const REPLAY_PAGE = 200;

export function summary(room: RoomRecord, role?: RoleName, view?: ReadView): RoomSummary {
  const out: RoomSummary = { id: room.id, name: room.name, kind: room.kind, head: room.head, members: room.members };
  if (role) out.role = v1Role(role);
  if (view) {
    out.read = view.read;
    out.unread = view.unread;
    out.mentions = view.mentions;
  }
  return out;
}

/**
 * The role as the frames of protocol 1.0 carry it (room summaries, `members`): a moderator reads as
 * a member there, because 1.0 clients read roles as a closed list and would drop the whole reply.
 * `member_page` and `room_rules` (feature `moderation`) say `moderator`.
 */
export function v1Role(role: RoleName): RoleName {
  return role === 'moderator' ? 'member' : role;
}

/**
 * The one answer for a room that does not exist and for a private or direct room the caller is not
 * in: the same bytes for both, so nobody learns which private room ids exist (ADR 0007).
 */
export function noRoom(id: string): RequestError {
  return notFound(`no room "${id}"`);
}

export async function requireRoom(s: Session, id: string): Promise<RoomRecord> {
  const room = await s.hub.store.getRoom(id);
  if (!room) throw noRoom(id);
  return room;
}

/**
 * Checks that the caller may see the room: any public room, or a private or direct room the caller
 * is a member of; anything else is {@link noRoom}. Resolves with the caller's role, or undefined for
 * a public room the caller is not a member of.
 */
export async function requireVisible(s: Session, id: string): Promise<RoleName | undefined> {
  const seen = await s.hub.store.visibility(id, s.userId);
  if (seen?.role) {
    s.setMember(id);
    s.noteRole(id, seen.role);
    return seen.role;
  }
  if (seen?.kind !== RoomKind.Public) throw noRoom(id);
  s.noteRole(id, undefined);
  return undefined;
}

/** The caller's role in the room; {@link noRoom} unless it is a public room, where not being a member is forbidden. */
export async function requireMember(s: Session, id: string): Promise<RoleName> {
  const role = await requireVisible(s, id);
  if (!role) throw forbidden(`you are not a member of "${id}": join it first`);
  return role;
}

/**
 * Subscribes the connection to live frames of the room, then (when `after` is given) replays the
 * stored events after it. Subscribing first means nothing committed meanwhile is missed; an event
 * may arrive both live and replayed, which clients drop by seq.
 */
export async function subscribeFrom(
  s: Session,
  id: string,
  role: RoleName | undefined,
  after?: number,
): Promise<ResultData[typeof Op.Subscribe]> {
  const { hub } = s;
  hub.subscribe(s, id);
  try {
    // A member learns where they read to, with their counts, and (direct and small rooms) where the
    // others did: read with the room, in one statement.
    const read = role ? await hub.store.roomReadView(id, s.userId, hub.config.receiptRoomSize) : { room: await hub.store.getRoom(id), view: undefined, reads: null };
    const { room, view, reads } = read;
    if (!room) throw noRoom(id);
    hub.subscribedAt(id, room.head);
    // Mid-stream, the text so far comes from the node the stream lives on.
    hub.streams.subscribed(id, s.userId);
    const positions = reads ? { reads } : {};
    let replayed = 0;
    if (after !== undefined && after !== room.head) {
      if (after > room.head || room.head - after > hub.config.resumeLimit) {
        return { room: summary(room, role, view), replayed: 0, gap: true, ...positions };
      }
      replayed = await replay(s, after, room.head, (cursor) => hub.store.history(id, { after: cursor, limit: REPLAY_PAGE }), encodeEventFrame);
    }
    return { room: summary(room, role, view), replayed, ...positions };
  } catch (err) {
    hub.unsubscribe(s, id);
    throw err;
  }
}

/**
 * Sends the stored events after `after`, up to `head`, page by page, paced by the socket instead of
 * queueing them all and tripping the slow-consumer close; resolves with how many were sent. Rooms
 * and users' own logs resume alike.
 */
export async function replay<E extends { seq: number }>(
  s: Session,
  after: number,
  head: number,
  read: (after: number) => Promise<{ events: E[]; more: boolean }>,
  encode: (event: E) => Uint8Array,
): Promise<number> {
  let replayed = 0;
  let cursor = after;
  while (cursor < head && !s.conn.closed) {
    const page = await read(cursor);
    if (page.events.length === 0) break;
    s.conn.cork(() => {
      for (const e of page.events) s.conn.send(encode(e));
    });
    replayed += page.events.length;
    cursor = page.events[page.events.length - 1]!.seq;
    if (!page.more) break;
    if (s.conn.bufferedAmount > s.hub.config.maxBackpressure / 4) await s.conn.drained();
  }
  return replayed;
}
