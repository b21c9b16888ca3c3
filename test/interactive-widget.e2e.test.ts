// Bot buttons and streamed replies in the widget, in real Chromium against a real node (embedded
// store) and the example echo-slowly bot: the reply grows with a caret and a Stop button that the
// bot obeys, the stored answer carries an Again button usable from the keyboard, a click says it was
// sent, and a refused click says why in words.
import { DEFAULT_WIDGET_DIR } from '@parley/server';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { echoSlowlyBot } from '../examples/bot/echo-slowly-bot.js';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { startNode, type TestNode } from './support/server.js';
import { part, signInAsGuest } from './support/widget-page.js';

const ARTIFACTS = new URL('../test-artifacts/widget/', import.meta.url).pathname;
const STEP = 15_000;

describe.skipIf(!chromiumAvailable())('bot buttons and streamed replies in the widget', () => {
  let node: TestNode;
  let browser: Browser;
  let bot: ReturnType<typeof echoSlowlyBot>;

  beforeAll(async () => {
    if (!existsSync(join(DEFAULT_WIDGET_DIR, 'widget.js'))) throw new Error('the widget is not built: run `npm run build` first');
    mkdirSync(ARTIFACTS, { recursive: true });
    [node, browser] = await Promise.all([startNode('pglite'), launchChromium()]);
    const { key } = (await node.server.hub.bots!.create('Echo Slowly', ['lobby'])).key;
    bot = echoSlowlyBot(node.url, key, 250);
    await bot.start();
  });
  afterAll(async () => {
    await bot?.stop();
    await browser?.close();
    await node?.destroy();
  });

  test('a streamed reply grows with a caret, Stop ends it early, and its Again button works from the keyboard', async () => {
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

      const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron';
      await part(page, 'input').fill(`/slowly ${words}`);
      await page.keyboard.press('Enter');
      // Both see it grow; only Ana, whom it answers, may stop it.
      const stream = part(page, 'stream');
      await stream.filter({ hasText: 'beta' }).waitFor({ timeout: STEP });
      expect(await part(page, 'stream-caret').count()).toBe(1);
      await part(watcher, 'stream').filter({ hasText: 'beta' }).waitFor({ timeout: STEP });
      expect(await part(watcher, 'stream-stop').count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, 'stream-growing.png') });
      await part(page, 'stream-stop').click();
      // The stream becomes one stored message, cut short, with the bot's button under it.
      await stream.waitFor({ state: 'detached', timeout: STEP });
      const answer = page.locator('chat-widget [part~="message"][data-author="bot:echoslowly"]').last();
      await answer.locator('[part~="bot-button"]').waitFor({ timeout: STEP });
      const text = (await answer.locator('[part~="message-body"]').first().textContent()) ?? '';
      expect(text.startsWith('alpha beta')).toBe(true);
      expect(text.includes('omicron')).toBe(false);
      expect(await part(watcher, 'stream').count()).toBe(0);

      // Keyboard: focus the button and press Enter; the click is acknowledged and a new stream starts.
      const again = answer.locator('[part~="bot-button"]');
      await again.focus();
      await page.keyboard.press('Enter');
      await answer.locator('[part~="bot-action-state"][data-state="done"]').waitFor({ timeout: STEP });
      expect(await answer.locator('[part~="bot-action-state"]').textContent()).toBe('Sent to the bot');
      await stream.filter({ hasText: 'alpha' }).waitFor({ timeout: STEP });
      await page.screenshot({ path: join(ARTIFACTS, 'stream-again.png') });
      await stream.waitFor({ state: 'detached', timeout: 30_000 });

      // With the bot gone, a click is refused and says so in words.
      await bot.stop();
      await again.click();
      await answer.locator('[part~="bot-action-state"][data-state="failed"]').waitFor({ timeout: STEP });
      expect(await answer.locator('[part~="bot-action-state"]').textContent()).toBe('Not sent: the bot is offline. Try again later.');
      await answer.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, 'bot-action-refused.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await other.close();
    }
  }, 120_000);
});
