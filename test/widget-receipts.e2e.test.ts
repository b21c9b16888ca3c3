// Read receipts and unread counts in the real widget, in Chromium: the launcher badge counts the
// server's unread messages, opening the chat clears it (and the sender sees "Seen"), a message the
// user sends in a direct room goes Sent → Delivered → Seen, and a small room shows who read it.
import { ChatClient, type Room } from '@parley/sdk';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { startNode, userToken, type TestNode } from './support/server.js';
import { until } from './support/until.js';
import { part } from './support/widget-page.js';

const ARTIFACTS = new URL('../test-artifacts/widget/', import.meta.url).pathname;
const STEP = 15_000;

describe.skipIf(!chromiumAvailable())('receipts in the chat widget', () => {
  let node: TestNode;
  let site: Server;
  let origin: string;
  let browser: Browser;
  const clients: ChatClient[] = [];

  const connect = async (user: string, name: string): Promise<ChatClient> => {
    const c = new ChatClient({ url: node.url, token: userToken(user, name), WebSocket });
    clients.push(c);
    await c.connect();
    return c;
  };

  /** A host page that embeds the widget for `user` (a host-issued token), opened on `room`. */
  async function openWidget(user: string, name: string, room: string, lang = 'en'): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
    const q = new URLSearchParams({ token: userToken(user, name), room, lang });
    await page.goto(`${origin}/page?${q}`);
    return { page, problems };
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    site = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/page') return void res.writeHead(204).end();
      const attr = (k: string) => (url.searchParams.get(k) ?? '').replace(/[^A-Za-z0-9._:-]/g, '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
        `<!doctype html><html lang="en"><meta charset="utf-8"><title>Shop</title><h1>Shop</h1>` +
          `<script src="${node.http}/widget.js" data-room="${attr('room')}" data-token="${attr('token')}" data-lang="${attr('lang')}" data-sound="false" async></script>`,
      );
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    [node, browser] = await Promise.all([startNode('pglite', { origins: [origin], receiptRoomSize: 5 }), launchChromium()]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await browser?.close();
    site?.close();
    await node?.destroy();
  });

  test('a direct room: the badge counts what came, opening clears it, and the reply goes Sent → Delivered → Seen', async () => {
    const bruno = await connect('bruno', 'Bruno Lima');
    const dm: Room = await bruno.openDirect('ana');
    const first = await dm.send('Oi Ana! Did the order arrive?');
    await dm.send('It should have left on Monday.');

    const { page, problems } = await openWidget('ana', 'Ana Souza', dm.id);
    // Two unread from the server, before the panel was ever opened.
    await part(page, 'badge').filter({ hasText: /^2$/ }).waitFor({ timeout: STEP });
    expect(dm.receipts.get('ana')?.seq ?? 0).toBeLessThan(first.seq);

    await part(page, 'launcher').click();
    await part(page, 'status').and(page.locator('[data-state="connected"]')).waitFor({ timeout: STEP });
    await part(page, 'message-body').filter({ hasText: 'It should have left on Monday.' }).waitFor({ timeout: STEP });
    // Reading in the widget reaches the sender as a receipt, and clears the badge.
    await until(() => (dm.receipts.get('ana')?.seq ?? 0) > first.seq, STEP);
    await part(page, 'close').click().catch(() => {});
    await part(page, 'badge').waitFor({ state: 'detached', timeout: STEP });
    await part(page, 'launcher').click().catch(() => {});

    await part(page, 'input').fill('Yes, it came today. Thank you!');
    await part(page, 'send').click();
    const receipt = part(page, 'receipt');
    await receipt.waitFor({ timeout: STEP });
    // Bruno's client has the message: delivered (two ticks), then he reads it: seen.
    await receipt.and(page.locator('[data-receipt="delivered"]')).waitFor({ timeout: STEP });
    expect(await receipt.textContent()).toContain('Delivered');
    const onBruno = bruno.room(dm.id)!;
    await until(() => onBruno.unread === 1, STEP);
    onBruno.markRead();
    await receipt.and(page.locator('[data-receipt="seen"]')).waitFor({ timeout: STEP });
    expect((await receipt.textContent())?.trim()).toMatch(/✓✓\s+Seen$/);
    await page.screenshot({ path: join(ARTIFACTS, 'dm-seen.png') });
    expect(problems).toEqual([]);
  }, 60_000);

  test('a small room shows who read the last message, a large one does not and says why; pt-BR words', async () => {
    const room = `team-${Date.now().toString(36)}`;
    const large = `all-${Date.now().toString(36)}`;
    const carla = await connect('carla', 'Carla Dias');
    const davi = await connect('davi', 'Davi Rocha');
    const onCarla = await carla.createRoom({ kind: 'public', id: room, name: 'Equipe' });
    const onDavi = await davi.join(room);
    // Six members: past this node's receiptRoomSize (5).
    const inLarge = await carla.createRoom({ kind: 'public', id: large, name: 'Todos', members: ['ana', 'davi', 'x1', 'x2', 'x3'] });
    await inLarge.send('Bom dia a todos');
    const { page, problems } = await openWidget('ana', 'Ana Souza', room, 'pt-BR');
    await part(page, 'launcher').click();
    await part(page, 'status').and(page.locator('[data-state="connected"]')).waitFor({ timeout: STEP });
    await part(page, 'input').fill('Reunião às 15h?');
    await part(page, 'send').click();
    await until(() => onCarla.lastSeq > 0 && onDavi.unread === 1 && onCarla.unread === 1, STEP);
    onCarla.markRead();
    onDavi.markRead();
    const seenBy = part(page, 'seen-by');
    await seenBy.filter({ hasText: 'Vista por' }).waitFor({ state: 'attached', timeout: STEP });
    await until(async () => (await seenBy.getAttribute('title')) === 'Vista por Carla Dias, Davi Rocha' || (await seenBy.getAttribute('title')) === 'Vista por Davi Rocha, Carla Dias', STEP);
    expect(await seenBy.locator('.reader').allTextContents()).toEqual(expect.arrayContaining(['CD', 'DR']));
    await page.screenshot({ path: join(ARTIFACTS, 'room-seen-by.png') });

    // The large room: read by Davi, yet no "seen by"; its member list says why, in words.
    await part(page, 'room').and(page.locator(`[data-room="${large}"]`)).click();
    await part(page, 'message-body').filter({ hasText: 'Bom dia a todos' }).waitFor({ timeout: STEP });
    const daviLarge = await davi.join(large);
    daviLarge.markRead();
    await until(async () => (await davi.listRooms()).rooms.find((r) => r.id === large)?.unread === 0, STEP);
    await part(page, 'members-toggle').click();
    await part(page, 'receipts-note').filter({ hasText: 'Quem leu uma mensagem só aparece em salas de até 5 membros.' }).waitFor({ timeout: STEP });
    expect(await part(page, 'receipt').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'large-room-note.png') });
    expect(problems).toEqual([]);
  }, 60_000);
});
