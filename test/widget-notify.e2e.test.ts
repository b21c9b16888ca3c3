// The widget's notification settings and link cards in Chromium, against a real node: the demo page
// (strict CSP) shows a message's link as a card, text only, and drops the image its CSP refuses; the
// bell opens do not disturb and mute, which the server keeps; Web Push asks nothing before a click.
import type { SqlStore } from '../server/src/store/index.js';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { startNode, type TestNode } from './support/server.js';
import { until } from './support/until.js';
import { part, signInAsGuest } from './support/widget-page.js';

const ARTIFACTS = new URL('../test-artifacts/widget/', import.meta.url).pathname;
/** A 2x2 PNG, for a card image that a browser can actually decode. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGNkYPjPwMDAxMDAwMDAAAAYBQIBlSbX8AAAAABJRU5ErkJggg==', 'base64');

describe.skipIf(!chromiumAvailable())('notifications and link cards in the widget', () => {
  let node: TestNode;
  let pages: Server;
  let pagesUrl = '';
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let permissionAsked = 0;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    pages = createServer((req, res): unknown => {
      if (req.url === '/cover.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      if (req.url === '/shop') {
        // A third-party page without an img-src policy, embedding the widget from the chat server.
        return res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Shop</title><h1>A shop</h1><script src="${node.http}/widget.js" data-room="lobby" async></script>`);
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><head>
        <meta property="og:title" content="Parley: chat you host <b>yourself</b>">
        <meta property="og:description" content="A fast server, a typed SDK and a small widget.">
        <meta property="og:site_name" content="parley.example">
        <meta property="og:image" content="${pagesUrl}/cover.png"></head></html>`);
      return undefined;
    });
    await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
    pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    // Guests post the links here: the lobby's wait before a new guest may post one is off.
    node = await startNode('pglite', { outboundAllow: ['127.0.0.1'], guestLinkDelayMs: 0 });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.exposeFunction('__permissionAsked', () => permissionAsked++);
    await page.addInitScript(() => {
      const ask = Notification.requestPermission.bind(Notification);
      Notification.requestPermission = (...args: Parameters<typeof ask>) => {
        (window as unknown as { __permissionAsked(): void }).__permissionAsked();
        return ask(...args);
      };
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __csp?: string[] }).__csp?.push(e.violatedDirective) ?? ((window as unknown as { __csp: string[] }).__csp = [e.violatedDirective]));
    });
    await page.goto(`${node.http}/`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await node?.destroy();
    pages?.close();
  });

  test('a message with a link shows its preview card; the image the page CSP blocks is left out', async () => {
    await signInAsGuest(page, 'Ana');
    await part(page, 'input').fill(`read this ${pagesUrl}/about.`);
    await part(page, 'send').click();
    const card = page.locator('chat-widget parley-link-card a');
    await card.waitFor({ timeout: 15_000 });
    expect(await card.getAttribute('href')).toBe(`${pagesUrl}/about`);
    expect(await card.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await card.getAttribute('target')).toBe('_blank');
    // Markup in the page's title is text in the card.
    await expect.poll(() => card.innerText()).toContain('Parley: chat you host <b>yourself</b>');
    expect(await card.locator('b').count()).toBe(0);
    // The demo page's CSP (img-src 'self') refuses the image: the card keeps its text and drops it.
    await until(async () => (await card.locator('img').count()) === 0);
    expect(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])).toContain('img-src');
    expect(problems).toEqual([]);
  });

  test('do not disturb and mute are kept by the server; the settings ask for no permission on their own', async () => {
    // Opening the panel (a click) asked once already, as the widget always has for in-page notifications.
    const askedBefore = permissionAsked;
    await part(page, 'notify-toggle').click();
    const settings = page.locator('chat-widget parley-notify-settings');
    await settings.waitFor();
    await settings.getByLabel('Mute this room').check();
    await settings.getByLabel('Do not disturb').check();
    const sql = (node.server.store as SqlStore).sql;
    await until(async () => {
      const rows = await sql.query<{ dnd: boolean; muted: string[] }>('SELECT dnd, muted FROM notify_settings');
      return rows.length === 1 && rows[0]!.dnd && rows[0]!.muted.includes('lobby');
    });
    expect(permissionAsked).toBe(askedBefore);
    await page.screenshot({ path: join(ARTIFACTS, 'notify-settings.png') });
    await settings.getByLabel('Do not disturb').uncheck();
    await until(async () => (await sql.query<{ dnd: boolean }>('SELECT dnd FROM notify_settings'))[0]?.dnd === false);
    // Headless Chromium has no push service (and refuses the permission): the switch says so in
    // words instead of failing silently; when it can still be clicked, the click is what asks.
    const push = settings.getByLabel('Notify me when I am away');
    if (await push.isEnabled()) {
      await push.click();
      await until(() => permissionAsked === askedBefore + 1);
    }
    await settings.getByText(/could not be turned on|blocked/).waitFor({ timeout: 15_000 });
    expect(problems).toEqual([]);
  });

  test('on a page that allows the image, the card shows it, loaded without a referrer', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    const shop = await context.newPage();
    await shop.goto(`${pagesUrl}/shop`);
    await part(shop, 'launcher').click();
    await part(shop, 'guest-name').fill('Bia');
    await part(shop, 'guest-submit').click();
    const img = shop.locator('chat-widget parley-link-card img');
    await img.waitFor({ timeout: 15_000 });
    expect(await img.getAttribute('referrerpolicy')).toBe('no-referrer');
    await until(async () => (await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)) === 2);
    await shop.screenshot({ path: join(ARTIFACTS, 'link-card.png') });
    await context.close();
  });
});
