// Room lists a page at a time, for `room_list` and GET /v1/rooms: rooms the server made itself
// (PARLEY_ROOMS) first, then every other room by id, so no number of user-made rooms can push `lobby`
// out of the first page. A cursor names the last room of a page; clients treat it as opaque.
import { Limits, type RoomSummary } from '@parley/sdk/protocol';
import type { RoomListPosition } from '../store/store.js';

const ROOM_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

/** The `next` of a page that ends at `last`. */
export function encodeCursor(last: RoomListPosition): string {
  return Buffer.from(`${last.server ? 's' : 'u'}${last.id}`).toString('base64url');
}

/** The position a cursor names; null for anything {@link encodeCursor} cannot have written. */
export function decodeCursor(cursor: string): RoomListPosition | null {
  if (cursor.length > Limits.maxCursor || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString();
  const id = text.slice(1);
  if ((text[0] !== 's' && text[0] !== 'u') || id.length > Limits.maxRoomId || !ROOM_ID.test(id)) return null;
  const position = { server: text[0] === 's', id };
  // One spelling per position: a cursor is only ever what the server handed out.
  return encodeCursor(position) === cursor ? position : null;
}

/** A page as the wire carries it: `next` only when more rooms follow. */
export function roomPage(rooms: RoomSummary[], next: RoomListPosition | undefined): { rooms: RoomSummary[]; next?: string } {
  return next ? { rooms, next: encodeCursor(next) } : { rooms };
}
