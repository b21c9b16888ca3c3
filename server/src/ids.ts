// Event ids: 26-char, time-sortable, globally unique (ULID layout: 48-bit ms time + 80 random bits,
// Crockford base32). Ids made by one process also sort in the order they were made.
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_BYTES = 10;
const MAX_TIME = 2 ** 48 - 1;

// One syscall per 4 KiB of randomness instead of one per id: ids are minted in bursts of thousands.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

let lastTime = -1;
const lastRandom = new Uint8Array(RANDOM_BYTES);

/** A new event id for `now` (ms since the epoch). Strictly greater than the previous id from this process. */
export function eventId(now: number = Date.now()): string {
  // Within one millisecond (or if the clock steps back) the random part is incremented instead of
  // redrawn, so ids minted in one batch sort in the order of their seq.
  if (now > lastTime) {
    lastTime = Math.min(now, MAX_TIME);
    fillRandom(lastRandom);
  } else if (!increment(lastRandom)) {
    // 2^80 ids in one millisecond cannot happen; if the random part is exhausted, borrow the next ms.
    lastTime += 1;
    fillRandom(lastRandom);
  }
  return encodeTime(lastTime) + encodeRandom(lastRandom);
}

/** The creation time (ms since the epoch) encoded in an event id. */
export function eventIdTime(id: string): number {
  let time = 0;
  for (let i = 0; i < 10; i++) {
    const digit = ALPHABET.indexOf(id.charAt(i).toUpperCase());
    if (digit < 0) throw new RangeError(`not an event id: ${id}`);
    time = time * 32 + digit;
  }
  return time;
}

function fillRandom(target: Uint8Array): void {
  if (poolOffset + target.length > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  target.set(pool.subarray(poolOffset, poolOffset + target.length));
  poolOffset += target.length;
}

function increment(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const byte = bytes[i]!;
    if (byte < 0xff) {
      bytes[i] = byte + 1;
      return true;
    }
    bytes[i] = 0;
  }
  return false;
}

function encodeTime(time: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET.charAt(time % 32) + out;
    time = Math.floor(time / 32);
  }
  return out;
}

// 80 bits = 16 base32 digits; read them five bits at a time from the most significant end.
function encodeRandom(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET.charAt((acc >> bits) & 31);
    }
  }
  return out;
}
