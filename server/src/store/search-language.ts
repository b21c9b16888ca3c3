// The language of search (PARLEY_SEARCH_LANGUAGE): which dictionary follows unaccent in the
// `search_text` configuration. Changing it rebuilds the full-text indexes, once, by the first node.
import type { Sql } from './sql.js';

/** `simple` (every word as written, minus accents: fits any language) or a stemmer's language. */
export const DEFAULT_SEARCH_LANGUAGE = 'simple';
const LANGUAGE = /^[a-z]{2,20}$/;
const SETTING = 'search_language';

/** Names the dictionary of `language`: `simple`, or the Snowball stemmer `<language>_stem`. */
function dictionary(language: string): string {
  if (!LANGUAGE.test(language)) throw new RangeError(`search language must be a lower-case word such as simple, english or portuguese, got ${JSON.stringify(language)}`);
  return language === DEFAULT_SEARCH_LANGUAGE ? 'simple' : `${language}_stem`;
}

/**
 * Maps `search_text` to `language` and reindexes when the database was on another one. Nodes of one
 * database must agree: the one that starts last decides, and says so in its log.
 * Resolves with true when it changed the language.
 */
export async function applySearchLanguage(sql: Sql, language: string): Promise<boolean> {
  const dict = dictionary(language);
  return sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`parley.search_language.${sql.schema}`]);
    const [stored] = await tx.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [SETTING]);
    if ((stored?.value ?? DEFAULT_SEARCH_LANGUAGE) === language) return false;
    const [known] = await tx.query<{ n: number | string }>(`SELECT count(*) AS n FROM pg_ts_dict WHERE dictname = $1`, [dict]);
    if (Number(known?.n ?? 0) === 0) throw new RangeError(`search language "${language}": this database has no text search dictionary ${dict}`);
    const [ext] = await tx.query<{ schema: string }>(
      `SELECT n.nspname AS schema FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'unaccent'`,
    );
    if (!ext) throw new Error('the unaccent extension is missing: search cannot fold accents');
    // Identifiers checked above (a lower-case word; the extension's schema quoted).
    const unaccent = `"${ext.schema.replace(/"/g, '""')}".unaccent`;
    await tx.exec(`
      ALTER TEXT SEARCH CONFIGURATION search_text
        ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH ${unaccent}, ${dict};
      REINDEX INDEX search_texts_idx;
      REINDEX INDEX messages_search_idx;
    `);
    await tx.query(
      'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value',
      [SETTING, language],
    );
    return true;
  });
}
