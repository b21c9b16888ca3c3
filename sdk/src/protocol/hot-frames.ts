// Encoders for the two frames every chat message makes a server write: the room `event` and the
// sender's `result`. Same bytes as encodeFrame (plain msgpack, keys in insertion order), written by a
// small writer that only knows flat maps of strings, integers and booleans, and hands anything else
// (event `data`, fractions, negatives) to the general encoder. The general one serves every shape of
// every frame, and on a busy server that makes it several times slower on these two.
import { Op } from './codes.js';
import type { RoomEvent } from './frames.js';
import { eventExtensionFields, type EventExtensionField } from './kinds.js';
import { packValue } from './msgpack.js';

const utf8 = new TextEncoder();
// Frames are written one after another into a slab and handed out as views of it: allocating an
// ArrayBuffer per frame would cost more than encoding it. A view stays valid (nothing is written over
// it again); a full slab is left to the frames that still point into it and a new one is started.
const SLAB = 64 * 1024;
let out = new Uint8Array(SLAB);
let view = new DataView(out.buffer);
/** Where the frame being written starts in `out`. */
let start = 0;
let pos = 0;

function room(n: number): void {
  if (pos + n <= out.length) return;
  const next = new Uint8Array(Math.max(SLAB, (pos - start + n) * 2));
  next.set(out.subarray(start, pos));
  pos -= start;
  start = 0;
  out = next;
  view = new DataView(next.buffer);
}

/** A type byte followed by `n` as an unsigned big-endian number of `width` bytes (0, 1, 2 or 4). */
function typed(type: number, width: number, n: number): void {
  out[pos++] = type;
  if (width === 1) out[pos++] = n;
  else if (width === 2) {
    view.setUint16(pos, n);
    pos += 2;
  } else if (width === 4) {
    view.setUint32(pos, n);
    pos += 4;
  }
}

/** The header of a string of `n` UTF-8 bytes. */
function strHead(n: number): void {
  if (n < 32) out[pos++] = 0xa0 | n;
  else if (n < 0x100) typed(0xd9, 1, n);
  else if (n < 0x10000) typed(0xda, 2, n);
  else typed(0xdb, 4, n);
}

const headSize = (n: number): number => (n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

function writeString(s: string): void {
  const n = s.length;
  room(n * 3 + 5);
  if (n > 40) return writeLongString(s, n);
  // One pass for short ASCII (every key, most ids and names): a fixstr header and the chars as bytes.
  const o = out;
  const at = pos + 1;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    o[at + i] = c;
  }
  if (i === n && n < 32) {
    o[at - 1] = 0xa0 | n;
    pos = at + n;
    return;
  }
  writeLongString(s, n);
}

/** Natively encoded behind a header sized for the longest possible result, then moved up if shorter. */
function writeLongString(s: string, n: number): void {
  const reserved = headSize(n * 3);
  const { written } = utf8.encodeInto(s, out.subarray(pos + reserved, pos + reserved + n * 3));
  const head = headSize(written);
  if (head !== reserved) out.copyWithin(pos + head, pos + reserved, pos + reserved + written);
  strHead(written);
  pos += written;
}

function writeValue(v: unknown): void {
  if (typeof v === 'string') return writeString(v);
  room(9);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 0x1_0000_0000) {
    if (v < 0x80) out[pos++] = v;
    else if (v < 0x100) typed(0xcc, 1, v);
    else if (v < 0x10000) typed(0xcd, 2, v);
    else typed(0xce, 4, v);
    return;
  }
  if (typeof v === 'boolean') {
    out[pos++] = v ? 0xc3 : 0xc2;
    return;
  }
  if (typeof v === 'number' && !(Number.isInteger(v) && v < 0)) {
    // Millisecond timestamps and fractions: float64, as the general encoder writes integers past 32 bits.
    out[pos++] = 0xcb;
    view.setFloat64(pos, v);
    pos += 8;
    return;
  }
  // Negative integers, nil and nested values: exactly as the general encoder writes them.
  const bytes = packValue(v);
  room(bytes.length);
  out.set(bytes, pos);
  pos += bytes.length;
}

