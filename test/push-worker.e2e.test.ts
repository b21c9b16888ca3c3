// The Web Push service worker (/parley-sw.js, served by the node) in real Chromium: a push delivered
// through the DevTools protocol (ServiceWorker.deliverPushMessage, as the browser's push service would)
// shows a notification with the sender, room and text; garbage still shows a plain one.
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { startNode, type TestNode } from './support/server.js';
import { until } from './support/until.js';

interface Shown {
  title: string;
  body: string;
  tag: string;
  data: { room?: string; seq?: number };
}

describe.skipIf(!chromiumAvailable())('the push service worker in Chromium', () => {
  let node: TestNode;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let registrationId = '';

  beforeAll(async () => {
    node = await startNode('pglite');
    browser = await launchChromium();
    context = await browser.newContext({ bypassCSP: true });
    await context.grantPermissions(['notifications'], { origin: node.http });
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      for (const r of registrations as { registrationId: string; scopeURL: string; isDeleted: boolean }[]) {
        if (r.scopeURL === `${node.http}/` && !r.isDeleted) registrationId = r.registrationId;
      }
    });
    await cdp.send('ServiceWorker.enable');
    await page.goto(`${node.http}/`);
    const state = await page.evaluate(async () => {
      await navigator.serviceWorker.register('/parley-sw.js');
      const reg = await navigator.serviceWorker.ready;
      const worker = reg.active!;
      if (worker.state !== 'activated') await new Promise((r) => worker.addEventListener('statechange', () => worker.state === 'activated' && r(null)));
      return worker.state;
    });
    expect(state).toBe('activated');
    await until(() => registrationId !== '');
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await node?.destroy();
  });

  async function deliver(data: string, tag: string): Promise<Shown> {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: node.http, registrationId, data });
    let shown: Shown | undefined;
    await until(async () => {
      const all = await page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as Shown['data'] })),
      );
      shown = all.find((n) => n.tag === tag);
      return shown !== undefined;
    });
    return shown!;
  }

  test('a mention shows the sender and the room, one notification per room', async () => {
    const shown = await deliver(JSON.stringify({ v: 1, kind: 'mention', room: 'team', roomName: 'Team room', seq: 42, from: 'Alice', text: '@Carol the deploy is done' }), 'parley:team');
    expect(shown).toEqual({ title: 'Alice · Team room', body: '@Carol the deploy is done', tag: 'parley:team', data: { room: 'team', seq: 42 } });
    // A newer message in the same room replaces it rather than piling up.
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: node.http, registrationId, data: JSON.stringify({ v: 1, kind: 'mention', room: 'team', roomName: 'Team room', seq: 43, from: 'Bob', text: 'and again' }) });
    await until(async () => (await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications({ tag: 'parley:team' })).map((n) => n.body))).join() === 'and again');
  });

  test('a direct message shows the sender as the title; markup stays text', async () => {
    const shown = await deliver(JSON.stringify({ v: 1, kind: 'dm', room: 'dm:abc', seq: 7, from: 'Bob <b>', text: '<img src=x onerror=alert(1)>' }), 'parley:dm:abc');
    expect(shown).toMatchObject({ title: 'Bob <b>', body: '<img src=x onerror=alert(1)>' });
  });

  test('a voice message, which has no text, shows a stand-in with its length; a length that is not a number shows none', async () => {
    const shown = await deliver(JSON.stringify({ v: 1, kind: 'dm', room: 'dm:voice', seq: 9, from: 'Ana', text: '', voice: 12_400 }), 'parley:dm:voice');
    expect(shown).toMatchObject({ title: 'Ana', body: 'Voice message, 0:12' });
    const odd = await deliver(JSON.stringify({ v: 1, kind: 'dm', room: 'dm:odd', seq: 3, from: 'Ana', text: '', voice: '12400' }), 'parley:dm:odd');
    expect(odd).toMatchObject({ title: 'Ana', body: '' });
  });

  test('a push that is not JSON still shows a notification', async () => {
    const shown = await deliver('not json at all', 'parley');
    expect(shown).toMatchObject({ title: 'Parley', body: '' });
  });
});
