// msgpack for Node (server, bots): msgpackr with its native accelerator, behind the structural pre-scan.
// Browser builds swap this module for msgpack-compact.ts through the `browser` field of package.json.
import { Packr, Unpackr } from 'msgpackr';
import { scanMsgpack } from './scan.js';

// Plain msgpack only: no records/structures extension, so any msgpack library can speak the protocol.
// `undefined` becomes nil (which optional fields accept) rather than an extension type peers refuse.
const packr = new Packr({ useRecords: false, variableMapSize: true, encodeUndefinedAsNil: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** Encodes a value (maps with string keys, arrays, strings, numbers, booleans, nil, bytes) as msgpack. */
export function packValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * Decodes exactly one msgpack value, refusing extension types, truncation, trailing bytes, nesting
 * deeper than `maxDepth` and containers over `maxEntries` before anything is allocated. Throws Error.
 */
export function unpackValue(bytes: Uint8Array, maxDepth: number, maxEntries: number): unknown {
  const problem = scanMsgpack(bytes, maxDepth, maxEntries);
  if (problem) throw new Error(problem);
  return unpackr.unpack(bytes);
}
