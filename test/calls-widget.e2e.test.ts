// Calls in the real widget, in Chromium with fake cameras and microphones: the call button of a
// direct room rings the other person's page (an incoming-call sheet, also with their panel closed),
// answering connects both with video, mute shows on the other side, the closed panel shows the call
// small, hang-up ends both and the timeline says so; a screen shared from the in-call button reaches
// the other side as a second video and goes away again; declining leaves a missed call in the timeline;
// a denied microphone and a missing device are explained in words.
import { ChatClient } from '@parley/sdk';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { chromiumAvailable, FAKE_MEDIA, launchChromium } from './support/browser.js';
import { startNode, userToken, type TestNode } from './support/server.js';

const ARTIFACTS = new URL('../test-artifacts/widget/', import.meta.url).pathname;
const STEP = 20_000;

const part = (page: Page, name: string): Locator => page.locator(`chat-widget [part~="${name}"]`);

describe.skipIf(!chromiumAvailable())('calls in the chat widget', { timeout: 120_000 }, () => {
  let node: TestNode;
  let site: Server;
  let origin: string;
  let browser: Browser;
  /** A node serving its own demo page (guests in the lobby), as a visitor finds it. */
  let demo: TestNode;
  const clients: ChatClient[] = [];

  /** A host page embedding the widget for `user` on `room`; `media` makes getUserMedia fail as a browser does. */
  async function openWidget(user: string, name: string, room: string, opts: { lang?: string; media?: 'NotAllowedError' | 'NotFoundError'; width?: number } = {}): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: opts.width ?? 1100, height: 760 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    if (opts.media) {
      await page.addInitScript((error) => {
        navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused for the test', error));
      }, opts.media);
    }
    const q = new URLSearchParams({ token: userToken(user, name), room, lang: opts.lang ?? 'en' });
    await page.goto(`${origin}/page?${q}`);
    return { page, problems };
  }

  const dmOf = async (a: string, b: string): Promise<string> => {
    const c = new ChatClient({ url: node.url, token: userToken(a), WebSocket });
    clients.push(c);
    await c.connect();
    return (await c.openDirect(b)).id;
  };

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
    node = await startNode('pglite', { origins: [origin] });
    demo = await startNode('pglite');
    browser = await launchChromium(FAKE_MEDIA);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await browser?.close();
    site?.close();
    await node?.destroy();
    await demo?.destroy();
  });

  test('call, answer with the panel closed, video both ways, mute, hang up: the timeline shows the call', async () => {
    const room = await dmOf('ana', 'bo');
    const { page: ana, problems } = await openWidget('ana', 'Ana Souza', room);
    const { page: bo } = await openWidget('bo', 'Bo Chen', room);
    await part(ana, 'launcher').click();
    await part(ana, 'call').click({ timeout: STEP });
    await part(ana, 'call-video').click();
    await part(ana, 'call-status').filter({ hasText: /Calling/ }).waitFor({ timeout: STEP });

    // Bo's panel is closed: the ring still shows, as an alert dialog with the caller's name.
    const sheet = part(bo, 'call-incoming');
    await sheet.waitFor({ timeout: STEP });
    expect(await sheet.getAttribute('role')).toBe('alertdialog');
    expect(await sheet.getAttribute('aria-label')).toBe('Ana Souza is calling you (video call)');
    // The answer button has focus: Enter answers.
    await bo.keyboard.press('Enter');

    // Closed panel: the call is shown small; Ana sees the full view, connected, with Bo's video playing.
    await part(bo, 'call-pip').waitFor({ timeout: STEP });
    await part(ana, 'call-status').filter({ hasText: /Connected/ }).waitFor({ timeout: STEP });
    await ana.waitForFunction(
      () => {
        const v = document.querySelector('chat-widget')?.shadowRoot?.querySelector('parley-call')?.shadowRoot?.querySelector('video[part~="call-remote"]') as HTMLVideoElement | null;
        return !!v && v.videoWidth > 0 && !v.paused;
      },
      undefined,
      { timeout: STEP },
    );
    await part(bo, 'launcher').click();
    await part(bo, 'call-view').waitFor({ timeout: STEP });
    await ana.screenshot({ path: join(ARTIFACTS, 'call-connected.png') });

    await part(ana, 'call-mute').click();
    await part(ana, 'call-mute').and(ana.locator('[aria-pressed="true"]')).waitFor({ timeout: STEP });
    await bo.locator('chat-widget [aria-label="Ana Souza is muted"]').waitFor({ timeout: STEP });

    await part(ana, 'call-hangup').click();
    await part(bo, 'call-view').waitFor({ state: 'detached', timeout: STEP });
    await part(ana, 'call-view').waitFor({ state: 'detached', timeout: STEP });
    await part(ana, 'notice').filter({ hasText: /^Call ended · \d+:\d\d$/ }).waitFor({ timeout: STEP });
    await part(bo, 'notice').filter({ hasText: 'Ana Souza started a video call' }).waitFor({ timeout: STEP });
    expect(problems).toEqual([]);
    await Promise.all([ana.context().close(), bo.context().close()]);
  });

  test('screen share from the in-call button: the other side decodes a second video, then the call is renegotiated back', async () => {
    // Chromium's fake media switches also stand in for the screen picker: getDisplayMedia gets a fake
    // 1280x720 monitor. Each page keeps its media connections to read their statistics.
    const room = await dmOf('ike', 'jun');
    const { page: ike, problems } = await openWidget('ike', 'Ike', room);
    const { page: jun } = await openWidget('jun', 'Jun', room);
    for (const page of [ike, jun]) {
      await page.evaluate(() => {
        const w = window as unknown as Record<string, unknown>;
        const Native = RTCPeerConnection;
        const pcs: RTCPeerConnection[] = (w.pcs = []);
        w.offers = 0;
        window.RTCPeerConnection = class extends Native {
          constructor(config?: RTCConfiguration) {
            super(config);
            pcs.push(this);
          }
          override setRemoteDescription(d: RTCSessionDescriptionInit) {
            if (d.type === 'offer') (w.offers as number)++;
            return super.setRemoteDescription(d);
          }
        };
        /** Frames decoded so far by each incoming video, by track, over every media connection; and whether all are stable. */
        w.incoming = async () => {
          const frames: Record<string, number> = {};
          for (const pc of pcs) {
            if (pc.connectionState === 'closed') continue;
            (await pc.getStats()).forEach((s) => {
              if (s.type === 'inbound-rtp' && s.kind === 'video') frames[s.trackIdentifier] = s.framesDecoded ?? 0;
            });
          }
          return { frames, stable: pcs.every((pc) => pc.connectionState === 'closed' || pc.signalingState === 'stable') };
        };
      });
    }
    type Incoming = { frames: Record<string, number>; stable: boolean };
    const incoming = (page: Page) => page.evaluate('incoming()') as Promise<Incoming>;
    /** Which incoming videos decode frames over a second. */
    const decoding = async (page: Page) => {
      const before = await incoming(page);
      await new Promise((r) => setTimeout(r, 1000));
      const after = await incoming(page);
      return Object.keys(after.frames).filter((t) => after.frames[t]! > (before.frames[t] ?? 0));
    };

    await part(ike, 'launcher').click();
    await part(ike, 'call').click({ timeout: STEP });
    await part(ike, 'call-video').click();
    await part(jun, 'call-accept').click({ timeout: STEP });
    await part(jun, 'launcher').click();
    for (const page of [ike, jun]) await part(page, 'call-status').filter({ hasText: /Connected/ }).waitFor({ timeout: STEP });
    await jun.waitForFunction(async () => Object.values((await (window as any).incoming()).frames as Record<string, number>).some((n) => n > 0), undefined, { timeout: STEP });
    const camera = await decoding(jun);
    expect(camera).toHaveLength(1);
    const offersBefore = (await jun.evaluate('offers')) as number;

    await part(ike, 'call-screen').click();
    await part(ike, 'call-screen').and(ike.locator('[aria-pressed="true"]')).waitFor({ timeout: STEP });
    // Jun receives the screen as a second video whose frames grow, after a new offer; the camera goes on.
    await jun.waitForFunction(async () => Object.keys((await (window as any).incoming()).frames).length === 2, undefined, { timeout: STEP });
    await jun.waitForFunction(async () => Object.values((await (window as any).incoming()).frames as Record<string, number>).filter((n) => n > 0).length === 2, undefined, { timeout: STEP });
    const sharing = await decoding(jun);
    expect(sharing).toHaveLength(2);
    expect(sharing).toEqual(expect.arrayContaining(camera));
    const screen = sharing.find((t) => !camera.includes(t))!;
    expect(await jun.evaluate('offers')).toBeGreaterThan(offersBefore);
    // Jun's widget plays the screen (the fake monitor is 16:9, the fake camera 4:3) beside Ike's camera and voice.
    await jun.waitForFunction(
      () => {
        const view = document.querySelector('chat-widget')?.shadowRoot?.querySelector('parley-call')?.shadowRoot;
        const screen = view?.querySelector('video[part~="call-remote-screen"]') as HTMLVideoElement | null;
        const camera = view?.querySelector('video[part~="call-remote"]') as HTMLVideoElement | null;
        return !!screen && screen.videoWidth / screen.videoHeight > 1.7 && !!camera && (camera.srcObject as MediaStream).getAudioTracks().length === 1 && camera.videoWidth / camera.videoHeight < 1.5;
      },
      undefined,
      { timeout: STEP },
    );
    expect(await jun.locator('chat-widget [part~="call-remote-screen"]').getAttribute('aria-label')).toBe("Ike's screen");
    await jun.screenshot({ path: join(ARTIFACTS, 'call-screen-share.png') });

    // Ike stops sharing: one more offer, the screen stops arriving, the camera goes on, and Jun sees the camera again.
    const offersSharing = (await jun.evaluate('offers')) as number;
    await part(ike, 'call-screen').click();
    await part(ike, 'call-screen').and(ike.locator('[aria-pressed="false"]')).waitFor({ timeout: STEP });
    await jun.waitForFunction((n) => (window as any).offers > n, offersSharing, { timeout: STEP });
    await jun.waitForFunction(async () => (await (window as any).incoming()).stable, undefined, { timeout: STEP });
    const after = await decoding(jun);
    expect(after).toEqual(camera);
    expect(after).not.toContain(screen);
    await part(jun, 'call-remote-screen').waitFor({ state: 'detached', timeout: STEP });
    await part(ike, 'call-hangup').click();
    await part(jun, 'call-view').waitFor({ state: 'detached', timeout: STEP });
    expect(problems).toEqual([]);
    await Promise.all([ike.context().close(), jun.context().close()]);
  });

  test('ring, decline: a missed call in both timelines (pt-BR on one side)', async () => {
    const room = await dmOf('cy', 'di');
    const { page: cy } = await openWidget('cy', 'Cy', room);
    const { page: di } = await openWidget('di', 'Di', room, { lang: 'pt-BR' });
    await part(cy, 'launcher').click();
    await part(di, 'launcher').click();
    await part(cy, 'call').click({ timeout: STEP });
    await part(cy, 'call-audio').click();
    await part(di, 'call-incoming').filter({ hasText: 'Cy está ligando para você (chamada de voz)' }).waitFor({ timeout: STEP });
    await part(di, 'call-decline').click();
    await part(cy, 'call-error').filter({ hasText: 'Call declined' }).waitFor({ timeout: STEP });
    await part(cy, 'notice').filter({ hasText: 'Missed call from Cy' }).waitFor({ timeout: STEP });
    await part(di, 'notice').filter({ hasText: 'Chamada perdida de Cy' }).waitFor({ timeout: STEP });
    await Promise.all([cy.context().close(), di.context().close()]);
  });

  test('a denied microphone and a missing device are explained; nobody rings', async () => {
    const room = await dmOf('eve', 'fay');
    for (const [media, words] of [
      ['NotAllowedError', 'The browser did not allow the microphone or camera'],
      ['NotFoundError', 'No microphone or camera was found'],
    ] as const) {
      const { page } = await openWidget('eve', 'Eve', room, { media });
      await part(page, 'launcher').click();
      await part(page, 'call').click({ timeout: STEP });
      await part(page, 'call-audio').click();
      const error = part(page, 'call-error');
      await error.filter({ hasText: words }).waitFor({ timeout: STEP });
      expect(await error.getAttribute('role')).toBe('alert');
      await page.context().close();
    }
    expect(node.server.hub.calls.size).toBe(0);
  });

  test('two guests on the demo page (strict CSP) call each other in the lobby', async () => {
    const guest = async (name: string) => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      await page.addInitScript(() => {
        const seen: string[] = ((window as unknown as { __csp: string[] }).__csp = []);
        document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
      });
      await page.goto(`${demo.http}/`);
      await part(page, 'launcher').click();
      await part(page, 'guest-name').fill(name);
      await part(page, 'guest-submit').click();
      await part(page, 'status').and(page.locator('[data-state="connected"]')).waitFor({ timeout: STEP });
      // A guest becomes a member of the lobby by posting.
      await part(page, 'input').fill(`hi, I am ${name}`);
      await part(page, 'send').click();
      return { page, problems };
    };
    const ivy = await guest('Ivy');
    const jay = await guest('Jay');
    await part(jay.page, 'message').filter({ hasText: 'hi, I am Ivy' }).waitFor({ timeout: STEP });
    await part(ivy.page, 'call').click({ timeout: STEP });
    await part(ivy.page, 'call-video').click();
    await part(jay.page, 'call-accept').click({ timeout: STEP });
    await part(ivy.page, 'call-status').filter({ hasText: /Connected/ }).waitFor({ timeout: STEP });
    await part(jay.page, 'call-status').filter({ hasText: /Connected/ }).waitFor({ timeout: STEP });
    await ivy.page.screenshot({ path: join(ARTIFACTS, 'call-demo.png') });
    await part(jay.page, 'call-hangup').click();
    await part(ivy.page, 'call-view').waitFor({ state: 'detached', timeout: STEP });
    for (const g of [ivy, jay]) {
      expect(g.problems).toEqual([]);
      expect(await g.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
      await g.page.context().close();
    }
  });

  test('on a phone the call takes the whole screen', async () => {
    const room = await dmOf('gil', 'hal');
    const { page: gil } = await openWidget('gil', 'Gil', room, { width: 390 });
    const { page: hal } = await openWidget('hal', 'Hal', room);
    await part(gil, 'launcher').click();
    await part(gil, 'call').click({ timeout: STEP });
    // The menu is keyboard-usable: it opens on the first item; Enter picks it.
    await gil.keyboard.press('Enter');
    await part(hal, 'call-accept').click({ timeout: STEP });
    const view = part(gil, 'call-view');
    await view.waitFor({ timeout: STEP });
    const box = await view.boundingBox();
    expect(box?.width).toBeGreaterThanOrEqual(389);
    expect(box?.height).toBeGreaterThanOrEqual(700);
    await gil.screenshot({ path: join(ARTIFACTS, 'call-phone.png') });
    await part(hal, 'call-hangup').click();
    await Promise.all([gil.context().close(), hal.context().close()]);
  });
});
