// What the server checks of a voice message (protocol section 25, ADR 0020): the uploader's claims
// (`duration`, `waveform`) when the upload is created, before a byte is stored, and the recording
// itself when it is complete: an audio container the widget records in, playing about as long as
// claimed. The waveform cannot be checked against the audio without decoding it; only its shape is.
import { voiceProblem } from '@parley/sdk/protocol';
import { open } from 'node:fs/promises';
import { audioDuration } from './audio-duration.js';

/** Containers a voice message may be in (as sniffed: WebM and MP4 audio sniff as video/*), and the audio type it is served as. */
const VOICE_TYPES: ReadonlyMap<string, string> = new Map([
  ['audio/webm', 'audio/webm'],
  ['video/webm', 'audio/webm'],
  ['audio/ogg', 'audio/ogg'],
  ['audio/opus', 'audio/ogg'],
  ['audio/mp4', 'audio/mp4'],
  ['video/mp4', 'audio/mp4'],
  ['audio/x-m4a', 'audio/mp4'],
]);

/** Bytes per second of recording a voice message may take (320 kbit/s: far above any voice codec), plus its headers. */
const BYTES_PER_SECOND = 40_000;
const HEADER_BYTES = 64 * 1024;

/** How far the claimed length may be from what the container says: a second, or a tenth of it. */
export function durationTolerance(ms: number): number {
  return Math.max(1000, ms / 10);
}

/** Why the claims of a voice upload of `size` bytes are refused, or undefined. Checked at creation. */
export function voiceClaimProblem(claims: { duration?: number; waveform?: number[] }, size: number, maxVoiceMs: number): string | undefined {
  const problem = voiceProblem(claims, maxVoiceMs);
  if (problem) return problem;
  const most = Math.ceil((claims.duration! / 1000) * BYTES_PER_SECOND) + HEADER_BYTES;
  if (size > most) return `a voice message of ${claims.duration} ms takes at most ${most} bytes; this one declares ${size}`;
  return undefined;
}

/**
 * Checks a complete voice upload at `path`, sniffed as `mime`: the type it is to be served as, or why
 * it is refused. The whole file is read (a voice message is small: `voiceClaimProblem` bounded it).
 */
export async function checkVoiceFile(path: string, mime: string, claimed: number, maxVoiceMs: number): Promise<{ mime: string } | { problem: string }> {
  const served = VOICE_TYPES.get(mime.split(';')[0]!.trim());
  if (!served) return { problem: `a voice message must be audio in WebM, Ogg or MP4; this file is ${mime}` };
  const fh = await open(path, 'r');
  let bytes: Buffer;
  try {
    bytes = await fh.readFile();
  } finally {
    await fh.close();
  }
  const plays = audioDuration(bytes);
  // A container the reader cannot measure is judged by the claim's bounds alone ("where practical").
  if (plays === undefined) return { mime: served };
  const slack = durationTolerance(claimed);
  if (plays > maxVoiceMs + slack) return { problem: `the recording plays for ${plays} ms, longer than the ${maxVoiceMs} ms this server allows (limits.maxVoiceMs)` };
  if (Math.abs(plays - claimed) > slack) return { problem: `the recording plays for ${plays} ms, not the ${claimed} ms its duration says` };
  return { mime: served };
}
