// A voice message's waveform: a few dozen small integers computed in the browser from the decoded
// recording (the server only checks their count and range, protocol section 25), and the bars that
// draw it. Shared by the recorder and the player chunks.
import { html, type TemplateResult } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { VoiceLimits } from '@parley/sdk';

/**
 * Peak levels of `samples` (one channel, -1..1) in `count` equal slices, scaled so the loudest slice
 * is `VoiceLimits.waveformMax` and silence is 0. Fewer samples than slices repeat the samples.
 */
export function peaks(samples: Float32Array, count: number = VoiceLimits.waveformLength): number[] {
  const raw: number[] = [];
  for (let i = 0; i < count; i++) {
    const from = Math.floor((i * samples.length) / count);
    const to = Math.max(from + 1, Math.floor(((i + 1) * samples.length) / count));
    let peak = 0;
    for (let j = from; j < to && j < samples.length; j++) peak = Math.max(peak, Math.abs(samples[j]!));
    raw.push(peak);
  }
  const loudest = Math.max(...raw);
  // A silent recording stays flat rather than amplifying noise to full height.
  if (loudest < 1e-4) return raw.map(() => 0);
  return raw.map((p) => Math.round((p / loudest) * VoiceLimits.waveformMax));
}

/** Scales levels recorded live (0..1, any number) to a waveform: used when the browser cannot decode its own recording. */
export function levelsToWaveform(levels: readonly number[], count: number = VoiceLimits.waveformLength): number[] {
  return peaks(Float32Array.from(levels.length ? levels : [0]), count);
}

/** Decodes `blob` and returns its exact duration (ms) and waveform; rejects when the browser cannot decode it. */
export async function analyse(blob: Blob): Promise<{ duration: number; waveform: number[] }> {
  const bytes = await blob.arrayBuffer();
  // An OfflineAudioContext needs no user gesture and plays nothing; its rate only sets the resampling.
  const ctx = new OfflineAudioContext(1, 1, 16000);
  const audio = await ctx.decodeAudioData(bytes);
  return { duration: Math.round(audio.duration * 1000), waveform: peaks(audio.getChannelData(0)) };
}

/** The waveform as bars (heights set through the CSSOM, which a strict style-src allows); the first `played` share (0..1) of them is drawn as played. */
export function renderBars(waveform: readonly number[], played = 0): TemplateResult {
  const on = Math.round(played * waveform.length);
  return html`${waveform.map(
    (v, i) => html`<span class="bar ${i < on ? 'on' : ''}" style=${styleMap({ height: `${Math.max(8, Math.round((v / VoiceLimits.waveformMax) * 100))}%` })}></span>`,
  )}`;
}
