// The embeddable <chat-widget> end to end: real Chromium pages load /widget.js from a real node (the
// demo page at `/`, and third-party pages on another origin, with and without a strict CSP), sign in
// as guests and chat. Selectors are the contract's `part` names (Playwright CSS pierces shadow roots).
import { DEFAULT_WIDGET_DIR } from '@parley/server';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { freePort } from './support/process.js';
import { startNode, type TestNode } from './support/server.js';
import { connected, part, signInAsGuest } from './support/widget-page.js';

/** Screenshots land here (git-ignored); CI can keep the directory as a build artifact. */
const ARTIFACTS = new URL('../test-artifacts/widget/', import.meta.url).pathname;
const STEP_TIMEOUT = 15_000;

/** Records CSP violations, console errors and uncaught exceptions of a page, from before its first script. */
async function watch(page: Page): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
  await page.addInitScript(() => {
    const seen: string[] = ((window as unknown as { __csp: string[] }).__csp = []);
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
  });
  return async () => [...problems, ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).map((v) => `CSP: ${v}`)];
}

async function send(page: Page, text: string): Promise<void> {
  await part(page, 'input').fill(text);
  await part(page, 'send').click();
}

/** The message whose body is exactly `text` (text= matching would also find substrings). */
function message(page: Page, text: string): Locator {
  return part(page, 'message').filter({ has: page.locator('[part~="message-body"]', { hasText: new RegExp(`^${escapeRegExp(text)}$`) }) });
}

