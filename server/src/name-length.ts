// Display names fit 64 UTF-16 code units, as protocol section 1 counts lengths and the SDK checks
// them: one longer name in an event would be refused by every SDK client and stall its room. This
// is the one shortening rule, for names the server did not validate itself (host tokens, rows stored
// by older versions, user ids standing in for names).

/** Longest display name, in UTF-16 code units (an emoji outside the BMP counts 2). */
export const MAX_NAME_UNITS = 64;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `name` when it fits, else its longest prefix of whole characters (grapheme clusters, so never half
 * a surrogate pair or an emoji sequence) that does, without trailing white space.
 */
export function fitName(name: string): string {
  if (name.length <= MAX_NAME_UNITS) return name;
  let end = 0;
  for (const { segment } of graphemes.segment(name)) {
    if (end + segment.length > MAX_NAME_UNITS) break;
    end += segment.length;
  }
  return name.slice(0, end).trimEnd();
}
