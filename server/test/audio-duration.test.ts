// Reading how long a recording plays from its container: real MediaRecorder files from Chromium
// (WebM without a Duration, fragmented MP4), an Ogg Opus stream built here, and damaged input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { audioDuration } from '../src/voice/audio-duration.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url)));

/** One Ogg page holding `packet`, with `granule` (CRC left zero: the reader does not check it). */
function oggPage(granule: number, packet: Uint8Array, headerType = 0): Uint8Array {
  const page = new Uint8Array(27 + 1 + packet.length);
  page.set([0x4f, 0x67, 0x67, 0x53], 0);
  page[5] = headerType;
  new DataView(page.buffer).setUint32(6, granule % 2 ** 32, true);
  new DataView(page.buffer).setUint32(10, Math.floor(granule / 2 ** 32), true);
  page[26] = 1;
  page[27] = packet.length;
  page.set(packet, 28);
  return page;
}

function opusStream(granule: number, preSkip: number): Uint8Array {
  const head = new Uint8Array(19);
  head.set(new TextEncoder().encode('OpusHead'), 0);
  head[8] = 1;
  head[9] = 1;
  new DataView(head.buffer).setUint16(10, preSkip, true);
  new DataView(head.buffer).setUint32(12, 48_000, true);
  const pages = [oggPage(0, head, 2), oggPage(0, new TextEncoder().encode('OpusTags')), oggPage(granule / 2, new Uint8Array(40)), oggPage(granule, new Uint8Array(40), 4)];
  const out = new Uint8Array(pages.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pages) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('audioDuration', () => {
  it('reads a MediaRecorder WebM (no Duration element) from its last block, close to what Chromium decodes', () => {
    const webm = fixture('voice-tone-2s.webm');
    expect(audioDuration(webm)).toBeGreaterThan(1900);
    expect(audioDuration(webm)).toBeLessThanOrEqual(2000);
    // Cut in half, it plays about half as long: the reader follows what is there.
    expect(audioDuration(webm.subarray(0, webm.length / 2))).toBeLessThan(1200);
  });

  it('reads a fragmented MP4 from its fragments', () => {
    const mp4 = fixture('voice-tone-2s.mp4');
    expect(audioDuration(mp4)).toBeGreaterThan(1600);
    expect(audioDuration(mp4)).toBeLessThanOrEqual(2000);
  });

  it('reads Ogg Opus from the last granule position, less the pre-skip', () => {
    expect(audioDuration(opusStream(48_000 * 3 + 312, 312))).toBe(3000);
    expect(audioDuration(opusStream(48_000 * 90 + 3840, 3840))).toBe(90_000);
  });

  it('cannot tell for unknown, empty or damaged input, and says so with undefined', () => {
    const webm = fixture('voice-tone-2s.webm');
    for (const bytes of [new Uint8Array(0), new TextEncoder().encode('<html><script>alert(1)</script>'), webm.subarray(0, 10), fixture('voice-tone-2s.mp4').subarray(0, 30), new Uint8Array([0x4f, 0x67, 0x67, 0x53, 0, 0])])
      expect(audioDuration(bytes)).toBeUndefined();
    // An EBML header whose sizes point past the end does not throw.
    const broken = webm.slice(0, 200);
    broken.fill(0xff, 40);
    expect(() => audioDuration(broken)).not.toThrow();
  });
});
