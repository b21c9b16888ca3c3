// A compact msgpack encoder/decoder for browsers: exactly the plain msgpack of docs/protocol.md 2.3-2.4,
// with the semantics of the msgpackr settings in msgpack.ts, at a fraction of msgpackr's size.
// Decoding enforces the structural limits while it reads, so no separate pre-scan is needed.

const encoder = new TextEncoder();
// Fatal: the protocol requires valid UTF-8. ignoreBOM keeps a leading U+FEFF as part of the string.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Encoder state for one packValue call (packing never calls out to user code, so no re-entrancy).
let out = new Uint8Array(256);
let outView = new DataView(out.buffer);
let pos = 0;

/** Encodes a value (maps with string keys, arrays, strings, numbers, booleans, nil, bytes) as msgpack. */
export function packValue(value: unknown): Uint8Array {
  pos = 0;
  write(value);
  return out.slice(0, pos);
}

function room(n: number): void {
  if (pos + n <= out.length) return;
  const next = new Uint8Array(Math.max(out.length * 2, pos + n));
  next.set(out.subarray(0, pos));
  out = next;
  outView = new DataView(next.buffer);
}

/** Writes a type byte followed by an unsigned big-endian number of `width` bytes (0, 1, 2 or 4). */
function head(type: number, width: number, n: number): void {
  room(5);
  out[pos++] = type;
  if (width === 1) out[pos++] = n;
  else if (width === 2) outView.setUint16(pos, n);
  else if (width === 4) outView.setUint32(pos, n);
  pos += width > 1 ? width : 0;
}

/** A container or string header: fixed form below `fixLimit`, else the 8/16/32-bit form from `type8`. */
function sized(n: number, fix: number, fixLimit: number, type8: number): void {
  if (n < fixLimit) head(fix | n, 0, 0);
  else if (n < 0x100 && type8 < 0xda) head(type8, 1, n); // arrays and maps (passed as 0xdb, 0xdd) have no 8-bit form
  else if (n < 0x10000) head(type8 + 1, 2, n);
  else head(type8 + 2, 4, n);
}

function write(v: unknown): void {
  if (v === null || v === undefined) return head(0xc0, 0, 0);
  if (typeof v === 'boolean') return head(v ? 0xc3 : 0xc2, 0, 0);
  if (typeof v === 'number') return writeNumber(v);
  if (typeof v === 'string') return writeString(v);
  if (typeof v === 'object') {
    if (Array.isArray(v)) {
      sized(v.length, 0x90, 16, 0xdb);
      for (const item of v) write(item);
    } else if (v instanceof Uint8Array) {
      sized(v.length, 0, 0, 0xc4);
      room(v.length);
      out.set(v, pos);
      pos += v.length;
    } else {
      const keys = Object.keys(v);
      sized(keys.length, 0x80, 16, 0xdd);
      for (const k of keys) {
        writeString(k);
        write((v as Record<string, unknown>)[k]);
      }
    }
    return;
  }
  throw new TypeError(`cannot encode a ${typeof v} as msgpack`);
}

function writeNumber(n: number): void {
  // Same choice as msgpackr: the smallest integer form up to 32 bits, float 64 for everything else
  // (including integers of 2^32 and above, which the protocol documents as float 64 on the wire).
  if (n >>> 0 === n) {
    if (n < 0x80) head(n, 0, 0);
    else if (n < 0x100) head(0xcc, 1, n);
    else if (n < 0x10000) head(0xcd, 2, n);
    else head(0xce, 4, n);
  } else if (n >> 0 === n) {
    if (n >= -0x20) head(n & 0xff, 0, 0);
    else if (n >= -0x80) head(0xd0, 1, n & 0xff);
    else if (n >= -0x8000) head(0xd1, 2, n & 0xffff);
    else head(0xd2, 4, n >>> 0);
  } else {
    head(0xcb, 0, 0);
    room(8);
    outView.setFloat64(pos, n);
    pos += 8;
  }
}

function writeString(s: string): void {
  // Reserve the worst case (3 bytes per UTF-16 unit, a 5-byte header), encode, then write the smallest
  // header in front (head() must not grow the buffer once the bytes are in place).
  const max = s.length * 3;
  const reserved = max < 32 ? 1 : max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
  room(5 + max);
  const start = pos + reserved;
  let len = 0;
  for (; len < s.length && len < 32; len++) {
    const c = s.charCodeAt(len);
    if (c > 0x7f) break;
    out[start + len] = c;
  }
  if (len < s.length) len = encoder.encodeInto(s, out.subarray(start)).written;
  const used = len < 32 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 5;
  if (used !== reserved) out.copyWithin(pos + used, start, start + len);
  sized(len, 0xa0, 32, 0xd9);
  pos += len;
}

