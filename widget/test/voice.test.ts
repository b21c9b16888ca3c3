// The voice chunk on its own: the waveform maths, the player over a real MediaRecorder recording
// (an oscillator recorded in the page) and the recorder over Chromium's fake microphone
// (--use-fake-device-for-media-stream in the wtr config): hands-free by keyboard, held with the
// mouse, cancelled by Escape and by sliding away.
import { expect } from '@open-wc/testing';
import { resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import { VoiceLimits } from '@parley/sdk';
import '../src/voice-player.js';
import '../src/voice-recorder.js';
import type { VoiceRecording } from '../src/voice-recorder.js';
import { LANGS } from '../src/i18n.js';
import { clock, messageText } from '../src/format.js';
import { analyse, peaks } from '../src/waveform.js';
import { until } from './support/env.js';

declare const axe: { run(context: Element): Promise<{ violations: { id: string; nodes: unknown[] }[] }> };

const t = LANGS.en.voice;

/** Records `ms` of a tone that gets louder in its second half, through the browser's own MediaRecorder. */
async function toneRecording(ms: number): Promise<Blob> {
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  const out = ctx.createMediaStreamDestination();
  osc.frequency.value = 440;
  gain.gain.setValueAtTime(0.1, ctx.currentTime);
  gain.gain.setValueAtTime(0.8, ctx.currentTime + ms / 2000);
  osc.connect(gain).connect(out);
  osc.start();
  const recorder = new MediaRecorder(out.stream, { mimeType: 'audio/webm;codecs=opus' });
  const chunks: Blob[] = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  const stopped = new Promise((r) => (recorder.onstop = r));
  recorder.start(100);
  await new Promise((r) => setTimeout(r, ms));
  recorder.stop();
  await stopped;
  osc.stop();
  await ctx.close();
  return new Blob(chunks, { type: recorder.mimeType });
}

function shadow(el: Element, part: string): HTMLElement {
  const found = el.shadowRoot!.querySelector<HTMLElement>(`[part~="${part}"]`);
  if (!found) throw new Error(`no ${part}`);
  return found;
}

function centre(el: Element): [number, number] {
  const box = el.getBoundingClientRect();
  return [Math.round(box.left + box.width / 2), Math.round(box.top + box.height / 2)];
}

describe('voice waveform', () => {
  it('scales peaks to 0..waveformMax with the loudest slice at the top, and keeps silence flat', () => {
    const samples = new Float32Array(6400);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.sin(i / 5) * (i < 3200 ? 0.1 : 0.5);
    const w = peaks(samples);
    expect(w).to.have.length(VoiceLimits.waveformLength);
    expect(Math.max(...w)).to.equal(VoiceLimits.waveformMax);
    expect(w.every((v) => Number.isInteger(v) && v >= 0 && v <= VoiceLimits.waveformMax)).to.equal(true);
    expect(w[0]).to.be.within(50, 52);
    expect(peaks(new Float32Array(100))).to.deep.equal(new Array(VoiceLimits.waveformLength).fill(0));
    expect(peaks(Float32Array.from([0.5, 1]), 4)).to.deep.equal([128, 128, 255, 255]);
    expect([clock(0), clock(61_999), clock(3_600_000)]).to.deep.equal(['0:00', '1:01', '1:00:00']);
  });

  it('names a voice message in one line where its text would go (quotes, replies, announcements)', () => {
    const voice = { kind: 'voice', duration: 12_400 };
    expect(messageText({ body: '', attachments: [voice] }, LANGS.en)).to.equal('Voice message, 0:12');
    expect(messageText({ body: '', attachments: [voice] }, LANGS['pt-BR'])).to.equal('Mensagem de voz, 0:12');
    expect(messageText({ body: 'listen', attachments: [voice] }, LANGS.en)).to.equal('listen');
    expect(messageText({ body: '', attachments: [{ kind: 'file' }] }, LANGS.en)).to.equal('');
  });

  it('measures a real recording: its length, and a waveform louder where the recording is', async () => {
    const { duration, waveform } = await analyse(await toneRecording(1200));
    expect(duration).to.be.within(900, 1600);
    expect(waveform).to.have.length(64);
    const quiet = waveform.slice(4, 24);
    const loud = waveform.slice(40, 60);
    expect(Math.max(...quiet)).to.be.below(Math.min(...loud));
  });
});

describe('<parley-voice-player>', () => {
  let blob: Blob;
  before(async () => {
    blob = await toneRecording(2000);
  });

  async function player() {
    const { duration, waveform } = await analyse(blob);
    const el = document.createElement('parley-voice-player');
    el.src = URL.createObjectURL(blob);
    el.duration = duration;
    el.waveform = waveform;
    el.t = t;
    document.body.append(el);
    await el.updateComplete;
    return el;
  }

  it('plays, pauses, shows the time and is one labelled group without axe violations', async () => {
    const el = await player();
    try {
      const audio = el.shadowRoot!.querySelector('audio')!;
      expect(shadow(el, 'voice-time').textContent).to.equal(clock(el.duration));
      expect(shadow(el, 'voice-player').getAttribute('aria-label')).to.equal(t.message(clock(el.duration)));
      shadow(el, 'voice-play').click();
      await until(() => audio.currentTime > 0.3, 'playback to advance');
      await el.updateComplete;
      expect(shadow(el, 'voice-play').getAttribute('aria-label')).to.equal(t.pause);
      expect(shadow(el, 'voice-wave').getAttribute('aria-valuetext')).to.match(/^0:0\d of 0:0[12]$/);
      shadow(el, 'voice-play').click();
      await until(() => audio.paused && shadow(el, 'voice-play').getAttribute('aria-label') === t.play, 'the pause, and Play offered again');
      const { violations } = await axe.run(el);
      expect(violations.map((v) => v.id)).to.deep.equal([]);
    } finally {
      el.remove();
    }
  });

  it('scrubs by click, drag and keys, and cycles the speed 1x, 1.5x, 2x', async () => {
    const el = await player();
    try {
      const audio = el.shadowRoot!.querySelector('audio')!;
      const wave = shadow(el, 'voice-wave');
      const box = wave.getBoundingClientRect();
      const y = Math.round(box.top + box.height / 2);
      // A click at three quarters of the waveform.
      await sendMouse({ type: 'click', position: [Math.round(box.left + box.width * 0.75), y] });
      await until(() => Math.abs(audio.currentTime * 1000 - el.duration * 0.75) < 150, 'the seek to three quarters');
      await el.updateComplete;
      expect(wave.querySelectorAll('.bar.on').length).to.be.within(46, 50);
      // A drag from a quarter back to the start.
      await sendMouse({ type: 'move', position: [Math.round(box.left + box.width * 0.25), y] });
      await sendMouse({ type: 'down' });
      await sendMouse({ type: 'move', position: [Math.round(box.left - 40), y] });
      await sendMouse({ type: 'up' });
      await until(() => audio.currentTime === 0, 'the drag to the start');
      await resetMouse();
      // Keys, with the slider focused.
      wave.focus();
      await sendKeys({ press: 'ArrowRight' });
      expect(audio.currentTime).to.be.closeTo(1, 0.01);
      // The decoded length and the element's differ by a frame or so: the element clamps to its own.
      await sendKeys({ press: 'End' });
      expect(audio.currentTime * 1000).to.be.closeTo(el.duration, 100);
      await sendKeys({ press: 'ArrowLeft' });
      expect(audio.currentTime * 1000).to.be.closeTo(el.duration - 1000, 100);
      await sendKeys({ press: 'Home' });
      expect(audio.currentTime).to.equal(0);
      await el.updateComplete;
      expect(wave.getAttribute('aria-valuenow')).to.equal('0');
      const speed = shadow(el, 'voice-speed');
      const rates = [];
      for (let i = 0; i < 3; i++) {
        speed.click();
        await el.updateComplete;
        rates.push([speed.textContent, audio.playbackRate]);
      }
      expect(rates).to.deep.equal([['1.5×', 1.5], ['2×', 2], ['1×', 1]]);
      expect(speed.getAttribute('aria-label')).to.equal(t.speed('1×'));
    } finally {
      el.remove();
    }
  });

  it('asks for its URL once shown, and for a fresh one when the first fails (an expired link)', async () => {
    const { duration, waveform } = await analyse(blob);
    const asked: string[] = [];
    const urls = ['data:audio/webm;base64,AAAA', URL.createObjectURL(blob)];
    const el = document.createElement('parley-voice-player');
    Object.assign(el, { duration, waveform, t, load: async () => (asked.push('url'), urls[asked.length - 1]!) });
    document.body.append(el);
    try {
      await until(() => asked.length === 2, 'a second URL after the first failed');
      const audio = el.shadowRoot!.querySelector('audio')!;
      await until(() => audio.src === urls[1], 'the fresh URL on the audio');
      await el.toggle();
      await until(() => audio.currentTime > 0.2, 'playback from the fresh URL');
      expect(el.shadowRoot!.querySelector('[role="note"]')).to.equal(null);
    } finally {
      el.remove();
    }
  });

  it('plays one voice message at a time and says so when the audio cannot be played', async () => {
    const a = await player();
    const b = await player();
    const broken = document.createElement('parley-voice-player');
    Object.assign(broken, { src: 'data:audio/webm;base64,AAAA', duration: 5000, waveform: new Array(64).fill(3), t });
    document.body.append(broken);
    try {
      await a.toggle();
      await b.toggle();
      await until(() => a.shadowRoot!.querySelector('audio')!.paused && !b.shadowRoot!.querySelector('audio')!.paused, 'the first to pause when the second plays');
      await until(() => broken.shadowRoot!.querySelector('[role="note"]'), 'the failure to show');
      expect(broken.shadowRoot!.textContent).to.contain(t.unavailable).and.contain('0:05');
    } finally {
      a.remove();
      b.remove();
      broken.remove();
    }
  });
});

describe('<parley-voice-recorder>', () => {
  async function recorder(maxMs: number = VoiceLimits.maxVoiceMs) {
    const el = document.createElement('parley-voice-recorder');
    el.t = t;
    el.maxMs = maxMs;
    const got: VoiceRecording[] = [];
    const problems: string[] = [];
    const states: boolean[] = [];
    el.addEventListener('voice-recorded', (e) => got.push((e as CustomEvent<VoiceRecording>).detail));
    el.addEventListener('voice-problem', (e) => problems.push((e as CustomEvent<{ message: string }>).detail.message));
    el.addEventListener('voice-state', (e) => states.push((e as CustomEvent<{ recording: boolean }>).detail.recording));
    document.body.append(el);
    await el.updateComplete;
    return { el, got, problems, states };
  }

  afterEach(() => resetMouse());

  it('records hands-free from the keyboard, with a moving timer and level, and sends on Stop and send', async () => {
    const { el, got, states } = await recorder();
    try {
      shadow(el, 'voice-button').focus();
      await sendKeys({ press: 'Enter' });
      const send = await until(() => el.shadowRoot!.querySelector<HTMLElement>('[part~="voice-send"]'), 'the hands-free bar');
      expect(el.hasAttribute('recording')).to.equal(true);
      await until(() => el.shadowRoot!.activeElement === send, 'focus on Stop and send');
      await until(() => /^0:01 \/ 5:00$/.test(shadow(el, 'voice-time').textContent ?? ''), 'a second on the timer', 4000);
      const { violations } = await axe.run(el);
      expect(violations.map((v) => v.id)).to.deep.equal([]);
      await sendKeys({ press: 'Enter' });
      const rec = await until(() => got[0], 'the recording');
      expect(rec.type).to.match(/^audio\/webm/);
      expect(rec.blob.size).to.be.above(1000);
      expect(rec.duration).to.be.within(900, 3000);
      expect(rec.waveform).to.have.length(64);
      expect(rec.waveform.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).to.equal(true);
      expect(states).to.deep.equal([true, false]);
      expect(el.hasAttribute('recording')).to.equal(false);
    } finally {
      el.remove();
    }
  });

  it('records while the button is held and sends on release; Escape and sliding away cancel', async () => {
    const { el, got, problems } = await recorder();
    try {
      const at = centre(shadow(el, 'voice-button'));
      await sendMouse({ type: 'move', position: at });
      await sendMouse({ type: 'down' });
      await until(() => el.shadowRoot!.querySelector('[part~="voice-bar"]'), 'the bar while held');
      await new Promise((r) => setTimeout(r, 900));
      expect(el.shadowRoot!.querySelector('[part~="voice-send"]'), 'no buttons while held').to.equal(null);
      await sendMouse({ type: 'up' });
      await until(() => got.length === 1, 'the held recording');
      expect(got[0]!.duration).to.be.within(500, 3000);

      // A click (a press shorter than a tap) locks: hands-free, with Cancel.
      await sendMouse({ type: 'down' });
      await sendMouse({ type: 'up' });
      const cancel = await until(() => el.shadowRoot!.querySelector<HTMLElement>('[part~="voice-cancel"]'), 'hands-free after a click');
      cancel.click();
      await until(() => !el.hasAttribute('recording'), 'Cancel');

      // Held, then slid 120 px away: cancelled, nothing recorded.
      await sendMouse({ type: 'down' });
      await until(() => el.shadowRoot!.querySelector('[part~="voice-bar"]'), 'the second recording');
      await new Promise((r) => setTimeout(r, 500));
      await sendMouse({ type: 'move', position: [at[0] - 120, at[1]] });
      await until(() => !el.hasAttribute('recording'), 'the slide to cancel');
      await sendMouse({ type: 'up' });
      expect(el.shadowRoot!.textContent).to.contain(t.cancelled);

      // Held (the button never takes focus), then Escape: cancelled all the same.
      await sendMouse({ type: 'move', position: at });
      await sendMouse({ type: 'down' });
      await until(() => el.hasAttribute('recording') && el.shadowRoot!.querySelector('[part~="voice-time"]'), 'the third recording');
      await new Promise((r) => setTimeout(r, 300));
      await sendKeys({ press: 'Escape' });
      await until(() => !el.hasAttribute('recording'), 'Escape while held');
      await sendMouse({ type: 'up' });

      // Hands-free, then Escape.
      shadow(el, 'voice-button').focus();
      await sendKeys({ press: 'Space' });
      await until(() => el.shadowRoot!.querySelector('[part~="voice-send"]'), 'hands-free again');
      await new Promise((r) => setTimeout(r, 400));
      await sendKeys({ press: 'Escape' });
      await until(() => !el.hasAttribute('recording'), 'Escape to cancel');
      await until(() => el.shadowRoot!.activeElement === shadow(el, 'voice-button'), 'focus back on the microphone');
      await new Promise((r) => setTimeout(r, 300));
      expect(got).to.have.length(1);
      expect(problems).to.deep.equal([]);
    } finally {
      el.remove();
    }
  });

  it('stops at the maximum length, says so in words and sends what it has', async () => {
    const { el, got, problems } = await recorder(1500);
    try {
      shadow(el, 'voice-button').focus();
      await sendKeys({ press: 'Enter' });
      await until(() => el.shadowRoot!.querySelector('[part~="voice-time"]')?.textContent === '0:00 / 0:01', 'the limit on the timer');
      const rec = await until(() => got[0], 'the recording the limit stopped', 5000);
      expect(rec.duration).to.be.within(900, 1500);
      expect(problems).to.deep.equal([t.limitReached('0:01')]);
    } finally {
      el.remove();
    }
  });

  it('refuses a recording too short to send, in words', async () => {
    const { el, got, problems } = await recorder();
    try {
      shadow(el, 'voice-button').focus();
      await sendKeys({ press: 'Enter' });
      const send = await until(() => el.shadowRoot!.querySelector<HTMLElement>('[part~="voice-send"]'), 'the bar');
      send.click();
      await until(() => problems.length, 'the refusal');
      expect(problems).to.deep.equal([t.tooShort]);
      expect(got).to.deep.equal([]);
    } finally {
      el.remove();
    }
  });
});
