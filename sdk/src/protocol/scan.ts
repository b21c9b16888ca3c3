// Structural pre-check of msgpack bytes before decoding: bounds nesting depth and entry counts and
// rejects truncated input, trailing bytes and extension types without allocating anything, so that
// hostile frames cannot make the decoder recurse deeply or pre-allocate huge arrays.

/** Returns null when `buf` holds exactly one acceptable msgpack value, else a description of the problem. */
export function scanMsgpack(buf: Uint8Array, maxDepth: number, maxEntries: number): string | null {
  const len = buf.length;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // Items still to read at each open level; the bottom entry is the single top-level value.
  const remaining: number[] = [1];
  let pos = 0;
  while (remaining.length > 0) {
    const top = remaining.length - 1;
    if (remaining[top] === 0) {
      remaining.pop();
      continue;
    }
    remaining[top]!--;
    if (pos >= len) return 'truncated';
    const b = buf[pos++]!;
    // A container's entry count (pairs for maps) and how many values it holds; -1 for scalars.
    let entries = -1;
    let values = 0;
    let skip = 0;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) skip = 0;
    else if (b <= 0x8f) (entries = b & 0x0f), (values = entries * 2);
    else if (b <= 0x9f) values = entries = b & 0x0f;
    else if (b <= 0xbf) skip = b & 0x1f;
    else {
      const need = HEADER[b];
      if (need === undefined) return `unsupported msgpack type 0x${b.toString(16)}`;
      if (pos + need > len) return 'truncated';
      switch (b) {
        case 0xc4: case 0xd9: skip = buf[pos]!; break; // bin8, str8
        case 0xc5: case 0xda: skip = dv.getUint16(pos); break; // bin16, str16
        case 0xc6: case 0xdb: skip = dv.getUint32(pos); break; // bin32, str32
        case 0xdc: values = entries = dv.getUint16(pos); break; // array16
        case 0xdd: values = entries = dv.getUint32(pos); break; // array32
        case 0xde: entries = dv.getUint16(pos), values = entries * 2; break; // map16
        case 0xdf: entries = dv.getUint32(pos), values = entries * 2; break; // map32
        default: skip = 0; // fixed-width numbers: the header is the value
      }
      pos += need;
    }
    if (entries >= 0) {
      if (entries > maxEntries) return `container has more than ${maxEntries} entries`;
      // Every value takes at least one byte: a larger count is a lie.
      if (values > len - pos) return 'truncated';
      if (remaining.length > maxDepth) return `nested deeper than ${maxDepth}`;
      remaining.push(values);
    } else {
      pos += skip;
      if (pos > len) return 'truncated';
    }
  }
  return pos === len ? null : 'trailing bytes after the frame';
}

// Bytes following the type byte that hold the value or its length; undefined = not accepted.
// Extension types (0xc7-0xc9, 0xd4-0xd8) and the never-used 0xc1 are refused.
const HEADER: Record<number, number> = {
  0xc4: 1, 0xc5: 2, 0xc6: 4,
  0xca: 4, 0xcb: 8,
  0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8,
  0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8,
  0xd9: 1, 0xda: 2, 0xdb: 4,
  0xdc: 2, 0xdd: 4, 0xde: 2, 0xdf: 4,
};
