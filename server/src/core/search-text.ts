// The words of a search query, and where they are in a result's text (highlight ranges). Plain string
// work on UTF-16 offsets: the server sends ranges, never markup, and clients render them as text.
import { Limits, type Highlight } from '@parley/sdk/protocol';
import { MIN_PART } from '../store/search.js';

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/**
 * The distinct words of a query, letters and digits only (everything else separates words, so no
 * operator of any query language gets through), at most Limits.maxSearchTerms, longest first when
 * there are more. Empty when the query holds no word.
 */
export function searchWords(query: string): string[] {
  const seen = new Set<string>();
  for (const m of query.normalize('NFC').matchAll(WORD)) seen.add(m[0].toLowerCase());
  const words = [...seen];
  if (words.length <= Limits.maxSearchTerms) return words;
  return words.sort((a, b) => b.length - a.length).slice(0, Limits.maxSearchTerms);
}

/** `text` lower-cased without accents, with the offset in `text` of each of its UTF-16 units. */
function fold(text: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  let at = 0;
  for (const ch of text) {
    const f = ch.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    for (let i = 0; i < f.length; i++) origin.push(at);
    folded += f;
    at += ch.length;
  }
  origin.push(at);
  return { folded, origin };
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * Where the words match in `text`, as the search matched them: at the start of a word, or anywhere
 * for words of MIN_PART letters or more; ranges in order, merged when they touch, at most
 * Limits.maxHighlights. Best effort: a stemmed match ("runs" for "running") is not highlighted.
 */
export function highlights(text: string, words: readonly string[]): Highlight[] {
  const { folded, origin } = fold(text);
  const ranges: [number, number][] = [];
  for (const word of words) {
    const w = fold(word).folded;
    if (w.length === 0) continue;
    for (let i = folded.indexOf(w); i !== -1; i = folded.indexOf(w, i + 1)) {
      if (w.length < MIN_PART && isWordChar(folded[i - 1])) continue;
      ranges.push([origin[i]!, origin[i + w.length]!]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Highlight[] = [];
  let last: Highlight | undefined;
  for (const [start, end] of ranges) {
    if (last && start <= last.at + last.len) {
      last.len = Math.max(last.len, end - last.at);
      continue;
    }
    if (out.length === Limits.maxHighlights) break;
    last = { at: start, len: end - start };
    out.push(last);
  }
  return out;
}
