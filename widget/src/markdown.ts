// The chat's markdown subset, parsed into a small tree the renderer turns into Lit templates: bold,
// italic, strike, inline code, code blocks, quotes, lists, links and bare URLs. Nothing here makes
// markup; every limit below keeps hostile text (deep nesting, huge lines, unmatched marks) linear.
import type { Mention } from '@parley/sdk';

/** Quotes and lists nest at most this deep; deeper markers stay as text. */
export const MAX_DEPTH = 6;
/** Bold, italic, strike and link text nest at most this deep inside one another. */
const MAX_INLINE_DEPTH = 6;
/** Bodies longer than this (UTF-16 units) are shown as plain text: no one writes markdown that long. */
export const MAX_RICH_LENGTH = 20_000;
/** Longest link target kept as a link. */
const MAX_URL = 2048;

export type Inline =
  | { t: 'text'; s: string }
  | { t: 'code'; s: string }
  | { t: 'b' | 'i' | 's'; c: Inline[] }
  | { t: 'a'; href: string; c: Inline[] }
  | { t: 'mention'; user: string; s: string };

export type Block =
  | { t: 'p'; lines: Inline[][] }
  | { t: 'pre'; s: string }
  | { t: 'quote'; c: Block[] }
  | { t: 'list'; ordered: boolean; start: number; items: Block[][] };

/** A line of the body with where it starts in the body, so mentions (body offsets) can be found in it. */
interface Line {
  s: string;
  at: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,3})([-*+]|(\d{1,9})[.)])( +|$)/;

/** The blocks of `body`; undefined when it is too long to be worth parsing (shown as plain text). */
export function parseMarkdown(body: string, mentions?: readonly Mention[]): Block[] | undefined {
  if (body.length > MAX_RICH_LENGTH) return undefined;
  const lines: Line[] = [];
  let at = 0;
  for (const s of body.split('\n')) {
    lines.push({ s, at });
    at += s.length + 1;
  }
  return blocks(lines, 0, mentionMap(body, mentions));
}

/** Mentions by body offset, the ones that fit the body and do not overlap. */
function mentionMap(body: string, mentions: readonly Mention[] | undefined): Map<number, Mention> {
  const map = new Map<number, Mention>();
  let end = 0;
  for (const m of [...(mentions ?? [])].sort((a, b) => a.at - b.at)) {
    if (m.at < end || m.len <= 0 || m.at + m.len > body.length) continue;
    map.set(m.at, m);
    end = m.at + m.len;
  }
  return map;
}

function blocks(lines: Line[], depth: number, mentions: Map<number, Mention>): Block[] {
  const out: Block[] = [];
  let para: Line[] = [];
  const flush = () => {
    if (para.length) out.push({ t: 'p', lines: para.map((l) => inline(l, mentions)) });
    para = [];
  };
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    const nested = depth < MAX_DEPTH;
    const fence = FENCE.exec(line.s);
    if (fence) {
      flush();
      // An unclosed fence runs to the end of the message, as in CommonMark.
      const mark = fence[1]!;
      let j = i + 1;
      while (j < lines.length && !closesFence(lines[j]!.s, mark)) j++;
      out.push({ t: 'pre', s: lines.slice(i + 1, j).map((l) => l.s).join('\n') });
      i = j + 1;
      continue;
    }
    if (nested && QUOTE.test(line.s)) {
      flush();
      const inner: Line[] = [];
      for (; i < lines.length; i++) {
        const m = QUOTE.exec(lines[i]!.s);
        if (!m) break;
        inner.push({ s: lines[i]!.s.slice(m[0].length), at: lines[i]!.at + m[0].length });
      }
      out.push({ t: 'quote', c: blocks(inner, depth + 1, mentions) });
      continue;
    }
    const item = nested ? ITEM.exec(line.s) : null;
    if (item && (item[4] || para.length === 0)) {
      flush();
      const ordered = item[3] !== undefined;
      const list: Block & { t: 'list' } = { t: 'list', ordered, start: ordered ? Number(item[3]) : 1, items: [] };
      while (i < lines.length) {
        const m = ITEM.exec(lines[i]!.s);
        if (!m || (m[3] !== undefined) !== ordered) break;
        const indent = m[0].length;
        const content: Line[] = [{ s: lines[i]!.s.slice(indent), at: lines[i]!.at + indent }];
        i++;
        // Lines indented under the item (or blank ones followed by such) belong to it: nested lists, more text.
        for (; i < lines.length; i++) {
          const s = lines[i]!.s;
          const lead = /^ */.exec(s)![0].length;
          if (s.trim() === '') {
            const next = lines[i + 1]?.s;
            if (next === undefined || /^ */.exec(next)![0].length < Math.min(indent, 2)) break;
            content.push({ s: '', at: lines[i]!.at });
            continue;
          }
          if (lead < Math.min(indent, 2)) break;
          const cut = Math.min(lead, indent);
          content.push({ s: s.slice(cut), at: lines[i]!.at + cut });
        }
        list.items.push(blocks(content, depth + 1, mentions));
      }
      out.push(list);
      continue;
    }
    if (line.s.trim() === '') flush();
    else para.push(line);
    i++;
  }
  flush();
  return out;
}

