// Bot commands in the widget, in real Chromium against a real node (embedded store) and the example
// weather bot: the `/` list and its keyboard, argument hints and inline checks before sending, the bot's
// answer under a verified badge, an ephemeral /help only the asker sees, and an offline bot in words.
import { DEFAULT_WIDGET_DIR } from '@parley/server';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { weatherBot } from '../examples/bot/weather-bot.js';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { startNode, type TestNode } from './support/server.js';
import { part, signInAsGuest } from './support/widget-page.js';

const ARTIFACTS = new URL('../test-artifacts/widget/', import.meta.url).pathname;
const STEP = 15_000;

describe.skipIf(!chromiumAvailable())('bot commands in the widget', () => {
  let node: TestNode;
  let browser: Browser;
  let bot: ReturnType<typeof weatherBot>;

  beforeAll(async () => {
    if (!existsSync(join(DEFAULT_WIDGET_DIR, 'widget.js'))) throw new Error('the widget is not built: run `npm run build` first');
    mkdirSync(ARTIFACTS, { recursive: true });
    [node, browser] = await Promise.all([startNode('pglite'), launchChromium()]);
    const { key } = (await node.server.hub.bots!.create('WeatherBot', ['lobby'])).key;
    bot = weatherBot(node.url, key);
    await bot.start();
  });
  afterAll(async () => {
    await bot?.stop();
    await browser?.close();
    await node?.destroy();
  });

  test('/ lists the commands with hints, checks the arguments before sending, and the verified bot answers', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${node.http}/`);
      const watcher = await other.newPage();
      await watcher.goto(`${node.http}/`);
      await Promise.all([signInAsGuest(page, 'Ana'), signInAsGuest(watcher, 'Bo')]);

      const input = part(page, 'input');
      await input.pressSequentially('/', { delay: 20 });
      await part(page, 'command-option').first().waitFor({ timeout: STEP });
      expect(await part(page, 'command-option').evaluateAll((els) => els.map((e) => e.getAttribute('data-command')))).toEqual(['weather', 'help']);
      expect(await input.getAttribute('aria-controls')).toBe('command-list');
      expect(await part(page, 'command-option').first().textContent()).toContain('/weather <city> [days]');
      await page.screenshot({ path: join(ARTIFACTS, 'command-list.png') });

      // Keyboard only: Enter completes the highlighted command; the hint shows its arguments.
      await page.keyboard.press('Enter');
      expect(await input.inputValue()).toBe('/weather ');
      await part(page, 'command-hint').waitFor({ timeout: STEP });
      expect(await part(page, 'command-hint').textContent()).toContain('city: City, "quoted" if it has spaces');
      expect(await part(page, 'command-problem').textContent()).toBe('Add the city.');
      await input.pressSequentially('Lisbon 9', { delay: 10 });
      await part(page, 'command-problem').filter({ hasText: 'The days must be from 1 to 3.' }).waitFor({ timeout: STEP });
      await page.screenshot({ path: join(ARTIFACTS, 'command-hint.png') });
      await page.keyboard.press('Enter');
      // Refused in the composer: the draft stays and nothing reaches the room.
      expect(await input.inputValue()).toBe('/weather Lisbon 9');
      expect(await page.locator('chat-widget .refusal').textContent()).toBe('The days must be from 1 to 3.');
      await input.fill('');
      await input.pressSequentially('/weather Lisbon 2', { delay: 5 });
      await part(page, 'command-problem').waitFor({ state: 'detached', timeout: STEP });
      await page.keyboard.press('Enter');

      const answer = (p: Page) => part(p, 'message').and(p.locator('[data-author="bot:weatherbot"]')).filter({ hasText: 'Lisbon: ☀️ 24°, ⛅ 22°' });
      await answer(page).waitFor({ timeout: STEP });
      await answer(watcher).waitFor({ timeout: STEP });
      expect(await answer(page).locator('[part~="bot-badge"]').getAttribute('title')).toMatch(/^Verified bot/);

      // /help answers Ana alone.
      await input.fill('/help');
      await part(page, 'command-option').first().waitFor({ timeout: STEP });
      await page.keyboard.press('Enter');
      const help = part(page, 'ephemeral').filter({ hasText: '/weather <city> [days] — Forecast for a city' });
      await help.waitFor({ timeout: STEP });
      expect(await help.textContent()).toContain('Only you can see this');
      await page.screenshot({ path: join(ARTIFACTS, 'bot-answer.png') });
      await page.waitForTimeout(300);
      expect(await part(watcher, 'ephemeral').count()).toBe(0);

      // The bot goes away: the composer says so before anything is sent.
      await bot.stop();
      await page.waitForTimeout(10_500); // the widget trusts what it read of the commands for 10 s
      await input.fill('');
      await input.pressSequentially('/weather Oslo', { delay: 5 });
      await part(page, 'command-problem').filter({ hasText: 'WeatherBot is offline, so this command cannot be sent now.' }).waitFor({ timeout: STEP });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await other.close();
    }
  }, 90_000);
});