/** A map of the defined own properties of `obj` (undefined ones are left out, as the decoder reads them as absent anyway). */
function writeFlat(obj: object): void {
  const keys = Object.keys(obj);
  let count = 0;
  for (const k of keys) if ((obj as Record<string, unknown>)[k] !== undefined) count++;
  room(3);
  if (count < 16) out[pos++] = 0x80 | count;
  else typed(0xde, 2, count);
  for (const k of keys) {
    const v = (obj as Record<string, unknown>)[k];
    if (v === undefined) continue;
    writeString(k);
    writeValue(v);
  }
}

function begin(): void {
  start = pos;
}

function finish(): Uint8Array {
  const bytes = out.subarray(start, pos);
  start = pos;
  return bytes;
}

/**
 * The event fields added after v1, in the order the schema declares them (RoomEventShape, from
 * kinds.ts): every one is written when present, so a declared field cannot vanish on the hot path.
 */
const EXTENSION_FIELDS = Object.keys(eventExtensionFields) as EventExtensionField[];
/**
 * One reader per extension field: a named property read stays a fast, single-shape load on every
 * live event, where `e[key]` over a list of absent keys cost more than the v1 fields together. The
 * Record type makes the compiler ask for a reader for every field kinds.ts declares.
 */
const EXTENSION_READERS: Readonly<Record<EventExtensionField, (e: RoomEvent) => unknown>> = {
  mentions: (e) => e.mentions,
  rev: (e) => e.rev,
  edited: (e) => e.edited,
  deleted: (e) => e.deleted,
  reactions: (e) => e.reactions,
  replies: (e) => e.replies,
  actions: (e) => e.actions,
  attachments: (e) => e.attachments,
};
const EXTENSION_READ = EXTENSION_FIELDS.map((k) => EXTENSION_READERS[k]);

/** `{t: event, e}`: the frame a room's subscribers get for each stored event. */
export function encodeEventFrame(e: RoomEvent): Uint8Array {
  begin();
  room(10);
  out[pos++] = 0x82;
  writeString('t');
  writeValue(Op.Event);
  writeString('e');
  // The fields in the order the store builds events, so the bytes are those of encodeFrame. The
  // v1 ones are written inline (every live message); the later ones, rarer, in a loop.
  const { cid, body, data } = e;
  const v1 = 7 + (cid === undefined ? 0 : 1) + (body === undefined ? 0 : 1) + (data === undefined ? 0 : 1);
  let count = v1;
  for (let i = 0; i < EXTENSION_READ.length; i++) if (EXTENSION_READ[i]!(e) !== undefined) count++;
  if (count < 16) out[pos++] = 0x80 | count;
  else typed(0xde, 2, count);
  writeString('room');
  writeString(e.room);
  writeString('seq');
  writeValue(e.seq);
  writeString('id');
  writeString(e.id);
  writeString('kind');
  writeString(e.kind);
  writeString('ts');
  writeValue(e.ts);
  writeString('by');
  writeString(e.by);
  writeString('name');
  writeString(e.name);
  if (cid !== undefined) {
    writeString('cid');
    writeString(cid);
  }
  if (body !== undefined) {
    writeString('body');
    writeString(body);
  }
  if (data !== undefined) {
    writeString('data');
    writeValue(data);
  }
  if (count > v1) {
    for (let i = 0; i < EXTENSION_READ.length; i++) {
      const v = EXTENSION_READ[i]!(e);
      if (v === undefined) continue;
      writeString(EXTENSION_FIELDS[i]!);
      writeValue(v);
    }
  }
  return finish();
}

/** `{t: result, r, data}`: a request's answer whose data is a flat map (nested values are encoded too, by the general encoder). */
export function encodeResultFrame(r: number, data: object): Uint8Array {
  begin();
  room(8);
  out[pos++] = 0x83;
  writeString('t');
  writeValue(Op.Result);
  writeString('r');
  writeValue(r);
  writeString('data');
  writeFlat(data);
  return finish();
}
