// Refuses PARLEY_* variables and command-line flags that name no option, with the nearest known name:
// a misspelt PARLEY_JWT_SECRET would otherwise be ignored and leave guest sign-in open.

/** PARLEY_* names that Parley's clients read (the example bots), not the server: allowed beside it. */
export const CLIENT_VARIABLES: readonly string[] = ['PARLEY_URL', 'PARLEY_TOKEN'];

/** The PARLEY_* names in `env` that are neither in `known` nor client variables, in `env`'s order. */
export function unknownVariables(env: Record<string, string | undefined>, known: readonly string[]): string[] {
  const allowed = new Set([...known, ...CLIENT_VARIABLES]);
  return Object.keys(env).filter((name) => name.startsWith('PARLEY_') && !allowed.has(name));
}

/**
 * `name`, followed by "(did you mean X?)" when one of `known` is close enough to be the intended one:
 * after their shared `prefix` (PARLEY_, --), within a third of the length in edits, or containing
 * the name as whole words (PARLEY_SECRET finds PARLEY_JWT_SECRET).
 */
export function withSuggestion(name: string, known: readonly string[], prefix: string): string {
  const wanted = name.slice(prefix.length).toUpperCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    if (!candidate.startsWith(prefix)) continue; // DATABASE_URL and REDIS_URL are no misspelt PARLEY_ names
    const have = candidate.slice(prefix.length).toUpperCase();
    const d = editDistance(wanted, have);
    const close = d <= Math.max(2, Math.floor(wanted.length / 3)) || `_${have}_`.replace(/-/g, '_').includes(`_${wanted.replace(/-/g, '_')}_`);
    if (close && d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best === undefined ? name : `${name} (did you mean ${best}?)`;
}

/** Levenshtein distance: insertions, deletions and substitutions of one character each count 1. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
