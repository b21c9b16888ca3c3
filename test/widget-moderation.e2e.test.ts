// Moderation in the widget, in real Chromium: a guest made moderator mutes another guest from the
// message menu by keyboard alone, pins a message, deletes someone else's; the muted guest reads
// "You are muted for 10 minutes" and why a message was not sent; slow mode is said in words; a
// report is acknowledged. Screenshots of both pages land in test-artifacts/widget/.
import { DEFAULT_WIDGET_DIR } from '@parley/server';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import type { SqlStore } from '../server/src/store/index.js';
import { startNode, type TestNode } from './support/server.js';
import { part, signInAsGuest } from './support/widget-page.js';

const ARTIFACTS = new URL('../test-artifacts/widget/', import.meta.url).pathname;
const STEP = 15_000;
const ADMIN_TOKEN = 'admin-token-of-the-widget-moderation-story';

const message = (page: Page, text: string): Locator => part(page, 'message').filter({ has: page.locator('[part~="message-body"]', { hasText: text }) });

describe.skipIf(!chromiumAvailable())('moderation in the widget (Chromium)', () => {
  let node: TestNode;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  async function guest(name: string, lang = 'en-US'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, locale: lang });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${node.http}/`);
    await signInAsGuest(page, name);
    return page;
  }
  const send = async (page: Page, text: string) => {
    await part(page, 'input').fill(text);
    await part(page, 'send').click();
  };
  const admin = (body: object) =>
    fetch(`${node.http}/admin/api/rooms/lobby/moderate`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  /** A guest's id, by the name they signed in with. */
  const userId = async (name: string): Promise<string> => {
    const rows = await (node.server.store as SqlStore).sql.query<{ id: string }>('SELECT id FROM users WHERE name = $1', [name]);
    return rows[0]!.id;
  };

  beforeAll(async () => {
    if (!existsSync(join(DEFAULT_WIDGET_DIR, 'widget.js'))) throw new Error('the widget is not built: run `npm run build` first');
    mkdirSync(ARTIFACTS, { recursive: true });
    [node, browser] = await Promise.all([startNode('pglite', { adminToken: ADMIN_TOKEN }), launchChromium()]);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await node?.destroy();
  });

  test('a moderator mutes, pins and deletes from the message menu; the muted guest is told in words; slow mode and reports too', async () => {
    const mod = await guest('Mia');
    const spammer = await guest('Sam', 'pt-BR');
    await send(mod, 'Welcome! Please be kind.');
    await message(spammer, 'Welcome! Please be kind.').waitFor({ timeout: STEP });
    // Mia posted, so she is a member of the lobby: the site owner makes her a moderator.
    expect((await admin({ action: 'role', user: await userId('Mia'), role: 'moderator' })).status).toBe(200);

    await send(spammer, 'buy cheap stuff now');
    const spam = message(mod, 'buy cheap stuff now');
    await spam.waitFor({ timeout: STEP });
    // The moderator items appear once the widget read its new role (the `mod` event made it read the rules again).
    await spam.locator('[part~="actions"]').click();
    await part(mod, 'menu-item').and(mod.locator('[data-action="mute"]')).waitFor({ timeout: STEP });
    await mod.screenshot({ path: join(ARTIFACTS, 'moderation-menu.png') });
    // Keyboard only: the menu has focus; End goes to "Ban author", one up is "Mute author for 10 min".
    await mod.keyboard.press('End');
    await mod.keyboard.press('ArrowUp');
    const focused = await mod.evaluate(() => {
      let el: Element | null = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return (el as HTMLElement | null)?.dataset.action ?? null;
    });
    expect(focused).toBe('mute');
    await mod.keyboard.press('Enter');
    await part(mod, 'notice').filter({ hasText: 'Done' }).waitFor({ timeout: STEP });

    // The muted guest (pt-BR) reads it above the composer, and why her next message was not sent.
    await part(spammer, 'rules').filter({ hasText: 'Você está silenciado por 10 minutos' }).waitFor({ timeout: STEP });
    await send(spammer, 'ainda aqui');
    await message(spammer, 'ainda aqui').locator('.state.failed', { hasText: /Não enviada: você está silenciado aqui por mais 10 minutos/ }).waitFor({ timeout: STEP });
    await spammer.screenshot({ path: join(ARTIFACTS, 'moderation-muted-pt-BR.png') });

    // Pin the welcome message: both pages show it above the list.
    await message(mod, 'Welcome! Please be kind.').locator('[part~="actions"]').click();
    await part(mod, 'menu-item').and(mod.locator('[data-action="pin"]')).click();
    await part(spammer, 'pinned').filter({ hasText: 'Welcome! Please be kind.' }).waitFor({ timeout: STEP });
    await part(mod, 'pinned').waitFor({ timeout: STEP });

    // The moderator deletes someone else's message.
    await spam.locator('[part~="actions"]').click();
    await part(mod, 'menu-item').and(mod.locator('[data-action="delete"]')).click();
    await part(mod, 'confirm-delete-yes').click();
    await message(spammer, 'buy cheap stuff now').waitFor({ state: 'detached', timeout: STEP });

    // Unmuted, then slow mode: one message goes, the next is refused with the wait in words.
    expect((await admin({ action: 'unmute', user: await userId('Sam') })).status).toBe(200);
    expect((await admin({ action: 'slow', seconds: 30 })).status).toBe(200);
    await part(spammer, 'rules').filter({ hasText: 'Modo lento: uma mensagem a cada 30 s' }).waitFor({ timeout: STEP });
    await send(spammer, 'primeira');
    await message(mod, 'primeira').waitFor({ timeout: STEP });
    await send(spammer, 'segunda');
    await message(spammer, 'segunda').locator('.state.failed', { hasText: /modo lento, espere \d+ s/ }).waitFor({ timeout: STEP });

    // A report from the guest is acknowledged.
    await message(spammer, 'Welcome! Please be kind.').locator('[part~="actions"]').click();
    await part(spammer, 'menu-item').and(spammer.locator('[data-action="report"]')).click();
    await part(spammer, 'notice').filter({ hasText: 'Denúncia enviada' }).waitFor({ timeout: STEP });
    const reports = await (await fetch(`${node.http}/admin/api/reports?room=lobby`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    expect(reports.reports).toHaveLength(1);
    await spammer.screenshot({ path: join(ARTIFACTS, 'moderation-slow-report-pt-BR.png') });

    // From the member list, the moderator bans Sam; Sam's page is taken out of the room.
    await part(mod, 'members-toggle').click();
    const banSam = part(mod, 'member-ban').and(mod.locator('[aria-label="Ban Sam from this room"]'));
    await banSam.waitFor({ timeout: STEP });
    await mod.screenshot({ path: join(ARTIFACTS, 'moderation-members.png') });
    await banSam.click();
    await expect.poll(async () => (await (node.server.store as SqlStore).sql.query("SELECT 1 FROM sanctions WHERE room_id = 'lobby' AND kind = 'ban'")).length, { timeout: STEP }).toBeGreaterThan(0);
    await send(spammer, 'ainda estou aqui?');
    await message(spammer, 'ainda estou aqui?').locator('.state.failed', { hasText: /banido/ }).waitFor({ timeout: STEP });
    await expect.poll(() => part(mod, 'member-mute').count(), { timeout: STEP }).toBe(0);
  });
});
