// Voice messages end to end in Chromium, two people on two pages: Ana holds the microphone button and
// talks (Chromium's fake microphone plays a WAV this test writes: a tone in pulses), lets go, and
// the recording goes up as a voice attachment; Bruno, on a phone-sized page, sees it with its
// waveform and length and plays it back (the audio's currentTime advances), scrubs it and changes
// the speed. Screenshots of both pages are kept under test-artifacts/voice/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from '@parley/sdk';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { startNode, userToken, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const ARTIFACTS = new URL('../test-artifacts/voice/', import.meta.url).pathname;
const STEP = 20_000;

const part = (page: Page, name: string): Locator => page.locator(`chat-widget [part~="${name}"]`);

/**
 * A mono 16-bit PCM WAV of `seconds` of a 330 Hz tone, loud for half a second then silent for half a
 * second: whenever the fake microphone starts reading it, a recording of a few seconds has both.
 */
function pulsingTone(seconds: number, rate = 48_000): Buffer {
  const n = seconds * rate;
  const wav = Buffer.alloc(44 + n * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + n * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) wav.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 330 * i) / rate) * ((i / rate) % 1 < 0.5 ? 0.8 : 0) * 32767), 44 + i * 2);
  return wav;
}

describe.skipIf(!chromiumAvailable())('voice messages in the chat widget', () => {
  let node: TestNode;
  let site: Server;
  let origin: string;
  let browser: Browser;
  let dir: string;
  const clients: ChatClient[] = [];

  async function openWidget(user: string, name: string, room: string, phone: boolean): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext(phone ? { viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : { viewport: { width: 1000, height: 720 } });
    await context.grantPermissions(['microphone'], { origin });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
    const q = new URLSearchParams({ token: userToken(user, name), room });
    await page.goto(`${origin}/page?${q}`);
    await part(page, 'launcher').click();
    await part(page, 'input').waitFor({ timeout: STEP });
    return { page, problems };
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'parley-voice-'));
    const wav = join(dir, 'pulses.wav');
    writeFileSync(wav, pulsingTone(6));
    site = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/page') return void res.writeHead(204).end();
      const attr = (k: string) => (url.searchParams.get(k) ?? '').replace(/[^A-Za-z0-9._:-]/g, '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
        `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title><h1>Shop</h1>` +
          `<script src="${node.http}/widget.js" data-room="${attr('room')}" data-token="${attr('token')}" data-sound="false" async></script>`,
      );
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    [node, browser] = await Promise.all([
      startNode('pglite', { origins: [origin] }),
      launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required']),
    ]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await browser?.close();
    site?.close();
    await node?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('Ana holds the microphone and talks; Bruno, on a phone, plays it back, scrubs it and speeds it up', async () => {
    const room = `voice-${Date.now().toString(36)}`;
    const owner = new ChatClient({ url: node.url, token: userToken('ana', 'Ana Souza'), WebSocket });
    clients.push(owner);
    await owner.connect();
    await owner.createRoom({ kind: 'public', id: room, name: 'Voice notes' });

    const ana = await openWidget('ana', 'Ana Souza', room, false);
    const bruno = await openWidget('bruno', 'Bruno Lima', room, true);

    // Held for about three seconds, released: sent.
    const mic = part(ana.page, 'voice-button');
    await mic.waitFor({ timeout: STEP });
    const box = (await mic.boundingBox())!;
    await ana.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await ana.page.mouse.down();
    await part(ana.page, 'voice-bar').waitFor({ timeout: STEP });
    await until(async () => /^0:0[3-9]/.test((await part(ana.page, 'voice-time').textContent()) ?? ''), STEP);
    await ana.page.screenshot({ path: join(ARTIFACTS, 'recording-desktop.png') });
    await ana.page.mouse.up();

    // Bruno's phone shows it: a player with the waveform and the length.
    const player = part(bruno.page, 'voice-player');
    await player.waitFor({ timeout: STEP });
    const label = (await player.getAttribute('aria-label')) ?? '';
    expect(label).toMatch(/^Voice message, 0:0[2-4]$/);
    const heights = (page: Page) => page.locator('chat-widget parley-voice-player .bar').evaluateAll((els) => els.map((e) => Math.round(parseFloat((e as HTMLElement).style.height))));
    const bars = await heights(bruno.page);
    expect(bars).toHaveLength(64);
    // Tone and silence alternate: the waveform has tall bars and flat ones, not one level.
    expect(Math.max(...bars)).toBe(100);
    expect(Math.min(...bars)).toBeLessThan(30);

    const audio = bruno.page.locator('chat-widget parley-voice-player audio');
    await part(bruno.page, 'voice-play').tap();
    await until(async () => (await audio.evaluate((a: HTMLAudioElement) => a.currentTime)) > 0.5, STEP);
    await part(bruno.page, 'voice-speed').tap();
    expect(await audio.evaluate((a: HTMLAudioElement) => a.playbackRate)).toBe(1.5);
    await bruno.page.screenshot({ path: join(ARTIFACTS, 'playing-phone.png') });
    // A tap on the waveform's first tenth moves the playback there.
    const wave = (await part(bruno.page, 'voice-wave').boundingBox())!;
    await bruno.page.touchscreen.tap(wave.x + wave.width * 0.1, wave.y + wave.height / 2);
    await until(async () => (await audio.evaluate((a: HTMLAudioElement) => a.currentTime)) < 1, STEP);

    // On the phone, the microphone records hands-free from the keyboard (a tap does the same, but how long
    // a synthetic tap lasts on a loaded machine is not ours to decide); the bar takes the composer's
    // width, and Cancel throws the recording away.
    await part(bruno.page, 'voice-button').focus();
    await bruno.page.keyboard.press('Enter');
    await part(bruno.page, 'voice-send').waitFor({ timeout: STEP });
    await until(async () => /^0:01/.test((await part(bruno.page, 'voice-bar').locator('[part~="voice-time"]').textContent()) ?? ''), STEP);
    expect(await part(bruno.page, 'input').isVisible()).toBe(false);
    await bruno.page.screenshot({ path: join(ARTIFACTS, 'recording-phone.png') });
    await part(bruno.page, 'voice-cancel').tap();
    await part(bruno.page, 'input').waitFor({ timeout: STEP });
    expect(await part(bruno.page, 'voice-player').count()).toBe(1);

    // Ana's own message shows the same player, with the same waveform Bruno got from the server.
    await part(ana.page, 'voice-player').waitFor({ timeout: STEP });
    expect(await heights(ana.page)).toEqual(bars);
    expect([...ana.problems, ...bruno.problems]).toEqual([]);
  }, 120_000);
});
