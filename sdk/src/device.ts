// The device id sent in `hello` (ADR 0011), so a later feature can address one device: the `device`
// option, else one kept in localStorage (stable per browser profile), else one per page load or process.
import { newCid } from './cid.js';

const STORAGE_KEY = 'parley.device';
const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Used when nothing can be stored: shared by every client of this page (or process). */
let unstored: string | undefined;

/** The device id to announce: `option` when given (checked), else the stored or per-load one. */
export function deviceId(option: string | undefined): string {
  if (option !== undefined) {
    if (typeof option !== 'string' || !DEVICE_ID.test(option)) throw new TypeError('ChatClient: `device` must be 1 to 64 of A-Z a-z 0-9 _ -');
    return option;
  }
  try {
    const storage = (globalThis as { localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void } }).localStorage;
    if (storage) {
      const stored = storage.getItem(STORAGE_KEY);
      if (stored && DEVICE_ID.test(stored)) return stored;
      const made = newCid();
      storage.setItem(STORAGE_KEY, made);
      return made;
    }
  } catch {
    // Storage blocked (privacy settings, sandboxed frame) or full: fall through to a per-load id.
  }
  return (unstored ??= newCid());
}
