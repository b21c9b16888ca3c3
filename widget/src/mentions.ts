// The composer's `@` autocomplete: what is being typed after an `@`, which members match it, the
// text once one is picked, and the mention entities (user ids and UTF-16 offsets) sent with the body.
import type { Member, Mention } from '@parley/sdk';

/** Most suggestions shown at once. */
const MAX_SUGGESTIONS = 6;

/** An `@` being typed just before the caret: where it starts and the text after it. */
export interface MentionQuery {
  at: number;
  text: string;
}

/** A member picked from the list: how the mention reads in the text. */
export interface Picked {
  user: string;
  name: string;
}

/** The `@query` ending at `caret`, if the caret is in one (an `@` at the start or after a space). */
export function mentionQuery(text: string, caret: number): MentionQuery | undefined {
  const m = /(^|\s)@([^\s@]{0,32})$/.exec(text.slice(0, caret));
  return m ? { at: caret - m[2]!.length - 1, text: m[2]! } : undefined;
}

/** Members whose name or id starts with (then contains) `query`, case-insensitive, without `self`. */
export function suggest(members: readonly Member[], query: string, self: string | undefined): Member[] {
  const q = query.toLocaleLowerCase();
  const score = (m: Member) => {
    const name = (m.name || m.user).toLocaleLowerCase();
    if (name.startsWith(q) || m.user.toLocaleLowerCase().startsWith(q)) return 0;
    return name.includes(q) ? 1 : 2;
  };
  return members
    .filter((m) => m.user !== self && score(m) < 2)
    .sort((a, b) => score(a) - score(b) || (a.name || a.user).localeCompare(b.name || b.user))
    .slice(0, MAX_SUGGESTIONS);
}

/** `text` with the query replaced by `@name ` ; returns it and where the caret goes. */
export function insertMention(text: string, query: MentionQuery, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  const end = query.at + 1 + query.text.length;
  return { text: text.slice(0, query.at) + inserted + text.slice(end), caret: query.at + inserted.length };
}

/**
 * The mentions of `body`: every `@name` of a picked member still in the text. Found again at send
 * time so the offsets hold whatever was typed around them since.
 */
export function mentionEntities(body: string, picked: readonly Picked[]): Mention[] {
  const out: Mention[] = [];
  const taken = new Set<number>();
  // Longer names first, so "@Ana Maria" is not claimed by a picked "@Ana".
  for (const p of [...picked].sort((a, b) => b.name.length - a.name.length)) {
    const token = `@${p.name}`;
    for (let at = body.indexOf(token); at >= 0; at = body.indexOf(token, at + token.length)) {
      if (taken.has(at)) continue;
      taken.add(at);
      out.push({ user: p.user, at, len: token.length });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
