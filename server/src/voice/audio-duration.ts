// How long an audio file plays, read from its container without decoding it: WebM/Matroska (what
// Chromium's MediaRecorder writes: no Duration, so the last block's timecode), Ogg Opus (the last
// page's granule position) and MP4, plain or fragmented (mvhd, else the fragments' sample durations).
// The server checks a voice message's claimed `duration` against it (protocol section 25). Undefined
// means "cannot tell", never "zero": a damaged or unknown file is judged by the claim's bounds alone.

/** The length of `bytes` in ms, or undefined when the container is not one of these or cannot be read. */
export function audioDuration(bytes: Uint8Array): number | undefined {
  try {
    if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return webmDuration(bytes);
    if (ascii(bytes, 0, 4) === 'OggS') return oggOpusDuration(bytes);
    if (ascii(bytes, 4, 8) === 'ftyp') return mp4Duration(bytes);
  } catch {
    // A truncated or corrupt container reads past its end: nothing to tell.
  }
  return undefined;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

function uint(b: Uint8Array, at: number, len: number): number {
  if (at + len > b.length) throw new RangeError('past the end');
  let n = 0;
  for (let i = 0; i < len; i++) n = n * 256 + b[at + i]!;
  return n;
}

// --- WebM / Matroska (EBML) ---

const SEGMENT = 0x18538067;
const CLUSTER = 0x1f43b675;
const BLOCK_GROUP = 0xa0;
const INFO = 0x1549a966;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const CLUSTER_TIMECODE = 0xe7;
const SIMPLE_BLOCK = 0xa3;
const BLOCK = 0xa1;
/** Masters whose children are read in place (they may have an unknown size while recording). */
const DESCEND = new Set([SEGMENT, CLUSTER, BLOCK_GROUP, INFO]);
/** One Opus frame as MediaRecorder writes them: the last block lasts this long after its timecode. */
const LAST_FRAME_MS = 20;

/** A variable-length integer at `at`: its value (`keepMarker`: with its length bits, as IDs are written) and length. */
function vint(b: Uint8Array, at: number, keepMarker: boolean): { value: number; len: number; unknown: boolean } {
  const first = b[at];
  if (first === undefined || first === 0) throw new RangeError('bad vint');
  const len = Math.clz32(first) - 23;
  let value = keepMarker ? first : first & (0xff >> len);
  let ones = value === 0xff >> len;
  for (let i = 1; i < len; i++) {
    const byte = uint(b, at + i, 1);
    value = value * 256 + byte;
    ones &&= byte === 0xff;
  }
  return { value, len, unknown: !keepMarker && ones };
}

function webmDuration(b: Uint8Array): number | undefined {
  let scale = 1_000_000; // ns per timecode unit
  let declared: number | undefined;
  let cluster = 0;
  let last = -1;
  let at = 0;
  while (at < b.length) {
    const id = vint(b, at, true);
    const size = vint(b, at + id.len, false);
    const data = at + id.len + size.len;
    if (DESCEND.has(id.value)) {
      at = data;
      continue;
    }
    if (size.unknown) break;
    if (id.value === TIMECODE_SCALE) scale = uint(b, data, size.value);
    else if (id.value === DURATION) declared = size.value === 4 ? new DataView(b.buffer, b.byteOffset + data, 4).getFloat32(0) : new DataView(b.buffer, b.byteOffset + data, 8).getFloat64(0);
    else if (id.value === CLUSTER_TIMECODE) cluster = uint(b, data, size.value);
    else if ((id.value === SIMPLE_BLOCK || id.value === BLOCK) && data + size.value <= b.length) {
      const track = vint(b, data, false);
      const rel = (uint(b, data + track.len, 2) << 16) >> 16; // signed 16 bits
      last = Math.max(last, cluster + rel);
    }
    at = data + size.value;
  }
  if (declared !== undefined && declared > 0) return Math.round((declared * scale) / 1e6);
  return last < 0 ? undefined : Math.round((last * scale) / 1e6) + LAST_FRAME_MS;
}

// --- Ogg Opus ---

function oggOpusDuration(b: Uint8Array): number | undefined {
  const head = indexOf(b, 'OpusHead', 0);
  if (head < 0) return undefined;
  const preSkip = b[head + 10]! | (b[head + 11]! << 8);
  // The last page that is really a page (its header fits) holds the final granule position.
  let page = b.length - 27;
  for (; page >= 0; page--) if (b[page] === 0x4f && ascii(b, page, page + 4) === 'OggS') break;
  if (page < 0) return undefined;
  const view = new DataView(b.buffer, b.byteOffset + page + 6, 8);
  const granule = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  return granule > preSkip ? Math.round(((granule - preSkip) / 48_000) * 1000) : undefined;
}

function indexOf(b: Uint8Array, text: string, from: number): number {
  const first = text.charCodeAt(0);
  for (let i = from; i <= b.length - text.length; i++) if (b[i] === first && ascii(b, i, i + text.length) === text) return i;
  return -1;
}

// --- MP4 (ISO BMFF), plain or fragmented ---

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'moof', 'traf', 'mvex']);

function mp4Duration(b: Uint8Array): number | undefined {
  let movie: { scale: number; duration: number } | undefined;
  let trackScale = 0;
  let defaultDuration = 0;
  let fragments = 0;
  const walk = (from: number, to: number): void => {
    let at = from;
    while (at + 8 <= to) {
      let size = uint(b, at, 4);
      const type = ascii(b, at + 4, at + 8);
      let body = at + 8;
      if (size === 1) {
        size = uint(b, at + 8, 8);
        body += 8;
      } else if (size === 0) size = to - at;
      if (size < 8 || at + size > to) return;
      const version = b[body]!;
      if (CONTAINERS.has(type)) walk(body, at + size);
      else if (type === 'mvhd') movie = version === 1 ? { scale: uint(b, body + 20, 4), duration: uint(b, body + 24, 8) } : { scale: uint(b, body + 12, 4), duration: uint(b, body + 16, 4) };
      else if (type === 'mdhd') trackScale = version === 1 ? uint(b, body + 20, 4) : uint(b, body + 12, 4);
      else if (type === 'trex') defaultDuration = uint(b, body + 12, 4);
      else if (type === 'tfhd') {
        const flags = uint(b, body + 1, 3);
        // base-data-offset (8 bytes) and sample-description-index (4) come first when present.
        if (flags & 0x08) defaultDuration = uint(b, body + 8 + (flags & 0x01 ? 8 : 0) + (flags & 0x02 ? 4 : 0), 4);
      } else if (type === 'trun') fragments += trunDuration(b, body, defaultDuration);
      at += size;
    }
  };
  walk(0, b.length);
  if (movie && movie.duration > 0 && movie.scale > 0) return Math.round((movie.duration / movie.scale) * 1000);
  return fragments > 0 && trackScale > 0 ? Math.round((fragments / trackScale) * 1000) : undefined;
}

/** The summed sample durations of one `trun` box, in the track's timescale. */
function trunDuration(b: Uint8Array, body: number, defaultDuration: number): number {
  const flags = uint(b, body + 1, 3);
  const count = uint(b, body + 4, 4);
  if (!(flags & 0x100)) return count * defaultDuration;
  let at = body + 8 + (flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0);
  const stride = 4 + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0);
  let total = 0;
  for (let i = 0; i < count; i++, at += stride) total += uint(b, at, 4);
  return total;
}
