// Calls between real Chromium pages with fake cameras and microphones, through the SDK's browser
// bundle: a 1:1 video call whose media flows both ways (getStats bytes grow), mute, hang-up; the same
// call forced through a real coturn with the credentials Parley minted, and coturn refusing expired
// ones; a 3-party mesh; a call between two Parley nodes over Redis; ring -> decline -> missed call.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, FAKE_MEDIA, launchChromium } from './support/browser.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './support/redis.js';
import { dropStorage, freshStorage, postgresAvailable, startNode, userToken, type TestNode } from './support/server.js';
import { coturnAvailable, PrivateTurn } from './support/turn.js';
import { turnCredential } from '@parley/server';
import { EventKind } from '@parley/sdk/protocol';

const multiNode = (await postgresAvailable()) && (await redisAvailable());
const BUNDLE = new URL('../sdk/dist/browser/parley-sdk.js', import.meta.url);

// Each page is one person: it signs in, answers or declines rings as told, and reports what its
// media connections have sent and received.
const PAGE = `<!doctype html><meta charset="utf-8"><title>calls</title>
<script type="module">
  import { ChatClient } from '/parley-sdk.js';
  // What each media connection went through (signalling states, ICE states, candidates both ways),
  // so that a call that never connects says why.
  const log = [];
  const note = (id, what) => log.push(\`\${Math.round(performance.now())} pc\${id} \${what}\`);
  const brief = (c) => (c ? c.split(' ').filter((_, i) => i === 2 || i === 4 || i === 5 || i === 7).join(' ') : 'end-of-candidates');
  let pcs = 0;
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(config) {
      super(config);
      const id = (this.diagId = ++pcs);
      note(id, \`new, ice servers \${JSON.stringify((config?.iceServers ?? []).map((s) => s.urls))}, policy \${config?.iceTransportPolicy ?? 'all'}\`);
      for (const [event, key] of [['signalingstatechange', 'signalingState'], ['iceconnectionstatechange', 'iceConnectionState'], ['connectionstatechange', 'connectionState'], ['icegatheringstatechange', 'iceGatheringState']]) {
        this.addEventListener(event, () => note(id, \`\${key} \${this[key]}\`));
      }
      this.addEventListener('icecandidate', (e) => note(id, \`local candidate \${brief(e.candidate?.candidate)}\`));
      this.addEventListener('icecandidateerror', (e) => note(id, \`candidate error \${e.errorCode} \${e.url}\`));
    }
    setRemoteDescription(d) { note(this.diagId, \`remote \${d.type}\`); return super.setRemoteDescription(d); }
    addIceCandidate(c) { note(this.diagId, \`remote candidate \${brief(c?.candidate)}\`); return super.addIceCandidate(c); }
  };
  const t = (window.t = {
    rings: [], ringEnds: [], phases: [], ended: null, call: null, onRing: 'wait', errors: [], log,
    async start(url, token) {
      const client = (t.client = new ChatClient({ url, token }));
      client.on('ring', (r) => {
        t.rings.push({ ...r, at: performance.now() });
        if (t.onRing === 'answer') t.answer(r.call, { video: r.video });
        if (t.onRing === 'decline') client.decline(r.call);
      });
      client.on('ringEnd', (r) => t.ringEnds.push(r.call));
      await client.connect();
    },
    watch(call) {
      t.call = call;
      t.watchedAt = Date.now();
      t.phases.push(call.phase);
      call.on('phase', ({ newPhase }) => { t.phases.push(newPhase); log.push(\`\${Math.round(performance.now())} call \${newPhase}\`); });
      call.on('peers', ({ peers }) => log.push(\`\${Math.round(performance.now())} peers \${peers.map((p) => p.user + ':' + p.status).join(' ')}\`));
      call.on('ended', ({ reason }) => (t.ended = reason));
      call.on('error', ({ error }) => t.errors.push(String(error.message)));
      return { call: call.id, room: call.room, phase: call.phase };
    },
    async dm(user) { return (await t.client.openDirect(user)).id; },
    async group(name, members) { return (await t.client.createRoom({ kind: 'private', name, members })).id; },
    async place(target, options) {
      t.placedAt = performance.now();
      return t.watch(await t.client.call(target, options));
    },
    async answer(id, options) { return t.watch(await t.client.answer(id, options)); },
    /** Bytes sent and received per kind over every media connection of the call, and the candidate types in use. */
    async stats() {
      const out = { sent: { audio: 0, video: 0 }, received: { audio: 0, video: 0 }, links: 0, local: [], remote: [] };
      for (const p of t.call.peers) {
        const pc = t.call.peerConnection(p.session);
        if (!pc) continue;
        out.links++;
        const report = await pc.getStats();
        const byId = new Map([...report.values()].map((s) => [s.id, s]));
        for (const s of report.values()) {
          if (s.type === 'outbound-rtp') out.sent[s.kind] += s.bytesSent;
          if (s.type === 'inbound-rtp') out.received[s.kind] += s.bytesReceived;
          if (s.type === 'transport' && s.selectedCandidatePairId) {
            const pair = byId.get(s.selectedCandidatePairId);
            out.local.push(byId.get(pair.localCandidateId)?.candidateType);
            out.remote.push(byId.get(pair.remoteCandidateId)?.candidateType);
          }
        }
      }
      return out;
    },
    /** Waits until media arrives from every other connection (audio and, in a video call, video); the time since placing or ringing. */
    async mediaFlowing(from, others, video, within = 45_000) {
      const until = performance.now() + within;
      for (;;) {
        const s = await t.stats();
        if (s.links === others && s.received.audio > 0 && (!video || s.received.video > 0)) return performance.now() - from;
        if (performance.now() > until) throw new Error(\`no media within \${within} ms: \${JSON.stringify(s)}\`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    /** Gathers ICE candidates against a TURN server with the given credentials, relay only: their types, and the errors. */
    async gather(urls, username, credential) {
      const pc = new RTCPeerConnection({ iceServers: [{ urls, username, credential }], iceTransportPolicy: 'relay' });
      const types = [];
      const errors = [];
      pc.onicecandidateerror = (e) => errors.push(e.errorCode);
      pc.createDataChannel('probe');
      const done = new Promise((r) => { pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
      pc.onicecandidate = (e) => e.candidate && types.push(e.candidate.type);
      await pc.setLocalDescription();
      await Promise.race([done, new Promise((r) => setTimeout(r, 8000))]);
      pc.close();
      return { types, errors };
    },
  });
  document.title = 'ready';
</script>`;

