// The HMAC secret of guest tokens: the configured one, or one generated once and kept in the store,
// so that every node of one database signs and accepts the same guest tokens, across restarts.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './log.js';
import type { Store } from './store/store.js';

const SETTING = 'guest_secret';
/** Where versions before the settings table kept the generated secret (embedded store only). */
const LEGACY_FILE = 'guest-secret';

/**
 * `configured` when given; else the store's, which the first node to start generates. A secret left
 * in the data directory by an earlier version becomes the store's, so its tokens stay valid.
 */
export async function guestSecret(configured: string | undefined, store: Store, dataDir: string | undefined, log: Logger): Promise<string> {
  if (configured) return configured;
  const file = dataDir === undefined ? undefined : join(dataDir, LEGACY_FILE);
  const legacy = file === undefined ? undefined : readLegacy(file);
  const secret = await store.sharedSetting(SETTING, legacy ?? randomBytes(32).toString('base64url'));
  if (file !== undefined && legacy !== undefined) {
    if (secret === legacy) {
      rmSync(file, { force: true });
      log.info('guest secret moved from the data directory into the store', { file });
    } else {
      log.warn('ignoring the guest secret file in the data directory: the store already holds another one', { file });
    }
  }
  return secret;
}

function readLegacy(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
