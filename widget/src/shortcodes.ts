// The composer's `:shortcode:` completion, the text side: what is being typed after a `:`, a
// shortcode just closed with its second `:`, and the text once an emoji replaces either.

/** A `:query` (or a closed `:code:`) just before the caret: where its `:` is and the letters after it. */
export interface ShortcodeQuery {
  at: number;
  text: string;
  /** The second `:` was typed: the shortcode is complete. */
  closed: boolean;
}

/** Shortcodes are letters, digits, `_`, `+` and `-` (`:+1:`, `:thumbs_up:`). */
const OPEN = /(^|\s):([\p{L}\p{N}_+-]{2,40})$/u;
const CLOSED = /(^|\s):([\p{L}\p{N}_+-]{1,40}):$/u;

/** The shortcode being typed at `caret`, if any: two letters after a `:` at the start or after a space. */
export function shortcodeQuery(text: string, caret: number): ShortcodeQuery | undefined {
  const before = text.slice(0, caret);
  const closed = CLOSED.exec(before);
  if (closed) return { at: caret - closed[2]!.length - 2, text: closed[2]!, closed: true };
  const open = OPEN.exec(before);
  return open ? { at: caret - open[2]!.length - 1, text: open[2]!, closed: false } : undefined;
}

/** `text` with the query replaced by `emoji`; returns it and where the caret goes. */
export function insertShortcode(text: string, query: ShortcodeQuery, emoji: string): { text: string; caret: number } {
  const end = query.at + 1 + query.text.length + (query.closed ? 1 : 0);
  return { text: text.slice(0, query.at) + emoji + text.slice(end), caret: query.at + emoji.length };
}

/** `text` with `emoji` put in place of the selection [from, to); returns it and where the caret goes. */
export function insertAt(text: string, from: number, to: number, emoji: string): { text: string; caret: number } {
  return { text: text.slice(0, from) + emoji + text.slice(to), caret: from + emoji.length };
}

/** The same emoji whether or not it carries the emoji presentation selector (U+FE0F). */
export function sameEmoji(a: string, b: string): boolean {
  return a.replace(/\uFE0F/g, '') === b.replace(/\uFE0F/g, '');
}
