// Files in the real widget, in Chromium: two images and a PDF dropped on one window arrive in the other
// with thumbnails and a download chip, the image viewer works from the keyboard, a pasted screenshot
// uploads, and refused files are explained in words (English and Portuguese) before or after upload.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { startNode, userToken, type TestNode } from './support/server.js';

const ARTIFACTS = new URL('../test-artifacts/widget/', import.meta.url).pathname;
const STEP = 30_000;
const MAX = 2 * 1024 * 1024;

const part = (page: Page, name: string): Locator => page.locator(`chat-widget [part~="${name}"]`);

interface FileSpec {
  name: string;
  type: string;
  base64: string;
}

const spec = (name: string, type: string, bytes: Buffer): FileSpec => ({ name, type, base64: bytes.toString('base64') });

/** Drops files on the chat panel the way a browser does: dragover, then drop with a DataTransfer. */
async function drop(page: Page, files: FileSpec[]): Promise<void> {
  await page.evaluate((list) => {
    const widget = document.querySelector('chat-widget')!;
    const panel = widget.shadowRoot!.querySelector('parley-chat-panel, chat-panel') ?? widget.shadowRoot!.firstElementChild!;
    const frame = (panel.shadowRoot ?? widget.shadowRoot!).querySelector('.frame')!;
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    frame.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, composed: true, cancelable: true }));
    frame.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, composed: true, cancelable: true }));
  }, files);
}

describe.skipIf(!chromiumAvailable())('files in the chat widget', () => {
  let node: TestNode;
  let site: Server;
  let origin: string;
  let browser: Browser;

  async function openWidget(user: string, name: string, lang = 'en'): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
    const q = new URLSearchParams({ token: userToken(user, name), room: 'lobby', lang });
    await page.goto(`${origin}/page?${q}`);
    await part(page, 'launcher').click();
    await part(page, 'input').waitFor({ timeout: STEP });
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
    [node, browser] = await Promise.all([startNode('pglite', { origins: [origin], uploadMaxBytes: MAX }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    site?.close();
    await node?.destroy();
  });

  test('two images and a PDF dropped in one window arrive in the other with thumbnails; the viewer works from the keyboard', async () => {
    const ana = await openWidget('ana', 'Ana Souza');
    const bo = await openWidget('bo', 'Bo Chen');
    const beach = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#1e88e5' } }).jpeg().toBuffer();
    const sunset = await sharp({ create: { width: 900, height: 1200, channels: 3, background: '#fb8c00' } }).png().toBuffer();
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    await drop(ana.page, [spec('beach.jpg', 'image/jpeg', beach), spec('sunset.png', 'image/png', sunset), spec('report.pdf', 'application/pdf', pdf)]);
    await expect.poll(() => part(ana.page, 'upload').count(), { timeout: STEP }).toBe(3);
    await part(ana.page, 'input').fill('Photos from the trip');
    await part(ana.page, 'input').press('Enter');

    const images = part(bo.page, 'attachment-image').locator('img');
    await expect.poll(() => images.count(), { timeout: STEP }).toBe(2);
    // The thumbnails really loaded (from the server's signed URLs, across origins).
    await expect
      .poll(() => images.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)), { timeout: STEP })
      .toEqual([true, true]);
    const srcs = await images.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src));
    expect(srcs.every((s) => s.startsWith(`${node.http}/v1/files/`) && s.includes('/thumb?'))).toBe(true);
    await expect.poll(() => part(bo.page, 'file-chip').textContent(), { timeout: STEP }).toContain('report.pdf');
    expect(await part(bo.page, 'file-chip').getAttribute('href')).toMatch(/\/v1\/files\/[A-Za-z0-9_-]+\?exp=\d+&sig=/);
    // The sender's tray emptied.
    expect(await part(ana.page, 'upload').count()).toBe(0);
    await bo.page.screenshot({ path: join(ARTIFACTS, 'files-received.png') });

    // The viewer, by keyboard: Enter opens it on the focused image, arrows move, Escape closes.
    await part(bo.page, 'attachment-image').first().focus();
    await bo.page.keyboard.press('Enter');
    const viewer = part(bo.page, 'lightbox');
    await viewer.waitFor({ timeout: STEP });
    expect(await viewer.getAttribute('role')).toBe('dialog');
    expect(await viewer.textContent()).toContain('beach.jpg');
    await bo.page.keyboard.press('ArrowRight');
    await expect.poll(() => viewer.textContent()).toContain('sunset.png');
    await bo.page.screenshot({ path: join(ARTIFACTS, 'files-viewer.png') });
    await bo.page.keyboard.press('Escape');
    await expect.poll(() => viewer.count()).toBe(0);
    expect(ana.problems).toEqual([]);
    expect(bo.problems).toEqual([]);
  });

  test('a pasted screenshot uploads and sends without text', async () => {
    const cy = await openWidget('cy', 'Cy');
    const shot = await sharp({ create: { width: 640, height: 400, channels: 3, background: '#43a047' } }).png().toBuffer();
    await part(cy.page, 'input').focus();
    await cy.page.evaluate((b64) => {
      const widget = document.querySelector('chat-widget')!;
      const find = (root: ParentNode): HTMLTextAreaElement | null =>
        root.querySelector('textarea') ?? Array.from(root.querySelectorAll('*')).map((e) => (e.shadowRoot ? find(e.shadowRoot) : null)).find(Boolean) ?? null;
      const area = find(widget.shadowRoot!)!;
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'screenshot.png', { type: 'image/png' }));
      area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, composed: true, cancelable: true }));
    }, shot.toString('base64'));
    await expect.poll(() => part(cy.page, 'upload').count(), { timeout: STEP }).toBe(1);
    await part(cy.page, 'input').press('Enter');
    await expect.poll(() => part(cy.page, 'attachment-image').count(), { timeout: STEP }).toBeGreaterThan(0);
    expect(cy.problems).toEqual([]);
  });

  test('refused files are explained in words: too large before upload, a web page by the server (pt-BR too)', async () => {
    const dee = await openWidget('dee', 'Dee');
    await drop(dee.page, [spec('huge.bin', 'application/octet-stream', Buffer.alloc(MAX + 1)), spec('page.png', 'image/png', Buffer.from('<!doctype html><html><script>alert(1)</script></html>'))]);
    await expect.poll(() => part(dee.page, 'upload').allTextContents(), { timeout: STEP }).toEqual([
      expect.stringContaining("huge.bin is 2,097,153 bytes; files can be at most 2,097,152 bytes."),
      expect.stringContaining('page.png is a kind of file this chat does not accept'),
    ]);
    await dee.page.screenshot({ path: join(ARTIFACTS, 'files-refused.png') });
    const eva = await openWidget('eva', 'Eva', 'pt-BR');
    await drop(eva.page, [spec('vazio.txt', 'text/plain', Buffer.alloc(0))]);
    await expect.poll(() => part(eva.page, 'upload').textContent(), { timeout: STEP }).toContain('vazio.txt está vazio.');
  });
});
