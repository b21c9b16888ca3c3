// Display names: one rule shared by guest sign-up, renames and names taken from host tokens.

/** Longest display name, in Unicode code points (so an emoji counts once). */
export const MAX_NAME_CHARS = 64;

// Control characters and line/paragraph separators break one-line rendering and logs; bidi
// overrides and isolates let a name render as something else; lone surrogates are not text.
// Zero-width joiners stay allowed: emoji sequences need them.
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069\p{Cs}]/u;
const FORBIDDEN_RUNS = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069\p{Cs}]+/gu;

/** True when `text` holds a character no name or user id may contain (see above). */
export function hasUnprintable(text: string): boolean {
  return FORBIDDEN.test(text);
}

/** Trims `name`; returns it when it is 1..64 code points without control characters, else null. */
export function validateDisplayName(name: unknown): string | null {
  if (typeof name !== 'string') return null;
  const trimmed = name.trim();
  if (trimmed === '' || FORBIDDEN.test(trimmed)) return null;
  // UTF-16 length bounds the code point count from above, so most names skip the count.
  if (trimmed.length > MAX_NAME_CHARS && [...trimmed].length > MAX_NAME_CHARS) return null;
  return trimmed;
}

/**
 * Best-effort name from a claim we do not control (a host token): forbidden characters become
 * spaces, then trimmed and cut to 64 code points. Null when nothing usable is left.
 */
export function sanitiseName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let name = value.replace(FORBIDDEN_RUNS, ' ').trim();
  if (name.length > MAX_NAME_CHARS) name = [...name].slice(0, MAX_NAME_CHARS).join('').trim();
  return name === '' ? null : name;
}
