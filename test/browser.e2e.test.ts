// The SDK's browser bundle in real Chromium chats with a Node SDK client through a real node.
import { ChatClient, type RoomEvent } from '@parley/sdk';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { startNode, userToken, type TestNode } from './support/server.js';

const BUNDLE = new URL('../sdk/dist/browser/parley-sdk.js', import.meta.url);

const PAGE = `<!doctype html><meta charset="utf-8"><title>SDK in a browser</title>
<script type="module">
  import { ChatClient } from '/parley-sdk.js';
  window.chat = {
    received: [],
    async start(server, wsUrl, name) {
      const res = await fetch(server + '/v1/guest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      const { token } = await res.json();
      const client = new ChatClient({ url: wsUrl, token });
      window.client = client;
      client.on('message', ({ event }) => window.chat.received.push({ name: event.name, body: event.body, seq: event.seq }));
      const user = await client.connect();
      window.lobby = await client.join('lobby');
      return user;
    },
    send(text) { return window.lobby.send(text); },
    async history() { return (await window.lobby.history({ limit: 50 })).events.map((e) => e.body ?? null); },
  };
  document.title = 'ready';
</script>`;

describe.skipIf(!chromiumAvailable())('SDK in Chromium', () => {
  let node: TestNode;
  let site: Server;
  let siteUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    node = await startNode('pglite');
    const bundle = readFileSync(BUNDLE, 'utf8'); // built by `npm run build`
    site = createServer((req, res) => {
      if (req.url === '/parley-sdk.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    site?.close();
    await node?.destroy();
  });

  async function openPage(name: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
    await page.goto(siteUrl);
    await page.waitForFunction(() => document.title === 'ready');
    const user = await page.evaluate(([h, w, n]) => (window as any).chat.start(h, w, n), [node.http, node.url, name] as const);
    expect(user).toMatchObject({ name, guest: true });
    return page;
  }

  test('a browser client and a Node client chat in real time, both ways', async () => {
    const page = await openPage('Browser Bea');
    const nodeClient = new ChatClient({ url: node.url, token: userToken('nadia', 'Node Nadia'), WebSocket });
    await nodeClient.connect();
    const lobby = await nodeClient.join('lobby');
    const fromBrowser = new Promise<RoomEvent>((resolve) =>
      nodeClient.on('message', ({ event }) => event.name === 'Browser Bea' && resolve(event)),
    );
    await lobby.send('hello from node');
    await page.waitForFunction(() => (window as any).chat.received.some((m: any) => m.body === 'hello from node'));
    const ack = await page.evaluate(() => (window as any).chat.send('hello from the browser'));
    expect(ack.seq).toBeGreaterThan(0);
    const event = await fromBrowser;
    expect(event).toMatchObject({ body: 'hello from the browser', seq: ack.seq });
    await nodeClient.close();
    await page.close();
  });

  test('a reloaded page reads the history back from the server', async () => {
    const page = await openPage('Reloader');
    await page.evaluate(() => (window as any).chat.send('remember me'));
    await page.reload();
    await page.waitForFunction(() => document.title === 'ready');
    await page.evaluate(([h, w]) => (window as any).chat.start(h, w, 'Reloader'), [node.http, node.url] as const);
    const bodies: (string | null)[] = await page.evaluate(() => (window as any).chat.history());
    expect(bodies).toContain('remember me');
    await page.close();
  });
});
