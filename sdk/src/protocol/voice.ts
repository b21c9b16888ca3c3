// Voice messages (protocol section 25): the bounds of an audio attachment's `duration` and
// `waveform`, shared by the widget that computes them and the server that checks them.

export const VoiceLimits = {
  /** Bars the widget computes for a recording. */
  waveformLength: 64,
  /** Fewest and most bars a server accepts (other clients may draw finer or coarser). */
  minWaveform: 8,
  maxWaveform: 256,
  /** Highest level: the loudest slice of the recording. Levels are integers 0..waveformMax (one byte). */
  waveformMax: 255,
  /** Default `limits.maxVoiceMs`: the longest voice message, ms (5 minutes). */
  maxVoiceMs: 300_000,
  /** Shortest voice message, ms. */
  minVoiceMs: 300,
} as const;

/** What a voice attachment carries beyond an ordinary audio file. */
export interface VoiceFields {
  /** Length of the recording, ms. */
  duration: number;
  /** Peak level per slice, integers 0..VoiceLimits.waveformMax. */
  waveform: number[];
}

/** Why `v` is not an acceptable voice attachment under `maxVoiceMs`, in words; undefined when it is. */
export function voiceProblem(v: { duration?: unknown; waveform?: unknown }, maxVoiceMs: number): string | undefined {
  const { duration, waveform } = v;
  if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < VoiceLimits.minVoiceMs)
    return `a voice message needs "duration", a whole number of ms, at least ${VoiceLimits.minVoiceMs}`;
  if (duration > maxVoiceMs) return `a voice message of ${duration} ms is longer than the ${maxVoiceMs} ms this server allows (limits.maxVoiceMs)`;
  if (!Array.isArray(waveform) || waveform.length < VoiceLimits.minWaveform || waveform.length > VoiceLimits.maxWaveform)
    return `a voice message needs "waveform", an array of ${VoiceLimits.minWaveform} to ${VoiceLimits.maxWaveform} levels`;
  if (!waveform.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= VoiceLimits.waveformMax))
    return `every waveform level must be a whole number from 0 to ${VoiceLimits.waveformMax}`;
  return undefined;
}