function closesFence(s: string, mark: string): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(s);
  return !!m && m[1]![0] === mark[0] && m[1]!.length >= mark.length;
}

/** Inline marks of one line: they never cross a line break, which keeps a chat message's lines apart. */
function inline(line: Line, mentions: Map<number, Mention>): Inline[] {
  return new InlineParser(line.s, line.at, mentions).parse(0, line.s.length, 0);
}

const PUNCT = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}_]/u;
// Bounded, so a line of unusable URL starts costs at most this much per start.
const BARE_URL = /(?:https?:\/\/|mailto:)[^\s<>"]{1,2048}/iy;
const ANGLE_URL = /<((?:https?:\/\/|mailto:)[^\s<>]+)>/iy;

class InlineParser {
  /** For each delimiter, the position from which a search for its closer already failed. */
  private readonly noCloser = new Map<string, number>();
  /** Where each `[` closes (its `]`), found in one pass so a line of brackets stays linear. */
  private brackets: Map<number, number> | undefined;

  constructor(
    private readonly s: string,
    private readonly at: number,
    private readonly mentions: Map<number, Mention>,
  ) {}

  parse(from: number, to: number, depth: number, inLink = false): Inline[] {
    const out: Inline[] = [];
    const { s } = this;
    let text = '';
    const push = (node: Inline) => {
      if (text) out.push({ t: 'text', s: text });
      text = '';
      out.push(node);
    };
    let i = from;
    while (i < to) {
      const c = s[i]!;
      const mention = this.mentions.get(this.at + i);
      if (mention && i + mention.len <= to) {
        push({ t: 'mention', user: mention.user, s: s.slice(i, i + mention.len) });
        i += mention.len;
        continue;
      }
      if (c === '\\' && i + 1 < to && PUNCT.test(s[i + 1]!)) {
        text += s[i + 1];
        i += 2;
        continue;
      }
      if (c === '`') {
        const run = runLength(s, i, '`');
        const close = this.findCode(i + run, to, run);
        if (close >= 0) {
          push({ t: 'code', s: s.slice(i + run, close) });
          i = close + run;
        } else {
          text += s.slice(i, i + run);
          i += run;
        }
        continue;
      }
      if (!inLink && c === '<') {
        ANGLE_URL.lastIndex = i;
        const m = ANGLE_URL.exec(s);
        const href = m && m.index + m[0].length <= to ? safeHref(m[1]!) : undefined;
        if (m && href) {
          push({ t: 'a', href, c: [{ t: 'text', s: m[1]! }] });
          i += m[0].length;
          continue;
        }
      }
      if (!inLink && (c === 'h' || c === 'H' || c === 'm' || c === 'M') && (i === 0 || !WORD.test(s[i - 1]!))) {
        BARE_URL.lastIndex = i;
        const m = BARE_URL.exec(s);
        if (m) {
          const url = trimUrl(s.slice(i, Math.min(to, i + m[0].length)));
          const href = safeHref(url);
          if (href && url.length > url.indexOf(':') + 3) {
            push({ t: 'a', href, c: [{ t: 'text', s: url }] });
            i += url.length;
            continue;
          }
        }
      }
      if (!inLink && c === '[' && depth < MAX_INLINE_DEPTH) {
        const link = this.link(i, to, depth);
        if (link) {
          push(link.node);
          i = link.end;
          continue;
        }
      }
      if ((c === '*' || c === '_' || c === '~') && depth < MAX_INLINE_DEPTH) {
        const em = this.emphasis(i, to, depth, inLink);
        if (em) {
          push(em.node);
          i = em.end;
          continue;
        }
        const run = runLength(s, i, c);
        text += s.slice(i, i + run);
        i += run;
        continue;
      }
      text += c;
      i++;
    }
    if (text) out.push({ t: 'text', s: text });
    return out;
  }

  /** The closing backtick run of exactly `run` backticks in [from, to), or -1. */
  private findCode(from: number, to: number, run: number): number {
    const key = `\`${run}@${to}`;
    if ((this.noCloser.get(key) ?? Infinity) <= from) return -1;
    const mark = '`'.repeat(run);
    for (let j = this.s.indexOf(mark, from); j >= 0 && j < to; j = this.s.indexOf(mark, j + runLength(this.s, j, '`'))) {
      if (runLength(this.s, j, '`') === run) return j;
    }
    this.noCloser.set(key, Math.min(from, this.noCloser.get(key) ?? Infinity));
    return -1;
  }

  /** `**b**`, `__b__`, `*i*`, `_i_`, `~~s~~` starting at `i`, or undefined when it does not open or close. */
  private emphasis(i: number, to: number, depth: number, inLink: boolean): { node: Inline; end: number } | undefined {
    const { s } = this;
    const c = s[i]!;
    const run = runLength(s, i, c);
    const size = c === '~' ? (run === 2 ? 2 : 0) : Math.min(run, 2);
    if (!size) return undefined;
    const mark = c.repeat(size);
    const open = i + size;
    // An opener is followed by a non-space; `_` must not sit inside a word (snake_case stays as it is).
    if (open >= to || /\s/.test(s[open]!) || (c === '_' && i > 0 && WORD.test(s[i - 1]!))) return undefined;
    // A failed search only says something about later searches with the same end.
    const key = `${mark}@${to}`;
    if ((this.noCloser.get(key) ?? Infinity) <= open) return undefined;
    for (let j = s.indexOf(mark, open + 1); j >= 0 && j + size <= to; j = s.indexOf(mark, j + 1)) {
      if (/\s/.test(s[j - 1]!)) continue;
      if (c === '_' && j + size < s.length && WORD.test(s[j + size]!)) continue;
      // `**a*` must not close a bold; a longer run closes the outer mark with its last characters.
      if (size === 1 && s[j + 1] === c) {
        j++;
        continue;
      }
      const node: Inline = { t: c === '~' ? 's' : size === 2 ? 'b' : 'i', c: this.parse(open, j, depth + 1, inLink) };
      return { node, end: j + size };
    }
    this.noCloser.set(key, open);
    return undefined;
  }

  /** `[text](url)` at `i` with an allowed target; links with other schemes stay as their text. */
  private link(i: number, to: number, depth: number): { node: Inline; end: number } | undefined {
    const { s } = this;
    this.brackets ??= matchBrackets(s);
    const close = this.brackets.get(i);
    if (close === undefined || close + 1 >= to || s[close + 1] !== '(') return undefined;
    const start = close + 2;
    let end = start;
    while (end < to && end - start <= MAX_URL && s[end] !== ')' && !isSpace(s.charCodeAt(end))) end++;
    if (s[end] !== ')' || end >= to) return undefined;
    const href = safeHref(s.slice(start, end));
    if (!href) return undefined;
    return { node: { t: 'a', href, c: this.parse(i + 1, close, depth + 1, true) }, end: end + 1 };
  }
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11 || code === 0xa0;
}

function runLength(s: string, i: number, c: string): number {
  let j = i;
  while (s[j] === c) j++;
  return j - i;
}

/** `[` positions to their matching `]`, skipping escaped brackets; one pass with a stack. */
function matchBrackets(s: string): Map<number, number> {
  const map = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '[') open.push(i);
    else if (c === ']' && open.length) map.set(open.pop()!, i);
  }
  return map;
}

/** A bare URL without the punctuation that usually ends the sentence around it. */
function trimUrl(url: string): string {
  let end = url.length;
  while (end > 0) {
    const c = url[end - 1]!;
    if (/[.,;:!?'"*_~]/.test(c)) end--;
    else if (c === ')' && count(url.slice(0, end), '(') < count(url.slice(0, end), ')')) end--;
    else break;
  }
  return url.slice(0, end);
}

function count(s: string, c: string): number {
  return s.split(c).length - 1;
}

/**
 * The link target when `raw` is an absolute http(s) or mailto URL, normalized by the URL parser (so a
 * host in another script comes out in punycode); undefined for any other scheme or an unparsable URL.
 */
export function safeHref(raw: string): string | undefined {
  if (raw.length > MAX_URL || /[\u0000-\u001f\u007f\s]/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol === 'mailto:') return url.pathname ? url.href : undefined;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.hostname ? url.href : undefined;
}
