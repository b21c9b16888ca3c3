// The `search` request (protocol section 6.21): checks, the store's search, highlight ranges and the
// cursor of the next page. Access is the history request's: member rooms and public rooms.
import { Limits, Op, RoomIdShape, SchemaError, type ResultData, type SearchFrame } from '@parley/sdk/protocol';
import type { SearchPosition } from '../store/search.js';
import { badRequest } from './errors.js';
import { requireVisible } from './room-state.js';
import { highlights, searchWords } from './search-text.js';
import type { Session } from './session.js';

const DEFAULT_RESULTS = 20;
const CURSOR = /^(\d{1,16})\.(\d{1,16})\.(.+)$/;

/** The cursor of the page after `p`: opaque to clients, checked like input when it comes back. */
function encodeCursor(p: SearchPosition): string {
  return `${p.ts}.${p.seq}.${p.room}`;
}

function decodeCursor(cursor: string): SearchPosition {
  const m = CURSOR.exec(cursor);
  const room = m?.[3];
  if (m && room !== undefined) {
    try {
      RoomIdShape.parse(room, 'cursor');
      return { ts: Number(m[1]), seq: Number(m[2]), room };
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
    }
  }
  throw badRequest('cursor is not one a search returned');
}

export async function search(s: Session, f: SearchFrame): Promise<ResultData[typeof Op.Search]> {
  const words = searchWords(f.query);
  if (words.length === 0) throw badRequest('search query has no word to find (letters or digits)');
  if (f.before !== undefined && f.after !== undefined && f.after >= f.before) throw badRequest('after must be earlier than before');
  const from = f.cursor === undefined ? undefined : decodeCursor(f.cursor);
  // A room named but not readable answers as history does: the same not_found whether it exists or not.
  if (f.room !== undefined && !s.memberOf.has(f.room)) await requireVisible(s, f.room);
  const limit = Math.max(1, Math.min(f.limit ?? DEFAULT_RESULTS, Limits.maxSearchResults));
  const { rows, more } = await s.hub.store.search({
    user: s.userId,
    words,
    room: f.room,
    author: f.author,
    before: f.before,
    after: f.after,
    hasLink: f.hasLink,
    from,
    limit,
  });
  const results = rows.map((r) => ({ ...r, highlights: highlights(r.body, words) }));
  const last = rows[rows.length - 1];
  return more && last ? { results, next: encodeCursor(last) } : { results };
}
