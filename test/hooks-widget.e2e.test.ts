// Webhooks and the moderation hook as a widget user sees them, in real Chromium against a real node
// (embedded store) and the example profanity bot: an incoming webhook's message under an
// "Integration" badge, a masked word stored masked, and an advertisement refused in words.
import { DEFAULT_WIDGET_DIR } from '@parley/server';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { profanityBot } from '../examples/bot/profanity-bot.js';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { startNode, type TestNode } from './support/server.js';
import { part, signInAsGuest } from './support/widget-page.js';

const ADMIN = 'admin-token-for-the-hooks-widget-test-0123';
const ARTIFACTS = new URL('../test-artifacts/widget/', import.meta.url).pathname;
const STEP = 15_000;

describe.skipIf(!chromiumAvailable())('webhooks and the moderation hook in the widget', () => {
  let node: TestNode;
  let browser: Browser;
  let bot: ReturnType<typeof profanityBot>;

  beforeAll(async () => {
    if (!existsSync(join(DEFAULT_WIDGET_DIR, 'widget.js'))) throw new Error('the widget is not built: run `npm run build` first');
    mkdirSync(ARTIFACTS, { recursive: true });
    [node, browser] = await Promise.all([startNode('pglite', { adminToken: ADMIN, guestLinkDelayMs: 0 }), launchChromium()]);
    const { key } = (await node.server.hub.bots!.create('Language Filter', ['lobby'], ['moderate'])).key;
    await node.server.hub.webhooks!.setModerationHook({ room: 'lobby', bot: 'bot:languagefilter', timeoutMs: 1000, fail: 'open' });
    bot = profanityBot(node.url, key);
    await bot.start();
  });
  afterAll(async () => {
    await bot?.stop();
    await browser?.close();
    await node?.destroy();
  });

  test('an integration posts under its badge; a masked word arrives masked; an advertisement is refused in words', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${node.http}/`);
      await signInAsGuest(page, 'Ana');

      const made = await fetch(`${node.http}/admin/api/hooks/incoming`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ room: 'lobby', name: 'Deploys' }),
      }).then((r) => r.json() as Promise<{ hook: { id: string }; token: string }>);
      const posted = await fetch(`${node.http}/v1/hooks/${made.hook.id}`, { method: 'POST', headers: { authorization: `Bearer ${made.token}` }, body: JSON.stringify({ body: 'Release 1.4 is live' }) });
      expect(posted.status).toBe(201);
      const badge = part(page, 'hook-badge');
      await badge.waitFor({ timeout: STEP });
      expect(await badge.textContent()).toBe('Integration');
      expect(await badge.getAttribute('title')).toMatch(/^Posted by an integration/);

      const input = part(page, 'input');
      await input.fill('well darn, that was quick');
      await page.keyboard.press('Enter');
      await page.locator('chat-widget').getByText('well ****, that was quick').waitFor({ timeout: STEP });

      await input.fill('casino bonus for everyone');
      await page.keyboard.press('Enter');
      await page.locator('chat-widget').getByText('Not sent: your message was refused by this room\'s moderation: no advertising here').waitFor({ timeout: STEP });
      await page.screenshot({ path: join(ARTIFACTS, 'hooks.png') });
      expect((await node.server.store.messageHistory('lobby', { limit: 20, viewer: 'x' })).events.map((e) => e.body)).not.toContain('casino bonus for everyone');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
