// The admin console in real Chromium, by keyboard alone (Tab, typing, Enter): sign in with the admin
// token, lock the lobby, set slow mode, ban a spammer from the report queue, rotate a bot's key; then
// the same screens in pt-BR and on a narrow screen. axe finds nothing on any pane. Screenshots land in
// test-artifacts/admin/.
import { DEFAULT_WIDGET_DIR } from '@parley/server';
import { Op } from '@parley/sdk/protocol';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { RawClient } from './support/raw-client.js';
import { startNode, userToken, type TestNode } from './support/server.js';

const ARTIFACTS = new URL('../test-artifacts/admin/', import.meta.url).pathname;
const STEP = 15_000;
const ADMIN_TOKEN = 'admin-token-of-the-admin-console-story-0123';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Presses Tab until `target` has the focus (inside shadow roots too): the way a keyboard user gets there. */
async function tabTo(page: Page, target: Locator, max = 80): Promise<void> {
  const handle = await target.elementHandle({ timeout: STEP });
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate((el) => {
      let active = document.activeElement;
      while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
      return active === el;
    }, handle);
    if (focused) return;
  }
  throw new Error(`${String(target)} cannot be reached with Tab`);
}

/** axe's violations on the page as it is (open shadow roots included), as "rule: target" lines. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: the console's CSP (no inline script) does not apply to it.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }),
  );
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${JSON.stringify(n.target)}`));
}

describe.skipIf(!chromiumAvailable())('the admin console (Chromium, keyboard only)', () => {
  let node: TestNode;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const clients: RawClient[] = [];
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${node.http}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
    return (await res.json()) as Record<string, any>;
  };

  async function open(lang = 'en-US', width = 1200): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width, height: 860 }, locale: lang });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    await page.goto(`${node.http}/admin`);
    return { page, errors };
  }

  async function signIn(page: Page, button = 'Sign in'): Promise<void> {
    await tabTo(page, page.getByLabel(button === 'Sign in' ? 'Admin token' : 'Token de administrador'));
    await page.keyboard.type(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.locator('nav a').first().waitFor({ timeout: STEP });
  }

  beforeAll(async () => {
    if (!existsSync(join(DEFAULT_WIDGET_DIR, 'admin', 'admin.js'))) throw new Error('the admin console is not built: run `npm run build` first');
    mkdirSync(ARTIFACTS, { recursive: true });
    [node, browser] = await Promise.all([startNode('pglite', { adminToken: ADMIN_TOKEN, sendRate: 1000, frameRate: 1000 }), launchChromium()]);
    // A member reports a spammer's message in the lobby; a bot with one key exists.
    const alice = await RawClient.signedIn(node.url, userToken('alice', 'Alice'));
    const spammer = await RawClient.signedIn(node.url, userToken('spam', 'Spammy'));
    clients.push(alice, spammer);
    await alice.ok({ t: Op.Join, room: 'lobby' });
    await spammer.ok({ t: Op.Join, room: 'lobby' });
    await alice.ok({ t: Op.Send, room: 'lobby', cid: 'a1', body: 'Hello everyone' });
    const spam = await spammer.ok({ t: Op.Send, room: 'lobby', cid: 's1', body: 'buy cheap pills at example dot com' });
    await alice.ok({ t: Op.Report, room: 'lobby', seq: spam.seq, reason: 'spam' });
    await api('POST', '/admin/api/bots', { name: 'WeatherBot', rooms: ['lobby'] });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await node?.destroy();
  });

  test('sign in, lock the lobby, set slow mode, ban from the report queue, rotate a bot key: all by keyboard, axe clean', async () => {
    const { page, errors } = await open();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'sign-in.png') });
    // The page is served under the strict policy; the token is in no URL.
    const policy = (await page.request.get(`${node.http}/admin`)).headers()['content-security-policy'];
    expect(policy).toContain("script-src 'self'");
    await signIn(page);
    expect(page.url()).not.toContain(ADMIN_TOKEN);
    await page.getByText('Signed in as Admin').waitFor({ timeout: STEP });

    // Rooms: manage the lobby, lock it.
    await tabTo(page, page.getByRole('button', { name: 'Manage lobby' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Settings of lobby/ }).waitFor({ timeout: STEP });
    expect(await axeViolations(page)).toEqual([]);
    await tabTo(page, page.getByRole('button', { name: 'Lock the room' }));
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'The room is locked.' }).waitFor({ timeout: STEP });
    expect((await api('GET', '/admin/api/rooms/lobby/rules')).rules.locked).toBe(true);

    // Slow mode: 30 s.
    await tabTo(page, page.getByLabel('Seconds between messages'));
    await page.keyboard.press('Control+A');
    await page.keyboard.type('30');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'one message every 30 s' }).waitFor({ timeout: STEP });
    expect((await api('GET', '/admin/api/rooms/lobby/rules')).rules.slowMs).toBe(30_000);
    await page.screenshot({ path: join(ARTIFACTS, 'room-settings.png'), fullPage: true });

    // The report queue: the spammer's message, banned from there.
    await tabTo(page, page.getByRole('link', { name: 'Reports' }));
    await page.keyboard.press('Enter');
    await page.getByText('buy cheap pills at example dot com').waitFor({ timeout: STEP });
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'reports.png'), clip: { x: 0, y: 0, width: 1200, height: 350 } });
    await tabTo(page, page.getByRole('button', { name: 'Ban the author' }));
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Spammy is banned from the room' }).waitFor({ timeout: STEP });
    await page.getByText('No open reports.').waitFor({ timeout: STEP });
    const rules = await api('GET', '/admin/api/rooms/lobby/rules');
    expect(rules.sanctions).toEqual([expect.objectContaining({ subject: 'user:spam', kind: 'ban', by: 'admin' })]);
    expect((await spammer(clients).next((f) => f.t === Op.Restriction, STEP)).action).toBe('ban');

    // Bots: rotate WeatherBot's key; the new key is shown once.
    const before = (await api('GET', '/admin/api/bots')).bots[0].keys[0].id as string;
    await tabTo(page, page.getByRole('link', { name: 'Bots and keys' }));
    await page.keyboard.press('Enter');
    await tabTo(page, page.getByRole('button', { name: `Rotate WeatherBot ${before}` }));
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'New key' }).waitFor({ timeout: STEP });
    const keys = (await api('GET', '/admin/api/bots')).bots[0].keys as { id: string; revoked: boolean }[];
    expect(keys.find((k) => k.id === before)?.revoked).toBe(true);
    const fresh = keys.find((k) => !k.revoked)!;
    expect(await page.locator(`code[data-key-id="${fresh.id}"]`).textContent()).toMatch(/\S{20,}/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'bots.png'), fullPage: true });

    // Every other pane is axe clean too; the audit log shows what was done.
    for (const [link, ready] of [
      ['Audit log', page.getByRole('cell', { name: 'lock', exact: true })],
      ['Users', page.getByRole('button', { name: 'Manage Spammy' })],
      ['Webhooks', page.getByRole('heading', { name: 'Incoming webhooks' })],
      ['Live figures', page.getByText(/Connections/)],
    ] as const) {
      await tabTo(page, page.getByRole('link', { name: link }));
      await page.keyboard.press('Enter');
      await ready.first().waitFor({ timeout: STEP });
      expect(await axeViolations(page), link).toEqual([]);
    }
    // Webhooks: an incoming hook for the lobby, its token shown once.
    await tabTo(page, page.getByRole('link', { name: 'Webhooks' }));
    await page.keyboard.press('Enter');
    await tabTo(page, page.getByRole('textbox', { name: 'Room' }).first());
    await page.keyboard.type('lobby');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Status page');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'The hook\'s token' }).waitFor({ timeout: STEP });
    expect((await api('GET', '/admin/api/hooks')).incoming).toEqual([expect.objectContaining({ room: 'lobby', name: 'Status page', revoked: false })]);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'webhooks.png'), fullPage: true });

    await tabTo(page, page.getByRole('link', { name: 'Live figures' }));
    await page.keyboard.press('Enter');
    await page.locator('[data-figure="connections"] [data-value]').filter({ hasText: /^\d+$/ }).waitFor({ timeout: STEP });
    await page.screenshot({ path: join(ARTIFACTS, 'figures.png') });
    expect(errors).toEqual([]);
  }, 120_000);

  test('in pt-BR on a narrow screen: the words are Portuguese, the layout fits, axe clean', async () => {
    const { page, errors } = await open('pt-BR', 380);
    await page.getByRole('heading', { name: 'Entrar no console de administração' }).waitFor({ timeout: STEP });
    await signIn(page, 'Entrar');
    await page.getByRole('button', { name: 'Gerenciar lobby' }).waitFor({ timeout: STEP });
    expect(await axeViolations(page)).toEqual([]);
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(380);
    await page.screenshot({ path: join(ARTIFACTS, 'rooms-pt-BR-narrow.png'), fullPage: true });
    await tabTo(page, page.getByRole('button', { name: 'Gerenciar lobby' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Trancar: Trancada/ }).waitFor({ timeout: STEP });
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(380);
    expect(errors).toEqual([]);
  }, 60_000);
});

/** The spammer's connection (the second client opened). */
function spammer(clients: RawClient[]): RawClient {
  return clients[1]!;
}
