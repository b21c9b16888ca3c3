// The widget's search view in real Chromium against a real node: the header button loads the view,
// results come with their matches in <mark>, empty and refused searches say so in words, the keyboard
// reaches the results, and picking an old result shows the history around it with the message marked.
import { DEFAULT_WIDGET_DIR } from '@parley/server';
import { Op } from '@parley/sdk/protocol';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { RawClient } from './support/raw-client.js';
import { startNode, userToken, type TestNode } from './support/server.js';
import { part, signInAsGuest } from './support/widget-page.js';

const ARTIFACTS = new URL('../test-artifacts/widget/', import.meta.url).pathname;
const STEP = 15_000;
const texts = (l: Locator) => l.evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));

describe.skipIf(!chromiumAvailable())('search view in the widget', () => {
  let node: TestNode;
  let browser: Browser;
  let seeder: RawClient;

  beforeAll(async () => {
    if (!existsSync(join(DEFAULT_WIDGET_DIR, 'widget.js'))) throw new Error('the widget is not built: run `npm run build` first');
    mkdirSync(ARTIFACTS, { recursive: true });
    [node, browser] = await Promise.all([startNode('pglite', { sendRate: 1000, frameRate: 1000, searchRate: 100 }), launchChromium()]);
    // An old message, more than a history page of others, then a recent one: the old one is not loaded
    // when the room opens, so jumping to it needs the page around it.
    seeder = await RawClient.signedIn(node.url, userToken('rita', 'Rita'));
    await seeder.ok({ t: Op.Join, room: 'lobby' });
    await seeder.ok({ t: Op.Send, room: 'lobby', cid: 'old', body: 'A reunião de ação foi ótima, zebrafish incluído' });
    for (let i = 0; i < 60; i++) await seeder.ok({ t: Op.Send, room: 'lobby', cid: `f${i}`, body: `filler message ${i}` });
    await seeder.ok({ t: Op.Send, room: 'lobby', cid: 'new', body: 'Another zebrafish today' });
  });
  afterAll(async () => {
    seeder?.ws.terminate();
    await browser?.close();
    await node?.destroy();
  });

  test('search, marked matches, empty and refused states, keyboard, and a jump to an old message', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${node.http}/`);
    await signInAsGuest(page, 'Ana');

    await part(page, 'search-toggle').click();
    const input = part(page, 'search-input');
    await input.waitFor({ timeout: STEP });
    // The view opens with focus in its input and a hint of what search does.
    expect(await input.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true);
    expect(await texts(part(page, 'search-status'))).toEqual([expect.stringContaining('Accents and capitals do not matter')]);

    await input.fill('ACAO zebra');
    await input.press('Enter');
    await part(page, 'search-result').first().waitFor({ timeout: STEP });
    expect(await part(page, 'search-result').count()).toBe(1);
    expect(await texts(part(page, 'search-match'))).toEqual(['ação', 'zebra']);
    // Matches are <mark> elements around text; the body itself is text, not markup.
    expect(await part(page, 'search-match').first().evaluate((el) => el.tagName)).toBe('MARK');

    await input.fill('zebrafish');
    await input.press('Enter');
    await expect.poll(() => part(page, 'search-result').count(), { timeout: STEP }).toBe(2);
    const results = await texts(part(page, 'search-result'));
    expect(results[0]).toContain('Another zebrafish today');
    expect(results[1]).toContain('A reunião de ação foi ótima');
    await page.screenshot({ path: join(ARTIFACTS, 'search-results.png') });

    // Keyboard: down from the input to the first result, down again to the second.
    await input.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await part(page, 'search-result').nth(1).evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true);

    // Enter picks it: the room opens around that old message, marked and focused, with a way back.
    await page.keyboard.press('Enter');
    const found = page.locator('chat-widget [data-found]');
    await found.waitFor({ timeout: STEP });
    expect(await found.textContent()).toContain('A reunião de ação foi ótima');
    expect(await part(page, 'found-back').count()).toBe(1);
    const around = await texts(part(page, 'message-body'));
    expect(around).toContain('filler message 0');
    expect(around).not.toContain('Another zebrafish today');
    await page.screenshot({ path: join(ARTIFACTS, 'search-found.png') });
    await part(page, 'found-back').click();
    await part(page, 'message-body').filter({ hasText: 'Another zebrafish today' }).waitFor({ timeout: STEP });

    // Nothing found, and a query with no word: both said in words.
    await part(page, 'search-toggle').click();
    await part(page, 'search-input').fill('nothingmatcheshere');
    await part(page, 'search-input').press('Enter');
    await expect.poll(() => texts(part(page, 'search-status')), { timeout: STEP }).toEqual(['No messages match “nothingmatcheshere”.']);
    await part(page, 'search-input').fill('&|!:*()');
    await part(page, 'search-input').press('Enter');
    await expect.poll(() => texts(part(page, 'search-status')), { timeout: STEP }).toEqual(['Type at least one word (letters or digits).']);
    expect(await part(page, 'search-status').getAttribute('role')).toBe('alert');
    // Escape closes the view and gives focus back to the button.
    await part(page, 'search-input').press('Escape');
    await part(page, 'search-input').waitFor({ state: 'detached', timeout: STEP });
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
