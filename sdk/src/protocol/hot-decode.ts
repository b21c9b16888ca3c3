// A reader for the frame a busy server decodes most: `send`, in its common shape (a flat map of
// short strings, small integers and nils), read straight from the bytes with the field schemas of
// SendFrame. Anything else, including every frame it would refuse, it leaves to the general decoder
// (scan, unpack, schema), which then accepts or answers exactly as it always did: this reader only
// ever agrees with it or steps aside (sdk/test/send-fast-path.test.ts checks that on random frames).
import { Op } from './codes.js';
import { SendFrame } from './frames.js';

// `fatal`: bytes that are not UTF-8 are left to the general decoder, whatever it makes of them.
// `ignoreBOM`: a leading U+FEFF is text the sender wrote, kept as msgpack decoders keep it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const { room: roomField, cid: cidField, body: bodyField } = SendFrame.shape;

/** Buffer's latin1Slice in Node (a frame there is a Buffer view), which for ASCII bytes is the string. */
const ascii = (globalThis as { Buffer?: { prototype: { latin1Slice?: (start: number, end: number) => string } } }).Buffer?.prototype.latin1Slice;

// The frame being read and where: module state, so that reading a field allocates nothing but its value.
const NO_BYTES = new Uint8Array(0);
let b: Uint8Array = NO_BYTES;
let pos = 0;

/** Bits of the fields seen, to refuse a repeated key (left to the general decoder). */
const T = 1;
const R = 2;
const ROOM = 4;
const CID = 8;
const BODY = 16;
const REPLY_TO = 32;
const THREAD = 64;
const NIL_ONLY = 128;
const REQUIRED = T | R | ROOM | CID | BODY;

/** A string of at most 65535 bytes at `pos`, or undefined (not a string, str32, truncated, not UTF-8). */
function readString(): string | undefined {
  const h = b[pos]!;
  let n: number;
  if ((h & 0xe0) === 0xa0) {
    n = h & 0x1f;
    pos += 1;
  } else if (h === 0xd9) {
    if (pos + 2 > b.length) return undefined;
    n = b[pos + 1]!;
    pos += 2;
  } else if (h === 0xda) {
    if (pos + 3 > b.length) return undefined;
    n = (b[pos + 1]! << 8) | b[pos + 2]!;
    pos += 3;
  } else return undefined;
  const end = pos + n;
  if (end > b.length) return undefined;
  let i = pos;
  while (i < end && b[i]! < 0x80) i++;
  if (i === end) {
    // ASCII: short ones (keys, ids) joined by hand, cheaper than a call into native code; longer
    // ones (most chat lines) copied out by Node's Buffer, or by hand where there is none.
    const s = n > 32 && ascii ? ascii.call(b, pos, end) : fromCodes(pos, end);
    pos = end;
    return s;
  }
  try {
    const s = utf8.decode(b.subarray(pos, end));
    pos = end;
    return s;
  } catch {
    return undefined;
  }
}

function fromCodes(from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** An unsigned integer of at most 32 bits at `pos`, or -1. */
function readUint(): number {
  const h = b[pos]!;
  if (h < 0x80) {
    pos += 1;
    return h;
  }
  const width = h === 0xcc ? 1 : h === 0xcd ? 2 : h === 0xce ? 4 : 0;
  if (width === 0 || pos + 1 + width > b.length) return -1;
  let n = 0;
  for (let i = 1; i <= width; i++) n = n * 256 + b[pos + i]!;
  pos += 1 + width;
  return n;
}

/** A string accepted by `schema` (the one the general decoder applies), or undefined. */
function checked(s: string | undefined, schema: { parse(v: unknown, path: string): string }): string | undefined {
  if (s === undefined) return undefined;
  try {
    return schema.parse(s, '');
  } catch {
    return undefined;
  }
}

/**
 * The `send` frame in `bytes` when it has the common shape and is valid, exactly as decodeClientFrame
 * would return it; undefined when the general decoder must look (other frames, other shapes, any
 * fault, more than `maxBytes`).
 */
export function readSendFrame(bytes: Uint8Array, maxBytes: number): SendFrame | undefined {
  // fixmap of 5 to 10 entries: t, r, room, cid, body, and nils or integers for the optional fields.
  if (bytes.length > maxBytes || bytes.length < 16 || (bytes[0]! & 0xf0) !== 0x80) return undefined;
  const count = bytes[0]! & 0x0f;
  if (count < 5 || count > 10) return undefined;
  b = bytes;
  pos = 1;
  const frame = readFields(count);
  b = NO_BYTES; // the frame's buffer is not kept alive until the next one
  return frame;
}

function readFields(count: number): SendFrame | undefined {
  const len = b.length;
  let seen = 0;
  let r = 0;
  let room: string | undefined;
  let cid: string | undefined;
  let body: string | undefined;
  let replyTo = -1;
  let thread = -1;
  for (let k = 0; k < count; k++) {
    if (pos >= len) return undefined;
    const key = readString();
    if (key === undefined || pos >= len) return undefined;
    let bit: number;
    switch (key) {
      case 't':
        bit = T;
        if (b[pos++] !== Op.Send) return undefined;
        break;
      case 'r':
        bit = R;
        r = readUint();
        if (r < 0) return undefined;
        break;
      case 'room':
        bit = ROOM;
        room = checked(readString(), roomField);
        if (room === undefined) return undefined;
        break;
      case 'cid':
        bit = CID;
        cid = checked(readString(), cidField);
        if (cid === undefined) return undefined;
        break;
      case 'body':
        bit = BODY;
        body = checked(readString(), bodyField);
        if (body === undefined) return undefined;
        break;
      case 'replyTo':
      case 'thread':
        bit = key === 'replyTo' ? REPLY_TO : THREAD;
        if (b[pos] === 0xc0) pos++;
        else {
          const n = readUint();
          if (n < 0) return undefined;
          if (bit === REPLY_TO) replyTo = n;
          else thread = n;
        }
        break;
      case 'mentions':
      case 'actions':
      case 'files':
        // Absent, as the SDK writes an unset option; a value takes the general decoder.
        if (b[pos++] !== 0xc0) return undefined;
        bit = key === 'mentions' ? NIL_ONLY : key === 'actions' ? NIL_ONLY << 1 : NIL_ONLY << 2;
        break;
      default:
        return undefined;
    }
    if (seen & bit) return undefined;
    seen |= bit;
  }
  if (pos !== len || (seen & REQUIRED) !== REQUIRED) return undefined;
  // Fields in the order of the schema, as the general decoder builds them.
  const frame: SendFrame = { t: Op.Send, r, room: room!, cid: cid!, body: body! };
  if (replyTo >= 0) frame.replyTo = replyTo;
  if (thread >= 0) frame.thread = thread;
  return frame;
}