// Decoder state for one unpackValue call.
let src: Uint8Array = new Uint8Array(0);
let srcView: DataView = new DataView(src.buffer);
let at = 0;
let depthLimit = 0;
let entryLimit = 0;

/**
 * Decodes exactly one msgpack value, refusing extension types, truncation, trailing bytes, nesting
 * deeper than `maxDepth` and containers over `maxEntries` before allocating them. Throws Error.
 */
export function unpackValue(bytes: Uint8Array, maxDepth: number, maxEntries: number): unknown {
  src = bytes;
  srcView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  at = 0;
  depthLimit = maxDepth;
  entryLimit = maxEntries;
  const value = read(0);
  if (at !== src.length) throw new Error('trailing bytes after the frame');
  return value;
}

/** Claims `n` bytes and returns where they start. */
function take(n: number): number {
  const p = at;
  if ((at += n) > src.length) throw new Error('truncated');
  return p;
}

function read(depth: number): unknown {
  const b = src[take(1)]!;
  if (b < 0x80) return b;
  if (b < 0x90) return readMap(b & 0x0f, depth);
  if (b < 0xa0) return readArray(b & 0x0f, depth);
  if (b < 0xc0) return readString(b & 0x1f);
  if (b >= 0xe0) return b - 0x100;
  switch (b) {
    case 0xc0: return null;
    case 0xc2: return false;
    case 0xc3: return true;
    case 0xc4: return readBin(src[take(1)]!);
    case 0xc5: return readBin(srcView.getUint16(take(2)));
    case 0xc6: return readBin(srcView.getUint32(take(4)));
    case 0xca: return srcView.getFloat32(take(4));
    case 0xcb: return srcView.getFloat64(take(8));
    case 0xcc: return src[take(1)];
    case 0xcd: return srcView.getUint16(take(2));
    case 0xce: return srcView.getUint32(take(4));
    // 64-bit integers become numbers (rounded past 2^53), as msgpackr's int64AsType 'number' does.
    case 0xcf: return srcView.getUint32(take(8)) * 2 ** 32 + srcView.getUint32(at - 4);
    case 0xd0: return srcView.getInt8(take(1));
    case 0xd1: return srcView.getInt16(take(2));
    case 0xd2: return srcView.getInt32(take(4));
    case 0xd3: return srcView.getInt32(take(8)) * 2 ** 32 + srcView.getUint32(at - 4);
    case 0xd9: return readString(src[take(1)]!);
    case 0xda: return readString(srcView.getUint16(take(2)));
    case 0xdb: return readString(srcView.getUint32(take(4)));
    case 0xdc: return readArray(srcView.getUint16(take(2)), depth);
    case 0xdd: return readArray(srcView.getUint32(take(4)), depth);
    case 0xde: return readMap(srcView.getUint16(take(2)), depth);
    case 0xdf: return readMap(srcView.getUint32(take(4)), depth);
  }
  // Extension types (0xc7-0xc9, 0xd4-0xd8) and the never-used 0xc1.
  throw new Error(`unsupported msgpack type 0x${b.toString(16)}`);
}

/** Checks a container header against the limits before anything is allocated for it. */
function enter(entries: number, values: number, depth: number): void {
  if (entries > entryLimit) throw new Error(`container has more than ${entryLimit} entries`);
  // Every value takes at least one byte: a larger count is a lie.
  if (values > src.length - at) throw new Error('truncated');
  if (depth >= depthLimit) throw new Error(`nested deeper than ${depthLimit}`);
}

function readArray(n: number, depth: number): unknown[] {
  enter(n, n, depth);
  const arr = new Array<unknown>(n);
  for (let i = 0; i < n; i++) arr[i] = read(depth + 1);
  return arr;
}

function readMap(n: number, depth: number): Record<string, unknown> {
  enter(n, n * 2, depth);
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = read(depth + 1);
    // Like msgpackr with mapsAsObjects: scalar keys become strings, container or binary keys are refused,
    // and `__proto__` is renamed so that a frame can never reach an object's prototype.
    if (typeof key === 'object' && key !== null) throw new Error('map keys must be strings');
    const name = String(key);
    obj[name === '__proto__' ? '__proto_' : name] = read(depth + 1);
  }
  return obj;
}

function readString(n: number): string {
  const p = take(n);
  let s = '';
  // Short ASCII strings (keys, ids) are cheaper to build by hand than through TextDecoder.
  if (n < 16) {
    for (let i = p; i < p + n; i++) {
      const c = src[i]!;
      if (c > 0x7f) return decodeUtf8(p, n);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decodeUtf8(p, n);
}

function decodeUtf8(p: number, n: number): string {
  try {
    return decoder.decode(src.subarray(p, p + n));
  } catch {
    throw new Error('invalid UTF-8 in a string');
  }
}

function readBin(n: number): Uint8Array {
  const p = take(n);
  return src.slice(p, p + n);
}
