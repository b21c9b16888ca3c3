// Display names: one rule shared by guest sign-up, renames and names taken from host tokens.
import { fitName, MAX_NAME_UNITS } from '../name-length.js';

/** Longest display name, in UTF-16 code units like every length of the protocol (an emoji counts 2). */
export const MAX_NAME_CHARS = MAX_NAME_UNITS;

// Control characters and line/paragraph separators break one-line rendering and logs; bidi
// overrides and isolates let a name render as something else; lone surrogates are not text.
// Zero-width joiners stay allowed: emoji sequences need them.
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069\p{Cs}]/u;
const FORBIDDEN_RUNS = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069\p{Cs}]+/gu;

/** True when `text` holds a character no name or user id may contain (see above). */
export function hasUnprintable(text: string): boolean {
  return FORBIDDEN.test(text);
}

/** Trims `name`; returns it when it is 1..64 UTF-16 code units without control characters, else null. */
export function validateDisplayName(name: unknown): string | null {
  if (typeof name !== 'string') return null;
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_NAME_CHARS || FORBIDDEN.test(trimmed)) return null;
  return trimmed;
}

/**
 * Best-effort name from a claim we do not control (a host token): forbidden characters become
 * spaces, then trimmed and shortened to 64 UTF-16 code units at a character boundary (the host's
 * name is authoritative, so it is cut rather than refused). Null when nothing usable is left.
 */
export function sanitiseName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = fitName(value.replace(FORBIDDEN_RUNS, ' ').trim());
  return name === '' ? null : name;
}
