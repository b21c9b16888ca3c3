// msgpack encoding of frames, and decoding that validates: bounded unpack, then the schema check.
// The msgpack backend is msgpackr in Node and msgpack-compact.ts in browser builds (package.json `browser`).
import { ErrorCode, Limits } from './codes.js';
import { clientFrameSchemas, serverFrameSchemas, type ClientFrame, type ServerFrame } from './frames.js';
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

/** Decodes msgpack after the structural scan, without any schema check. Throws FrameError. */
export function decodeRaw(bytes: Uint8Array, maxBytes: number = Limits.maxFrameBytes): unknown {
  if (bytes.byteLength > maxBytes) throw new FrameError(ErrorCode.TooLarge, `frame larger than ${maxBytes} bytes`);
  try {
    return unpackValue(bytes, Limits.maxDepth, Limits.maxEntries);
  } catch (err) {
    throw new FrameError(ErrorCode.BadFrame, `malformed msgpack: ${(err as Error).message}`, undefined, true);
  }
}

function decodeWith<F>(bytes: Uint8Array, schemas: Record<number, Schema<unknown>>, maxBytes?: number): F {
  const raw = decodeRaw(bytes, maxBytes);
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
export function decodeClientFrame(bytes: Uint8Array, maxBytes?: number): ClientFrame {
  return decodeWith<ClientFrame>(bytes, clientFrameSchemas, maxBytes);
}

/**
 * Decodes and validates a frame sent by a server. Throws FrameError; a frame of an unknown type
 * throws with code `unknown_type`, which clients should ignore for forward compatibility.
 */
export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  return decodeWith<ServerFrame>(bytes, serverFrameSchemas, Number.MAX_SAFE_INTEGER);
}
