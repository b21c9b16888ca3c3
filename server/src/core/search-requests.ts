// The `search` request (protocol section 6.21): checks, the store's search, highlight ranges and the
// cursor of the next page. Access is the history request's: member rooms and public rooms.
import { Limits, Op, type ResultData, type SearchFrame } from '@parley/sdk/protocol';
import { badRequest } from './errors.js';
import { requireVisible } from './room-state.js';
import { highlights, searchWords } from './search-text.js';
import type { Session } from './session.js';

const DEFAULT_RESULTS = 20;
/** A cursor is the event id of the last result of the page before: opaque to clients, checked when it comes back. */
const CURSOR = /^[0-9A-Za-z]{1,64}$/;

function decodeCursor(cursor: string): string {
  if (!CURSOR.test(cursor)) throw badRequest('cursor is not one a search returned');
  return cursor;
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
  return more && last ? { results, next: last.id } : { results };
}