async function bodies(page: Page): Promise<string[]> {
  return part(page, 'message-body').evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe.skipIf(!chromiumAvailable())('chat widget in Chromium', () => {
  let node: TestNode;
  let browser: Browser;
  let demo: string;
  const contexts: BrowserContext[] = [];

  async function newPage(options: BrowserContextOptions = {}, url = demo): Promise<{ page: Page; context: BrowserContext; problems: () => Promise<string[]> }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
    contexts.push(context);
    const page = await context.newPage();
    const problems = await watch(page);
    await page.goto(url);
    return { page, context, problems };
  }

  beforeAll(async () => {
    if (!existsSync(join(DEFAULT_WIDGET_DIR, 'widget.js'))) {
      throw new Error(`the widget is not built (no ${join(DEFAULT_WIDGET_DIR, 'widget.js')}): run \`npm run build\` first`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    [node, browser] = await Promise.all([startNode('pglite'), launchChromium()]);
    demo = `${node.http}/`;
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await node?.destroy();
  });

  // Ana and Bo share the demo page across the tests below, as two people chatting would: the tests of
  // this block are one story and run in order (run the whole block, not a single test).
  let ana: Awaited<ReturnType<typeof newPage>>;
  let bo: Awaited<ReturnType<typeof newPage>>;

  test('two guests on the demo page chat in real time and see each other typing', async () => {
    [ana, bo] = await Promise.all([newPage(), newPage({ colorScheme: 'dark' })]);
    await Promise.all([signInAsGuest(ana.page, 'Ana'), signInAsGuest(bo.page, 'Bo')]);

    await send(ana.page, 'Hi Bo, welcome to the lobby!');
    await message(bo.page, 'Hi Bo, welcome to the lobby!').waitFor({ timeout: STEP_TIMEOUT });
    const own = message(ana.page, 'Hi Bo, welcome to the lobby!').and(ana.page.locator('[data-status="sent"]'));
    await own.waitFor({ timeout: STEP_TIMEOUT });
    expect(await own.getAttribute('data-own')).not.toBeNull();
    expect(Number(await own.getAttribute('data-seq'))).toBeGreaterThan(0);
    const received = message(bo.page, 'Hi Bo, welcome to the lobby!');
    expect(await received.getAttribute('data-own')).toBeNull();
    expect(await received.getAttribute('data-author')).toBe(await own.getAttribute('data-author'));

    // Bo types without sending: Ana sees who is typing, and it goes away once Bo sends.
    await part(bo.page, 'input').pressSequentially('Hello Ana', { delay: 20 });
    await part(ana.page, 'typing').filter({ hasText: 'Bo' }).waitFor({ timeout: STEP_TIMEOUT });
    await part(bo.page, 'send').click();
    await message(ana.page, 'Hello Ana').waitFor({ timeout: STEP_TIMEOUT });
    await part(ana.page, 'typing').waitFor({ state: 'detached', timeout: STEP_TIMEOUT });

    // Both appear online in each other's member list.
    const boId = await message(ana.page, 'Hello Ana').getAttribute('data-author');
    await part(ana.page, 'member').and(ana.page.locator(`[data-user="${boId}"][data-presence="online"]`)).waitFor({ state: 'attached', timeout: STEP_TIMEOUT });

    expect(await ana.problems()).toEqual([]);
    expect(await bo.problems()).toEqual([]);
  }, 60_000);

  test('one page reacts, replies with a mention, edits, threads (typing there too) and deletes; the other sees each change', async () => {
    const hello = () => message(ana.page, 'Hello Ana');
    // Ana reacts to Bo's message from the quick-reaction bar.
    await hello().locator('[part~="actions"]').click();
    await part(ana.page, 'actions-menu').waitFor({ timeout: STEP_TIMEOUT });
    await ana.page.screenshot({ path: join(ARTIFACTS, 'message-menu.png') });
    await part(ana.page, 'quick-reaction').and(ana.page.locator('[data-emoji="🎉"]')).click();
    await hello().locator('[part~="reaction"][aria-pressed="true"]').waitFor({ timeout: STEP_TIMEOUT });
    const chip = message(bo.page, 'Hello Ana').locator('[part~="reaction"][data-emoji="🎉"]');
    await chip.waitFor({ timeout: STEP_TIMEOUT });
    expect(await chip.getAttribute('aria-pressed')).toBe('false');
    expect(await chip.getAttribute('title')).toBe('🎉 1: Ana');

    // Bo replies to Ana's first message, naming her through the @ list (keyboard only).
    await message(bo.page, 'Hi Bo, welcome to the lobby!').locator('[part~="actions"]').click();
    await part(bo.page, 'menu-item').and(bo.page.locator('[data-action="reply"]')).click();
    await part(bo.page, 'reply-preview').waitFor({ timeout: STEP_TIMEOUT });
    await part(bo.page, 'input').pressSequentially('@An', { delay: 20 });
    await part(bo.page, 'mention-option').filter({ hasText: 'Ana' }).waitFor({ timeout: STEP_TIMEOUT });
    await bo.page.screenshot({ path: join(ARTIFACTS, 'mention-list.png') });
    await bo.page.keyboard.press('Enter');
    await part(bo.page, 'input').pressSequentially('thanks!', { delay: 10 });
    await bo.page.keyboard.press('Enter');
    const reply = message(ana.page, '@Ana thanks!');
    await reply.waitFor({ timeout: STEP_TIMEOUT });
    expect(await reply.locator('[part~="quote"]').textContent()).toContain('Hi Bo, welcome to the lobby!');
    expect(await reply.locator('[part~="mention-me"]').textContent()).toBe('@Ana');

    // Ana edits her first message: Bo sees the new text, marked edited, and his quote of it follows.
    await message(ana.page, 'Hi Bo, welcome to the lobby!').locator('[part~="actions"]').click();
    await part(ana.page, 'menu-item').and(ana.page.locator('[data-action="edit"]')).click();
    await part(ana.page, 'edit-input').fill('Hi Bo, welcome to Parley!');
    await part(ana.page, 'edit-input').press('Enter');
    const edited = part(bo.page, 'message').filter({ has: bo.page.locator('[part~="edited"]') });
    await edited.waitFor({ timeout: STEP_TIMEOUT });
    expect(await edited.locator('[part~="message-body"]').textContent()).toMatch(/^Hi Bo, welcome to Parley!\s+\(edited\)$/);
    await part(bo.page, 'quote').filter({ hasText: 'welcome to Parley!' }).waitFor({ timeout: STEP_TIMEOUT });

    // Ana answers Bo in a thread; Bo sees the count, opens the thread and reads the reply.
    await hello().locator('[part~="actions"]').click();
    await part(ana.page, 'menu-item').and(ana.page.locator('[data-action="reply-thread"]')).click();
    await part(ana.page, 'thread-bar').waitFor({ timeout: STEP_TIMEOUT });
    await send(ana.page, 'A thread for this');
    await message(ana.page, 'A thread for this').and(ana.page.locator('[data-status="sent"]')).waitFor({ timeout: STEP_TIMEOUT });
    const link = message(bo.page, 'Hello Ana').locator('[part~="thread-link"]');
    await link.filter({ hasText: '1 reply' }).waitFor({ timeout: STEP_TIMEOUT });
    expect(await bodies(bo.page)).not.toContain('A thread for this');
    await link.click();
    await message(bo.page, 'A thread for this').waitFor({ timeout: STEP_TIMEOUT });
    await bo.page.screenshot({ path: join(ARTIFACTS, 'thread.png') });

    // Ana types in the thread: Bo sees it in the thread's view, not in the room's, where it does not belong.
    await part(ana.page, 'input').pressSequentially('and one more', { delay: 20 });
    await part(bo.page, 'typing').filter({ hasText: 'Ana' }).waitFor({ timeout: STEP_TIMEOUT });
    await part(bo.page, 'thread-back').click();
    await link.waitFor({ timeout: STEP_TIMEOUT });
    expect(await part(bo.page, 'typing').count()).toBe(0);
    await link.click();
    await part(bo.page, 'typing').filter({ hasText: 'Ana' }).waitFor({ timeout: STEP_TIMEOUT }); // still typing there
    await part(bo.page, 'thread-back').click();
    await part(ana.page, 'input').fill('');
    await part(ana.page, 'thread-back').click();

    // Ana sends and deletes a message: both see the tombstone, the text is gone.
    await send(ana.page, 'oops, wrong room');
    await message(bo.page, 'oops, wrong room').waitFor({ timeout: STEP_TIMEOUT });
    await message(ana.page, 'oops, wrong room').and(ana.page.locator('[data-status="sent"]')).locator('[part~="actions"]').click();
    await part(ana.page, 'menu-item').and(ana.page.locator('[data-action="delete"]')).click();
    await part(ana.page, 'confirm-delete-yes').click();
    await part(bo.page, 'tombstone').waitFor({ timeout: STEP_TIMEOUT });
    expect(await part(bo.page, 'tombstone').locator('[part~="message-body"]').textContent()).toBe('Message deleted');
    expect(await bodies(bo.page)).not.toContain('oops, wrong room');
    await part(ana.page, 'tombstone').waitFor({ timeout: STEP_TIMEOUT });

    await bo.page.screenshot({ path: join(ARTIFACTS, 'message-changes-bo.png') });
    expect(await ana.problems()).toEqual([]);
    expect(await bo.problems()).toEqual([]);
  }, 90_000);

  test('screenshots: desktop and phone, light and dark', async () => {
    // A friendlier conversation for the pictures (docs/screenshots/ holds a copy of two of them).
    await send(ana.page, 'Is the new release out yet?');
    await message(bo.page, 'Is the new release out yet?').waitFor({ timeout: STEP_TIMEOUT });
    await send(bo.page, 'Yes, shipped this morning. The whole widget loads in under 25 KB gzip.');
    await send(bo.page, 'Try it on your phone too, it goes full screen there.');
    await message(ana.page, 'Try it on your phone too, it goes full screen there.').waitFor({ timeout: STEP_TIMEOUT });
    const state = await ana.context.storageState();
    const shots = [
      { name: 'desktop-light', viewport: { width: 1280, height: 800 }, colorScheme: 'light' as const },
      { name: 'desktop-dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' as const },
      { name: 'phone-light', viewport: { width: 390, height: 844 }, colorScheme: 'light' as const, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
      { name: 'phone-dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark' as const, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
    ];
    for (const { name, ...options } of shots) {
      const { page, context, problems } = await newPage({ ...options, storageState: state });
      await part(page, 'launcher').click();
      await connected(page);
      await message(page, 'Try it on your phone too, it goes full screen there.').waitFor({ timeout: STEP_TIMEOUT });
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
      expect(await problems()).toEqual([]);
      await context.close();
    }
  }, 60_000);

  test('hostile message text renders literally, never as markup', async () => {
    const hostile = [
      '<img src=x onerror="window.__pwned=1">',
      '<script>window.__pwned=2</script>',
      '"><svg onload=window.__pwned=3>',
      '[click](javascript:window.__pwned=4) **not bold?** &lt;b&gt;',
    ];
    for (const text of hostile) await send(bo.page, text);
    // Markdown makes `**not bold?**` bold (its marks are not shown); everything else is shown as typed.
    for (const text of hostile) await message(ana.page, text.replaceAll('**', '')).waitFor({ timeout: STEP_TIMEOUT });
    expect(await message(ana.page, hostile[3]!.replaceAll('**', '')).locator('strong').textContent()).toBe('not bold?');
    for (const page of [ana.page, bo.page]) {
      const markup = await part(page, 'message-body').evaluateAll((els) => els.flatMap((e) => Array.from(e.querySelectorAll('img, script, svg, iframe, [onerror], [onload]')).map((x) => x.outerHTML)));
      expect(markup).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      const javascriptLinks = await part(page, 'message-body').evaluateAll((els) => els.flatMap((e) => Array.from(e.querySelectorAll('a')).filter((a) => !/^https?:/.test(a.href)).map((a) => a.href)));
      expect(javascriptLinks).toEqual([]);
    }
    expect(await ana.problems()).toEqual([]);
  }, 30_000);

  test('the unread badge counts messages that arrive while the panel is closed', async () => {
    await part(ana.page, 'close').click();
    await part(ana.page, 'panel').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
    expect(await part(ana.page, 'badge').count()).toBe(0);
    for (const text of ['unread one', 'unread two', 'unread three']) await send(bo.page, text);
    await part(ana.page, 'badge').filter({ hasText: /^3$/ }).waitFor({ timeout: STEP_TIMEOUT });
    await part(ana.page, 'launcher').click();
    await message(ana.page, 'unread three').waitFor({ timeout: STEP_TIMEOUT });
    await part(ana.page, 'badge').waitFor({ state: 'detached', timeout: STEP_TIMEOUT });
  }, 30_000);

  test('a hidden tab chimes and shows a system notification for a new message', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    await context.grantPermissions(['notifications'], { origin: node.http });
    const page = await context.newPage();
    const problems = await watch(page);
    await page.addInitScript(() => {
      const w = window as unknown as { __hidden: boolean; __sound: number; __notes: { title: string; body?: string }[] };
      w.__hidden = false;
      w.__sound = 0;
      w.__notes = [];
      // The page's visibility, switched by the test (headless tabs are always "visible").
      Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (w.__hidden ? 'hidden' : 'visible') });
      Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => w.__hidden });
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: [number?]) {
        w.__sound++;
        return start.apply(this, args);
      };
      const Real = window.Notification;
      class Recorded extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          w.__notes.push({ title, body: options?.body });
        }
      }
      window.Notification = Recorded;
    });
    await page.goto(demo);
    await signInAsGuest(page, 'Cleo');
    await page.evaluate(() => {
      (window as unknown as { __hidden: boolean }).__hidden = true;
      document.dispatchEvent(new Event('visibilitychange'));
    });

    await send(bo.page, 'are you there, Cleo?');
    await page.waitForFunction(() => (window as unknown as { __notes: unknown[] }).__notes.length > 0, undefined, { timeout: STEP_TIMEOUT });
    const notes = await page.evaluate(() => (window as unknown as { __notes: { title: string; body?: string }[] }).__notes);
    expect(notes).toEqual([expect.objectContaining({ body: 'are you there, Cleo?' })]);
    expect(notes[0]!.title).toContain('Bo');
    await page.waitForFunction(() => (window as unknown as { __sound: number }).__sound > 0, undefined, { timeout: STEP_TIMEOUT });
    expect(await problems()).toEqual([]);
    await context.close();
  }, 30_000);

  test('a reload keeps the guest signed in and the history on screen', async () => {
    const before = await bodies(ana.page);
    expect(before).toContain('Hello Ana');
    await ana.page.reload();
    await part(ana.page, 'launcher').click();
    await connected(ana.page);
    expect(await part(ana.page, 'guest-form').count()).toBe(0);
    await message(ana.page, 'unread three').waitFor({ timeout: STEP_TIMEOUT });
    const after = await bodies(ana.page);
    for (const text of ['Hello Ana', 'unread one', 'Message deleted']) expect(after).toContain(text);
    // History comes back as the messages are now: edited text, the tombstone, thread replies left in their thread.
    expect(after.some((b) => /^Hi Bo, welcome to Parley!\s+\(edited\)$/.test(b))).toBe(true);
    for (const gone of ['Hi Bo, welcome to the lobby!', 'oops, wrong room', 'A thread for this']) expect(after).not.toContain(gone);
    await message(ana.page, 'Hello Ana').locator('[part~="reaction"][aria-pressed="true"][data-emoji="🎉"]').waitFor({ timeout: STEP_TIMEOUT });
    expect(await message(ana.page, 'Hello Ana').locator('[part~="thread-link"]').textContent()).toBe('1 reply');
    expect(await ana.problems()).toEqual([]);
  }, 30_000);

  test('a message sent while offline shows as pending and is delivered exactly once after reconnecting', async () => {
    const { page, context, problems } = await newPage({ viewport: { width: 390, height: 844 } });
    await signInAsGuest(page, 'Dana');
    // The room is open (its history shown) before the network goes.
    await message(page, 'Hello Ana').waitFor({ timeout: STEP_TIMEOUT });

    await context.setOffline(true);
    await part(page, 'status').and(page.locator('[data-state="reconnecting"], [data-state="offline"], [data-state="connecting"]')).waitFor({ timeout: STEP_TIMEOUT });
    await send(page, 'sent from a tunnel');
    const pending = message(page, 'sent from a tunnel').and(page.locator('[data-status="pending"]'));
    await pending.waitFor({ timeout: STEP_TIMEOUT });
    await page.waitForTimeout(500); // still offline: nothing can deliver it
    expect(await pending.count()).toBe(1);
    expect(await message(ana.page, 'sent from a tunnel').count()).toBe(0);

    await context.setOffline(false);
    await message(page, 'sent from a tunnel').and(page.locator('[data-status="sent"]')).waitFor({ timeout: STEP_TIMEOUT });
    await message(ana.page, 'sent from a tunnel').waitFor({ timeout: STEP_TIMEOUT });
    // Exactly once: on both screens and in the stored history.
    expect((await bodies(page)).filter((b) => b === 'sent from a tunnel')).toHaveLength(1);
    expect((await bodies(ana.page)).filter((b) => b === 'sent from a tunnel')).toHaveLength(1);
    const token = await page.evaluate(() => {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i)!;
        if (key.startsWith('parley:guest:')) return (JSON.parse(localStorage.getItem(key)!) as { token: string }).token;
      }
      return '';
    });
    const history = (await (await fetch(`${node.http}/v1/rooms/lobby/events?limit=100`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      events: { body?: string }[];
    };
    expect(history.events.filter((e) => e.body === 'sent from a tunnel')).toHaveLength(1);
    // Failed reconnects while offline are logged by the browser itself; nothing else may be.
    expect((await problems()).filter((p) => !/ERR_INTERNET_DISCONNECTED|WebSocket connection/.test(p))).toEqual([]);
    await context.close();
  }, 60_000);

  test('a member who closes the page turns offline for the others', async () => {
    const boId = await message(ana.page, 'Hello Ana').getAttribute('data-author');
    const member = (presence: string) => part(ana.page, 'member').and(ana.page.locator(`[data-user="${boId}"][data-presence="${presence}"]`));
    await member('online').waitFor({ state: 'attached', timeout: STEP_TIMEOUT });
    await bo.context.close();
    await member('offline').waitFor({ state: 'attached', timeout: STEP_TIMEOUT });
  }, 30_000);

});

