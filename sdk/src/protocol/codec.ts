// msgpack encoding of frames, and decoding that validates: bounded unpack, then the schema check.
// The msgpack backend is msgpackr in Node and msgpack-compact.ts in browser builds (package.json `browser`).
import { ErrorCode, Limits } from './codes.js';
import { clientFrameSchemas, serverFrameSchemas, type ClientFrame, type ServerFrame } from './frames.js';
import { readSendFrame } from './hot-decode.js';
import { packValue, unpackValue } from './msgpack.js';
import { SchemaError, type Schema } from './schema.js';

/** A frame that cannot be accepted; `code` is the error code to answer with, `r` the request id if one was readable. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly r?: number,
    /** True when the bytes are not a msgpack value at all (as opposed to a valid value that breaks the schema). */
    readonly undecodable = false,
  ) {
    super(message);
  }
}

/** Encodes any frame (or other value) as msgpack. */
export function encodeFrame(frame: object): Uint8Array {
  return packValue(frame);
}

// What a client accepts from a server: nesting deep enough for any later frame shape yet shallow
// enough for a recursive decoder, and containers bounded only by the frame's bytes (the pre-scan
// refuses a count larger than the bytes left), so a server may send more than this build's limits.
export const SERVER_FRAME_DEPTH = 32;
const SERVER_ENTRIES = Number.MAX_SAFE_INTEGER;

/** Decodes msgpack after the structural scan, without any schema check. Throws FrameError. */
export function decodeRaw(bytes: Uint8Array, maxBytes: number = Limits.maxFrameBytes, maxDepth: number = Limits.maxDepth, maxEntries: number = Limits.maxEntries): unknown {
  if (bytes.byteLength > maxBytes) throw new FrameError(ErrorCode.TooLarge, `frame larger than ${maxBytes} bytes`);
  try {
    return unpackValue(bytes, maxDepth, maxEntries);
  } catch (err) {
    throw new FrameError(ErrorCode.BadFrame, `malformed msgpack: ${(err as Error).message}`, undefined, true);
  }
}

function decodeWith<F>(raw: unknown, schemas: Record<number, Schema<unknown>>): F {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FrameError(ErrorCode.BadFrame, 'a frame must be a msgpack map');
  }
  const { t, r } = raw as { t?: unknown; r?: unknown };
  const reqId = typeof r === 'number' && Number.isSafeInteger(r) && r >= 0 && r <= 0xffff_ffff ? r : undefined;
  // A float such as 2.5 is no opcode at all (bad_frame); unknown_type is for integers nobody assigned.
  if (typeof t !== 'number' || !Number.isInteger(t)) throw new FrameError(ErrorCode.BadFrame, 'frame type "t" must be an integer', reqId);
  const schema = Object.prototype.hasOwnProperty.call(schemas, t) ? schemas[t] : undefined;
  if (!schema) throw new FrameError(ErrorCode.UnknownType, `unknown frame type ${t}`, reqId);
  try {
    return schema.parse(raw, '') as F;
  } catch (err) {
    if (err instanceof SchemaError) {
      throw new FrameError(err.tooLarge ? ErrorCode.TooLarge : ErrorCode.BadFrame, `invalid frame: ${err.message}`, reqId);
    }
    throw err;
  }
}

/** Decodes and validates a frame sent by a client. Throws FrameError. */
export function decodeClientFrame(bytes: Uint8Array, maxBytes: number = Limits.maxFrameBytes): ClientFrame {
  // `send` in its common shape is read straight from the bytes; the general decoder does the rest.
  return readSendFrame(bytes, maxBytes) ?? decodeClientFrameGeneral(bytes, maxBytes);
}

/** decodeClientFrame without the `send` fast path: what that path is tested against. */
export function decodeClientFrameGeneral(bytes: Uint8Array, maxBytes?: number): ClientFrame {
  return decodeWith<ClientFrame>(decodeRaw(bytes, maxBytes), clientFrameSchemas);
}

/**
 * Decodes and validates a frame sent by a server. Throws FrameError; a frame of an unknown type
 * throws with code `unknown_type`, which clients should ignore for forward compatibility.
 */
export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  return decodeWith<ServerFrame>(decodeRaw(bytes, Number.MAX_SAFE_INTEGER, SERVER_FRAME_DEPTH, SERVER_ENTRIES), serverFrameSchemas);
}
