// The emoji data the widget's picker and `:shortcode:` completion read, served by Parley itself from
// the `emoji-picker-element-data` package (never a CDN): `/emoji/en.json` and `/emoji/pt.json`.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { HttpReply, HttpRequest } from './api.js';
import { StaticFiles } from './static-files.js';

/** Where the data lives under `/emoji/`: one file per language the widget speaks. */
export const EMOJI_PATH = /^\/emoji\/(en|pt)\.json$/;

/**
 * A day: the data changes only with a server upgrade, and the picker revalidates with the ETag.
 * Readable from any origin (the widget runs on other sites), ETag included, which the picker's
 * database compares to know whether its copy in IndexedDB is current.
 */
const HEADERS = {
  'cache-control': 'public, max-age=86400',
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'ETag',
  'cross-origin-resource-policy': 'cross-origin',
};

/** English carries the emojibase shortcodes (`:thumbsup:`); Portuguese has CLDR names and keywords. */
const SOURCES = { en: 'en/emojibase', pt: 'pt/cldr' } as const;

export class EmojiData {
  private readonly files = new Map<string, StaticFiles>();

  /** `root` is the data package's directory; by default the installed `emoji-picker-element-data`. */
  constructor(root: string | undefined = packageDir()) {
    if (!root) return;
    for (const [lang, dir] of Object.entries(SOURCES)) this.files.set(lang, new StaticFiles(join(root, dir)));
  }

  /** The reply for `/emoji/<lang>.json`, or undefined for any other path (or when the data is not installed). */
  async reply(req: HttpRequest): Promise<HttpReply | undefined> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    const lang = EMOJI_PATH.exec(req.path)?.[1];
    const files = lang ? this.files.get(lang) : undefined;
    return files?.reply('data.json', req, HEADERS);
  }
}

function packageDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('emoji-picker-element-data/package.json'));
  } catch {
    return undefined;
  }
}