describe.skipIf(!chromiumAvailable())('chat widget on third-party pages', () => {
  let node: TestNode;
  // Two host sites on two origins: the first is in the node's PARLEY_ORIGINS, the second is not.
  const sites: Server[] = [];
  let siteOrigin: string;
  let strangerOrigin: string;
  let browser: Browser;

  beforeAll(async () => {
    // The host pages' servers come first: the node needs their origin for PARLEY_ORIGINS.
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/strict') {
        // What a careful site would set: only its own scripts and the chat server, nothing inline, no eval.
        res.setHeader(
          'content-security-policy',
          `default-src 'self'; script-src 'self' ${node.http}; style-src 'self'; connect-src 'self' ${node.http} ws://${new URL(node.http).host}; img-src 'self'; object-src 'none'; base-uri 'none'`,
        );
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostPage('Strict shop'));
      } else if (req.url === '/plain') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostPage('Plain blog'));
      } else {
        res.writeHead(204).end(); // favicon and friends: nothing, but no console error either
      }
    };
    const hostPage = (title: string) =>
      `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>` +
      `<p>An ordinary page that embeds the chat.</p><script src="${node.http}/widget.js" data-room="lobby" data-theme="light" async></script>`;
    const origins: string[] = [];
    for (let i = 0; i < 2; i++) {
      const site = createServer(handler);
      await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
      sites.push(site);
      origins.push(`http://127.0.0.1:${(site.address() as AddressInfo).port}`);
    }
    [siteOrigin, strangerOrigin] = origins as [string, string];
    [node, browser] = await Promise.all([startNode('pglite', { origins: [siteOrigin] }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    for (const site of sites) site.close();
    await node?.destroy();
  });

  test('the embed script works on a plain page and under a strict CSP on another origin', async () => {
    const open = async (path: string) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const problems = await watch(page);
      await page.goto(siteOrigin + path);
      return { page, problems, context };
    };
    const [plain, strict] = await Promise.all([open('/plain'), open('/strict')]);
    try {
      await Promise.all([signInAsGuest(plain.page, 'Blog reader'), signInAsGuest(strict.page, 'Shopper')]);
      await send(plain.page, 'hello from the blog');
      await message(strict.page, 'hello from the blog').waitFor({ timeout: STEP_TIMEOUT });
      await send(strict.page, 'hello from the shop');
      await message(plain.page, 'hello from the shop').waitFor({ timeout: STEP_TIMEOUT });
      // The widget took its server from its own script's origin, not from the host page.
      expect(await plain.page.locator('chat-widget').getAttribute('server')).toBe(node.http);
      expect(await plain.problems()).toEqual([]);
      expect(await strict.problems()).toEqual([]);
    } finally {
      await plain.context.close();
      await strict.context.close();
    }
  }, 60_000);

  test('a page on an origin outside PARLEY_ORIGINS cannot sign in', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${strangerOrigin}/plain`);
      await part(page, 'launcher').click();
      await part(page, 'guest-name').fill('Intruder');
      await part(page, 'guest-submit').click();
      await page.locator('chat-widget [part~="guest-form"] [role="alert"]').waitFor({ timeout: STEP_TIMEOUT });
      // Still at the sign-in form: no composer, no connection.
      expect(await part(page, 'guest-form').count()).toBe(1);
      expect(await part(page, 'input').count()).toBe(0);
      expect(await page.locator('chat-widget [part~="status"][data-state="connected"]').count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 30_000);
});

describe.skipIf(!chromiumAvailable())('chat widget on hostile host pages', () => {
  let node: TestNode;
  let site: Server;
  let origin: string;
  let browser: Browser;
  const VIEWPORT = { width: 1280, height: 800 };
  const PHONE = { width: 390, height: 700 };

  beforeAll(async () => {
    const embed = (room = 'lobby') => `<script src="${node.http}/widget.js" data-room="${room}" data-theme="light" async></script>`;
    const long = `<p>${'A long article that makes the page many screens tall. '.repeat(400)}</p>`;
    const page = (title: string, head: string, body: string) =>
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>${head}</head><body><h1>${title}</h1>${body}</body></html>`;
    // Built per request: the embed needs the node's URL, and the node needs this site's origin first.
    const pages = (): Record<string, string> => ({
      // A body that is a containing block for fixed descendants, in each of the three ways CSS allows.
      '/transform': page('Transformed body', '<style>body{transform:translateZ(0)}</style>', long + embed()),
      '/filter': page('Filtered body', '<style>body{filter:saturate(1.2)}</style>', long + embed()),
      '/contain': page('Contained body', '<style>body{contain:paint}</style>', long + embed()),
      '/overlay': page('Overlay', '<style>.cover{position:fixed;inset:0;z-index:2147483647;background:rgb(0 0 0 / 0.04)}</style>', `<div class="cover"></div>${embed()}`),
      '/twice': page('Included twice', '', embed() + embed()),
      '/taken': page('Tag taken', '<script>customElements.define("chat-widget", class extends HTMLElement {})</script>', embed()),
      '/taken-module': page('Tag taken, module', '<script>customElements.define("chat-widget", class extends HTMLElement {})</script>', `<script type="module" src="${node.http}/chat-widget.js"></script>`),
      '/plain': page('Plain', '', embed()),
      '/missing': page('Missing room', '', embed('no-such-room')),
    });
    site = createServer((req, res) => {
      const html = pages()[req.url ?? ''];
      if (html) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      else res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    [node, browser] = await Promise.all([startNode('pglite', { origins: [origin] }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    site?.close();
    await node?.destroy();
  });

  /** A page of the host site; `popover: false` removes the Popover API first, as in browsers without it. */
  async function open(path: string, { popover = true, viewport = VIEWPORT } = {}) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems = await watch(page);
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.addInitScript((withPopover) => {
      const w = window as unknown as { __chatErrors: { code: string; message: string }[] };
      w.__chatErrors = [];
      window.addEventListener('chat-error', (e) => w.__chatErrors.push((e as CustomEvent<{ code: string; message: string }>).detail));
      if (!withPopover) delete (HTMLElement.prototype as { showPopover?: unknown }).showPopover;
    }, popover);
    await page.goto(origin + path);
    const chatErrors = () => page.evaluate(() => (window as unknown as { __chatErrors: { code: string; message: string }[] }).__chatErrors);
    return { page, context, problems, sockets, chatErrors };
  }

  /** Where the launcher is, and what a click at its centre would hit: the launcher, or something of the page. */
  async function launcherAtCorner(page: Page) {
    await part(page, 'launcher').waitFor({ timeout: STEP_TIMEOUT });
    return page.evaluate(() => {
      const widget = document.querySelector('chat-widget')!;
      const box = widget.shadowRoot!.querySelector('[part~="launcher"]')!.getBoundingClientRect();
      const x = box.left + box.width / 2;
      const y = box.top + box.height / 2;
      const top = document.elementFromPoint(x, y);
      const inside = top === widget ? widget.shadowRoot!.elementFromPoint(x, y) : null;
      return {
        box: [box.left, box.top, box.width, box.height],
        centre: [x, y],
        hitsLauncher: !!inside?.closest('[part~="launcher"]'),
        underHtml: widget.parentElement === document.documentElement,
        topLayer: !!widget.shadowRoot!.querySelector('.root:popover-open'),
      };
    });
  }

  const corner = (v: { width: number; height: number }) => [v.width - 20 - 56, v.height - 20 - 56, 56, 56];

  for (const popover of [true, false]) {
    const how = popover ? 'in the top layer' : 'under <html>, without the Popover API';
    for (const path of ['/transform', '/filter', '/contain']) {
      test(`${path.slice(1)} on <body>: the launcher stays in the viewport corner and opens the panel, ${how}`, async () => {
        const { page, context, problems } = await open(path, { popover });
        try {
          await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
          const at = await launcherAtCorner(page);
          expect(at.box).toEqual(corner(VIEWPORT));
          expect(at.hitsLauncher).toBe(true);
          expect(at.topLayer).toBe(popover);
          expect(at.underHtml).toBe(!popover);
          await page.mouse.click(at.centre[0]!, at.centre[1]!);
          await part(page, 'guest-name').waitFor({ timeout: STEP_TIMEOUT });
          const panel = await part(page, 'panel').boundingBox();
          // 20 px from the right, 68 px above the launcher's bottom offset, 600 px tall (its default).
          expect(panel).toEqual({ x: VIEWPORT.width - 20 - 370, y: VIEWPORT.height - 88 - 600, width: 370, height: 600 });
          // Keyboard: Escape closes and gives focus back to the launcher.
          await page.keyboard.press('Escape');
          await part(page, 'panel').waitFor({ state: 'detached', timeout: STEP_TIMEOUT });
          expect(await page.evaluate(() => document.querySelector('chat-widget')!.shadowRoot!.activeElement?.getAttribute('part'))).toBe('launcher');

          // On a phone the panel fills the viewport, not the page's height. (The pointer moves off the
          // launcher first: hovering scales it.)
          await page.mouse.move(0, 0);
          await page.setViewportSize(PHONE);
          await expect.poll(async () => (await launcherAtCorner(page)).box, { timeout: STEP_TIMEOUT }).toEqual(corner(PHONE));
          const phone = await launcherAtCorner(page);
          await page.mouse.click(phone.centre[0]!, phone.centre[1]!);
          await part(page, 'guest-name').waitFor({ timeout: STEP_TIMEOUT });
          expect(await part(page, 'panel').boundingBox()).toEqual({ x: 0, y: 0, ...PHONE });
          if (path === '/transform') await page.screenshot({ path: join(ARTIFACTS, `hostile-transform-phone${popover ? '' : '-fallback'}.png`) });
          expect(await problems()).toEqual([]);
        } finally {
          await context.close();
        }
      }, 60_000);
    }

    test(`an overlay at z-index 2147483647 does not cover the launcher, ${how}`, async () => {
      const { page, context, problems } = await open('/overlay', { popover });
      try {
        const at = await launcherAtCorner(page);
        expect(at.box).toEqual(corner(VIEWPORT));
        expect(at.hitsLauncher).toBe(true);
        // The layer that holds the chat covers the viewport but takes no clicks of its own.
        expect(await page.evaluate(() => document.elementFromPoint(300, 300)?.className)).toBe('cover');
        await page.mouse.click(at.centre[0]!, at.centre[1]!);
        await part(page, 'guest-name').waitFor({ timeout: STEP_TIMEOUT });
        expect(await page.evaluate(() => document.elementFromPoint(300, 300)?.className), 'nor with the panel open').toBe('cover');
        await part(page, 'guest-name').fill('Above the overlay');
        await part(page, 'guest-submit').click();
        await connected(page);
        await page.screenshot({ path: join(ARTIFACTS, `hostile-overlay${popover ? '' : '-fallback'}.png`) });
        expect(await problems()).toEqual([]);
      } finally {
        await context.close();
      }
    }, 60_000);
  }

  test('widget.js included twice: one widget, one connection, a console error and a chat-error', async () => {
    const { page, context, problems, sockets, chatErrors } = await open('/twice');
    try {
      await signInAsGuest(page, 'Twice');
      await page.waitForTimeout(300);
      expect(await page.locator('chat-widget').count()).toBe(1);
      expect(sockets.filter((url) => url.endsWith('/ws'))).toHaveLength(1);
      const message = 'widget.js is included more than once on this page; only the first include is used';
      expect(await chatErrors()).toEqual([{ code: 'duplicate_embed', message }]);
      expect(await problems()).toEqual([`console error: [parley] ${message}`]);
    } finally {
      await context.close();
    }
  }, 30_000);

  for (const path of ['/taken', '/taken-module']) {
    test(`another script’s <chat-widget> (${path === '/taken' ? 'embed script' : 'ES module'}): a console error and a chat-error on window`, async () => {
      const { page, context, problems, sockets, chatErrors } = await open(path);
      try {
        const message = 'the <chat-widget> tag is already defined by another script on this page; the Parley chat cannot start';
        await page.waitForFunction(() => (window as unknown as { __chatErrors: unknown[] }).__chatErrors.length > 0, undefined, { timeout: STEP_TIMEOUT });
        expect(await chatErrors()).toEqual([{ code: 'tag_taken', message }]);
        expect(await problems()).toEqual([`console error: [parley] ${message}`]);
        expect(sockets).toEqual([]);
        // The embed script adds no element the other script would own.
        if (path === '/taken') expect(await page.locator('chat-widget').count()).toBe(0);
      } finally {
        await context.close();
      }
    }, 30_000);
  }

  test('a data-room that does not exist: said on screen, a console error and a chat-error, never another room', async () => {
    const { page, context } = await open('/plain');
    try {
      // The guest became a member of lobby on an earlier visit (a guest joins by posting), so lobby
      // is in their room list.
      await signInAsGuest(page, 'Wanderer');
      await send(page, 'hello from an earlier visit');
      await part(page, 'message').and(page.locator('[data-status="sent"]')).waitFor({ timeout: STEP_TIMEOUT });
      const problems = await watch(page);
      await page.goto(`${origin}/missing`);
      await part(page, 'launcher').click();
      const notice = page.locator('chat-widget .empty[role="alert"]');
      await notice.waitFor({ timeout: STEP_TIMEOUT });
      expect(await notice.textContent()).toBe('The room “no-such-room” is not available.');
      expect(await part(page, 'messages').count()).toBe(0);
      // The room list comes from its own request, which may answer after the refused join.
      await part(page, 'room').and(page.locator('[data-room="lobby"]')).waitFor({ timeout: STEP_TIMEOUT });
      expect(await part(page, 'room').and(page.locator('[data-room="lobby"]')).count()).toBe(1);
      const message = 'the room "no-such-room" does not exist or this user may not join it (not_found)';
      const errors = await page.evaluate(() => (window as unknown as { __chatErrors: unknown[] }).__chatErrors);
      expect(errors).toEqual([{ code: 'room_unavailable', message }]);
      expect(await problems()).toEqual([`console error: [parley] ${message}`]);
    } finally {
      await context.close();
    }
  }, 30_000);

  test('the chat’s code cannot be fetched: the launcher stays, a console error and a chat-error; the next open loads it', async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    try {
      const page = await context.newPage();
      const problems = await watch(page);
      await page.addInitScript(() => {
        const w = window as unknown as { __chatErrors: { code: string }[] };
        w.__chatErrors = [];
        window.addEventListener('chat-error', (e) => w.__chatErrors.push((e as CustomEvent<{ code: string }>).detail));
      });
      // The session chunk (the SDK with it) is what the first load fetches next; make it unreachable.
      await page.route(/\/chat-session-[^/]*\.js$/, (route) => route.abort('connectionrefused'));
      await page.goto(`${origin}/plain`);
      await part(page, 'launcher').click();
      const errors = () => page.evaluate(() => (window as unknown as { __chatErrors: { code: string }[] }).__chatErrors.map((e) => e.code));
      await expect.poll(errors, { timeout: STEP_TIMEOUT }).toContain('load_failed');
      expect(await part(page, 'launcher').isVisible()).toBe(true);
      expect((await problems()).some((p) => p.startsWith('console error: [parley] could not load the chat'))).toBe(true);

      // The network is back: closing and opening again loads the chat, and a guest can sign in.
      await page.unroute(/\/chat-session-[^/]*\.js$/);
      await part(page, 'launcher').click();
      await part(page, 'launcher').click();
      await part(page, 'guest-name').fill('Patient');
      await part(page, 'guest-submit').click();
      await connected(page);
    } finally {
      await context.close();
    }
  }, 30_000);
});

describe.skipIf(!chromiumAvailable())('the demo page when PARLEY_ORIGINS lists only other sites', () => {
  let browser: Browser;
  let local: TestNode;
  let published: TestNode;
  let publicUrl: string;

  beforeAll(async () => {
    // One node with no PARLEY_PUBLIC_URL (its own pages count at localhost), one with it set to the
    // URL its page is opened at (the port is chosen first, so that the URL can be configured).
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    [local, published, browser] = await Promise.all([
      startNode('pglite', { origins: ['https://shop.example'] }),
      startNode('pglite', { origins: ['https://shop.example'], port, publicUrls: [publicUrl] }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await local?.destroy();
    await published?.destroy();
  });

  test.each([
    ['at localhost, without PARLEY_PUBLIC_URL', () => `http://localhost:${local.server.port}/`],
    ['at the URL in PARLEY_PUBLIC_URL', () => `${publicUrl}/`],
  ])('signs in and connects %s', async (_, url) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const problems = await watch(page);
      await page.goto(url());
      await signInAsGuest(page, 'Operator');
      await send(page, 'from the demo page');
      await message(page, 'from the demo page').waitFor({ timeout: STEP_TIMEOUT });
      expect(await problems()).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});