const bytesGrow = async (page: Page, ms = 1200) => {
  type Stats = { sent: { audio: number; video: number }; received: { audio: number; video: number }; local: string[]; remote: string[]; links: number };
  const before = (await page.evaluate('t.stats()')) as Stats;
  await new Promise((r) => setTimeout(r, ms));
  const after = (await page.evaluate('t.stats()')) as Stats;
  return { before, after };
};

/** Runs `wait`; when it fails, the error carries what each page's media connections went through. */
async function withDiagnostics<T>(pages: Page[], wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    const logs = await Promise.all(pages.map((p) => p.evaluate('t.log.join("\\n")').catch((e: unknown) => `(no log: ${String(e)})`)));
    // Without the page's stack: its frames name the page's URL, which vitest would try to read as a file.
    const failure = new Error(`${String(err).split('\n')[0]}\n${logs.map((l, i) => `--- page ${i + 1}\n${String(l)}`).join('\n')}`);
    failure.stack = failure.message;
    throw failure;
  }
}

// Two or three browser profiles with media each: slow to start on a loaded machine.
describe.skipIf(!chromiumAvailable() || !coturnAvailable())('calls in Chromium', { timeout: 90_000 }, () => {
  let node: TestNode;
  let site: Server;
  let siteUrl: string;
  let browser: Browser;
  const turn = new PrivateTurn();
  /** Call set-up times, ms: from pressing call to media both ways, and from the ring reaching the callee to media there. */
  const setupTimes: { how: string; placed: number; ring: number }[] = [];

  beforeAll(async () => {
    await turn.start();
    node = await startNode('pglite', { turnUrls: [turn.url], turnSecret: turn.secret, ringTimeoutMs: 20_000, callRoomSize: 4 });
    const bundle = readFileSync(BUNDLE, 'utf8'); // built by `npm run build`
    site = createServer((req, res) => {
      if (req.url === '/parley-sdk.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchChromium(FAKE_MEDIA);
  }, 60_000);
  afterAll(async () => {
    for (const t of setupTimes) console.log(`call set-up (${t.how}): call pressed -> media both ways ${Math.round(t.placed)} ms; ring at callee -> media there ${Math.round(t.ring)} ms`);
    await browser?.close();
    site?.close();
    await node?.destroy();
    await turn.stop();
  });

  /** A person in their own browser context (profile), signed in to `at`. */
  async function person(user: string, at: TestNode = node): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`${user} page error:`, err));
    await page.goto(siteUrl);
    await page.waitForFunction(() => document.title === 'ready');
    await page.evaluate(([url, token]) => (window as any).t.start(url, token), [at.url, userToken(user)]);
    return page;
  }

  /** Places a 1:1 call from `caller` to `callee` (who answers on ring) and waits for media both ways. */
  async function connect(caller: Page, callee: Page, calleeId: string, options: Record<string, unknown>) {
    await callee.evaluate('t.onRing = "answer"');
    await caller.evaluate(async (id) => (window as any).t.dm(id), calleeId);
    const { how = 'direct', ...callOptions } = options;
    const placed = (await caller.evaluate(([id, o]) => (window as any).t.place(id, o), [calleeId, callOptions] as const)) as { call: string; room: string };
    await callee.waitForFunction(() => (window as any).t.call !== null, undefined, { timeout: 15_000 });
    const video = !!callOptions.video;
    const [fromPlacing, fromRing] = await withDiagnostics([caller, callee], () =>
      Promise.all([
        caller.evaluate(([v]) => (window as any).t.mediaFlowing((window as any).t.placedAt, 1, v), [video] as const),
        callee.evaluate(([v]) => (window as any).t.mediaFlowing((window as any).t.rings.at(-1).at, 1, v), [video] as const),
      ]),
    );
    setupTimes.push({ how: String(how), placed: fromPlacing as number, ring: fromRing as number });
    return placed;
  }

  test('a 1:1 video call connects, media flows both ways, mute stops outgoing audio, hang-up ends both', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    await connect(ana, bo, 'bo', { video: true, how: 'one node, direct' });
    expect(await ana.evaluate('t.call.phase')).toBe('connected');
    for (const page of [ana, bo]) {
      const { before, after } = await bytesGrow(page);
      expect(after.received.audio).toBeGreaterThan(before.received.audio);
      expect(after.received.video).toBeGreaterThan(before.received.video);
    }
    // Ana mutes: her audio stops leaving and stops reaching Bo; Bo's view says she is muted.
    await ana.evaluate('t.call.setMuted(true)');
    await bo.waitForFunction(() => (window as any).t.call.peers.some((p: any) => p.user === 'ana' && !p.audio));
    await new Promise((r) => setTimeout(r, 500)); // packets already on their way
    const sent = await bytesGrow(ana);
    expect(sent.after.sent.audio).toBe(sent.before.sent.audio);
    expect(sent.after.sent.video).toBeGreaterThan(sent.before.sent.video);
    const heard = await bytesGrow(bo);
    expect(heard.after.received.audio).toBe(heard.before.received.audio);
    await ana.evaluate('t.call.setMuted(false)');
    const back = await bytesGrow(bo);
    expect(back.after.received.audio).toBeGreaterThan(back.before.received.audio);

    await ana.evaluate('t.call.hangUp()');
    await bo.waitForFunction(() => (window as any).t.ended !== null);
    expect(await bo.evaluate('t.ended')).toBe('hangup');
    expect(await ana.evaluate('t.call.phase')).toBe('ended');
    await Promise.all([ana.context().close(), bo.context().close()]);
  });

  test('the same call forced through coturn with the credentials Parley minted: relayed both ways', async () => {
    const cy = await person('cy');
    const di = await person('di');
    await di.evaluate(`t.onRing = "manual"; t.client.on('ring', (r) => t.answer(r.call, { video: true, relayOnly: true }))`);
    await cy.evaluate(async () => (window as any).t.dm('di'));
    await cy.evaluate(() => (window as any).t.place('di', { video: true, relayOnly: true }));
    await di.waitForFunction(() => (window as any).t.call !== null, undefined, { timeout: 15_000 });
    const [placed, ring] = await Promise.all([cy.evaluate('t.mediaFlowing(t.placedAt, 1, true)'), di.evaluate('t.mediaFlowing(t.rings.at(-1).at, 1, true)')]);
    setupTimes.push({ how: 'through coturn', placed: placed as number, ring: ring as number });
    for (const page of [cy, di]) {
      const { before, after } = await bytesGrow(page);
      expect(after.local).toEqual(['relay']);
      expect(after.received.video).toBeGreaterThan(before.received.video);
      expect(after.received.audio).toBeGreaterThan(before.received.audio);
    }
    await cy.evaluate('t.call.hangUp()');
    await Promise.all([cy.context().close(), di.context().close()]);
  });

  test('a voice call turns the camera on: the call is renegotiated and video flows', async () => {
    const kai = await person('kai');
    const lin = await person('lin');
    await connect(kai, lin, 'lin', { video: false, how: 'voice' });
    expect((await lin.evaluate('t.stats()') as { received: { video: number } }).received.video).toBe(0);
    await kai.evaluate('t.call.setCamera(true)');
    await lin.waitForFunction(() => (window as any).t.call.peers.some((p: any) => p.user === 'kai' && p.video));
    await lin.evaluate('t.mediaFlowing(0, 1, true)');
    const { before, after } = await bytesGrow(lin);
    expect(after.received.video).toBeGreaterThan(before.received.video);
    expect(await kai.evaluate('t.errors')).toEqual([]);
    await kai.evaluate('t.call.hangUp()');
    await Promise.all([kai.context().close(), lin.context().close()]);
  });

  test('coturn refuses credentials past their expiry and takes fresh ones', async () => {
    const page = await person('eve');
    const user = 'eve';
    const expired = `${Math.floor(Date.now() / 1000) - 60}:${user}`;
    const refused = (await page.evaluate(([u, n, c]) => (window as any).t.gather([u], n, c), [turn.url, expired, turnCredential(turn.secret, expired)])) as { types: string[]; errors: number[] };
    expect(refused.types).not.toContain('relay');
    expect(refused.errors).toContain(401);
    const fresh = `${Math.floor(Date.now() / 1000) + 600}:${user}`;
    const taken = (await page.evaluate(([u, n, c]) => (window as any).t.gather([u], n, c), [turn.url, fresh, turnCredential(turn.secret, fresh)])) as { types: string[] };
    expect(taken.types).toContain('relay');
    await page.context().close();
  });

  test('a 3-party mesh: everyone receives everyone', async () => {
    const fay = await person('fay');
    const gus = await person('gus');
    const hal = await person('hal');
    for (const p of [gus, hal]) await p.evaluate('t.onRing = "answer"');
    const room = await fay.evaluate(() => (window as any).t.group('Three', ['gus', 'hal']));
    await fay.evaluate((r) => (window as any).t.place({ room: r }, { video: true }), room);
    for (const p of [gus, hal]) await p.waitForFunction(() => (window as any).t.call !== null, undefined, { timeout: 15_000 });
    await Promise.all([fay, gus, hal].map((p) => p.evaluate('t.mediaFlowing(0, 2, true)')));
    for (const page of [fay, gus, hal]) {
      const { before, after } = await bytesGrow(page);
      expect(after.links).toBe(2);
      expect(after.received.video).toBeGreaterThan(before.received.video);
    }
    await Promise.all([fay, gus, hal].map((p) => p.evaluate('t.call.hangUp()')));
    await Promise.all([fay, gus, hal].map((p) => p.context().close()));
  });

  test('ring, decline: the caller sees it end, and the room shows a missed call', async () => {
    const ida = await person('ida');
    const jon = await person('jon');
    await jon.evaluate('t.onRing = "decline"');
    const room = await ida.evaluate(() => (window as any).t.dm('jon'));
    await ida.evaluate(() => (window as any).t.place('jon', { video: false }));
    await ida.waitForFunction(() => (window as any).t.ended !== null, undefined, { timeout: 15_000 });
    expect(await ida.evaluate('t.ended')).toBe('declined');
    expect(await jon.evaluate('t.ringEnds.length')).toBeGreaterThan(0);
    const calls = await ida.evaluate(async (r) => {
      for (let i = 0; i < 100; i++) {
        const page = await (window as any).t.client.room(r).history({ limit: 20 });
        const calls = page.events.filter((e: any) => e.kind === 'call').map((e: any) => e.data);
        if (calls.length >= 2) return calls;
        await new Promise((res) => setTimeout(res, 50));
      }
      return [];
    }, room);
    expect(calls.map((d: any) => [d.action, d.reason])).toEqual([['started', undefined], ['missed', 'declined']]);
    await Promise.all([ida.context().close(), jon.context().close()]);
  });

  describe.skipIf(!multiNode)('across two nodes', () => {
    const storage = freshStorage('postgres');
    let a: TestNode;
    let b: TestNode;
    beforeAll(async () => {
      const shared = { redisUrl: REDIS_URL, redisPrefix: uniquePrefix(), catchUpMs: 200 };
      a = await startNode('postgres', shared, storage);
      b = await startNode('postgres', shared, storage);
    });
    afterAll(async () => {
      await a?.stop();
      await b?.stop();
      await dropStorage(storage);
    });

    test('a call between a person on one node and a person on the other connects, even when the caller hears the callee before its own reply', async () => {
      // The caller's node stores the call's events slowly, as a loaded machine's Postgres does (this
      // story failed so in CI): the server spreads the call before it replies to the caller, so the
      // callee on the other node answers and sends its offer before the caller holds its Call.
      const { store } = a.server.hub;
      const append = store.append.bind(store);
      store.append = async (input) => {
        const out = await append(input);
        if (input.kind === EventKind.Call) await new Promise((r) => setTimeout(r, 1000));
        return out;
      };
      const kim = await person('kim', a);
      const lee = await person('lee', b);
      await connect(kim, lee, 'lee', { video: true, how: "across two nodes, the caller's store slowed by 1 s" });
      // The race took place: the callee held its Call (and sent its offer at once) before the caller had its reply.
      expect(await lee.evaluate('t.watchedAt')).toBeLessThan((await kim.evaluate('t.watchedAt')) as number);
      for (const page of [kim, lee]) {
        const { before, after } = await bytesGrow(page);
        expect(after.received.video).toBeGreaterThan(before.received.video);
      }
      await lee.evaluate('t.call.hangUp()');
      await kim.waitForFunction(() => (window as any).t.ended !== null);
      expect(await kim.evaluate('t.ended')).toBe('hangup');
      await Promise.all([kim.context().close(), lee.context().close()]);
    });
  });
});
