// Link previews end to end, once per store: a real local page with Open Graph tags becomes a preview
// (cached in the store), and every address that is not the public Internet is refused before any
// connection to it, by literal, by name, by IPv4-mapped form and after a redirect; oversize, slow and
// non-HTML pages are refused too. The refusals are read from the node's log, and the page server
// counts every request it gets, so "refused" means nothing was fetched.
import { ErrorCode, Op } from '@parley/sdk/protocol';
import type { Logger } from '@parley/server';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SqlStore } from '../server/src/store/index.js';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];
let counter = 0;
const unique = (p: string) => `${p}${Date.now().toString(36)}${counter++}`;

const OG_PAGE = `<!doctype html><html><head>
<meta charset="utf-8"><title>Fallback title</title>
<meta property="og:title" content="Parley &amp; friends">
<meta property="og:description" content="  A chat
  you host yourself.  ">
<meta property="og:site_name" content="Parley">
<meta property="og:image" content="/cover.png">
<script>alert(1)</script>
</head><body>${'x'.repeat(1000)}</body></html>`;

/** A page server on 127.0.0.1 that counts what it is asked for, by Host header and path. */
class Pages {
  readonly hits: string[] = [];
  server!: Server;
  port = 0;
  async start(): Promise<void> {
    this.server = createServer((req, res): unknown => {
      this.hits.push(`${req.headers.host}${req.url}`);
      const path = req.url ?? '/';
      if (req.headers.cookie) return res.writeHead(400).end('cookie sent');
      if (path.startsWith('/og')) return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'track=1' }).end(OG_PAGE);
      if (path === '/plain-title') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>Just a title</title></head></html>');
      if (path === '/to-og') return res.writeHead(302, { location: '/og?via=redirect' }).end();
      if (path === '/to-loopback') return res.writeHead(302, { location: `http://127.0.0.2:${this.port}/og` }).end();
      if (path === '/to-metadata') return res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (path.startsWith('/loop')) return res.writeHead(302, { location: `/loop${Number(path.slice(5) || 0) + 1}` }).end();
      if (path === '/big') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<html><head><title>big</title></head><body>${'y'.repeat(600 * 1024)}</body></html>`);
      }
      if (path === '/big-declared') return res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(10 * 1024 * 1024) }).end('<title>x</title>');
      if (path === '/slow') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<html><head>');
        return setTimeout(() => res.end('<title>slow</title></head></html>'), 8000).unref();
      }
      if (path === '/json') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"title":"json"}');
      if (path === '/image') return res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(10));
      return res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server.listen(0, '0.0.0.0', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
}

/** Keeps the reasons the node logs for links it did not preview. */
function capturingLogger(reasons: Map<string, string>): Logger {
  const log: Logger = {
    debug() {},
    info(msg, fields) {
      if (msg === 'link not previewed') reasons.set(fields!.url as string, fields!.reason as string);
    },
    warn() {},
    error() {},
    child: () => log,
  };
  return log;
}

describe.each(kinds)('link previews (%s)', (kind) => {
  const pages = new Pages();
  /** A node allowing 127.0.0.1 (the page server) and nothing else private; one allowing nothing. */
  let lab: TestNode;
  let strict: TestNode;
  const labReasons = new Map<string, string>();
  const strictReasons = new Map<string, string>();
  const clients: RawClient[] = [];

  beforeAll(async () => {
    await pages.start();
    const limits = { sendRate: 1000, frameRate: 1000, workRate: 1000, workBurst: 10_000, roomCreateRate: 1000 };
    lab = await startNode(kind, { ...limits, outboundAllow: ['127.0.0.1/32'] }, undefined, capturingLogger(labReasons));
    strict = await startNode(kind, limits, undefined, capturingLogger(strictReasons));
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await lab?.destroy();
    await strict?.destroy();
    pages.server?.closeAllConnections();
    pages.server?.close();
  });

  /** A member posts `body` in a fresh room; resolves with a function that asks for its preview. */
  async function posted(node: TestNode, body: string) {
    const c = await RawClient.signedIn(node.url, userToken(unique('u')));
    clients.push(c);
    const room = unique('links');
    await c.ok({ t: Op.RoomCreate, kind: 'private', id: room });
    const sent = await c.ok({ t: Op.Send, room, cid: 'c', body });
    return { c, room, seq: sent.seq as number, preview: () => c.request({ t: Op.LinkPreview, room, seq: sent.seq }) };
  }

  test('a page with Open Graph tags is previewed as text, cached in the store, without cookies', async () => {
    const url = `http://127.0.0.1:${pages.port}/og?k=${unique('')}`;
    const m = await posted(lab, `look at this: ${url}, nice`);
    const reply = await m.preview();
    expect(reply).toMatchObject({ t: Op.Result });
    expect(reply.data).toEqual({
      url,
      title: 'Parley & friends',
      description: 'A chat you host yourself.',
      site: 'Parley',
      image: `http://127.0.0.1:${pages.port}/cover.png`,
    });
    const fetched = pages.hits.filter((h) => h.endsWith(new URL(url).search)).length;
    expect(fetched).toBe(1);
    // The second time comes from the store: the page is not fetched again.
    expect((await m.preview()).data).toEqual(reply.data);
    expect(pages.hits.filter((h) => h.endsWith(new URL(url).search)).length).toBe(1);
    const rows = await (lab.server.store as SqlStore).sql.query<{ title: string }>('SELECT title FROM link_previews WHERE url = $1', [url]);
    expect(rows).toEqual([{ title: 'Parley & friends' }]);
  });

  test('a page with only a title, and a redirect to a page on the allowed host, are previewed', async () => {
    expect((await (await posted(lab, `http://127.0.0.1:${pages.port}/plain-title`)).preview()).data).toEqual({ url: `http://127.0.0.1:${pages.port}/plain-title`, title: 'Just a title' });
    const via = `http://127.0.0.1:${pages.port}/to-og`;
    expect((await (await posted(lab, via)).preview()).data).toMatchObject({ url: via, title: 'Parley & friends' });
  });

  const refusedCases: [string, (port: number) => string, RegExp][] = [
    ['loopback by address', (p) => `http://127.0.0.1:${p}/og`, /127\.0\.0\.1 is not a public address/],
    ['a private address (10.x)', () => 'http://10.0.0.1/og', /10\.0\.0\.1 is not a public address/],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is not a public address/],
    ['IPv6 loopback', (p) => `http://[::1]:${p}/og`, /::1 is not a public address/],
    ['IPv4-mapped loopback', (p) => `http://[::ffff:127.0.0.1]:${p}/og`, /not a public address/],
    ['a decimal form of loopback', (p) => `http://2130706433:${p}/og`, /127\.0\.0\.1 is not a public address/],
    ['a name resolving to loopback', (p) => `http://localhost:${p}/og`, /localhost resolves to 127\.0\.0\.1/],
    ['CGNAT', () => 'http://100.64.1.1/og', /not a public address/],
    ['IPv6 unique local', () => 'http://[fd00::1]/og', /not a public address/],
  ];
  test.each(refusedCases)('refuses %s without connecting to it', async (_name, make, reason) => {
    const url = make(pages.port);
    const before = pages.hits.length;
    const reply = await (await posted(strict, `see ${url}`)).preview();
    expect(reply).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound });
    expect(strictReasons.get(new URL(url).href) ?? strictReasons.get(url)).toMatch(reason);
    expect(pages.hits.length).toBe(before);
  });

  test('a redirect to loopback or to the metadata address is refused at the redirect', async () => {
    for (const [path, reason] of [['/to-loopback', /127\.0\.0\.2 is not a public address/], ['/to-metadata', /169\.254\.169\.254 is not a public address/]] as const) {
      const url = `http://127.0.0.1:${pages.port}${path}`;
      const before = pages.hits.length;
      expect(await (await posted(lab, url)).preview()).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound });
      expect(labReasons.get(url)).toMatch(reason);
      // Only the first hop reached the page server; nothing went to 127.0.0.2.
      expect(pages.hits.slice(before)).toEqual([`127.0.0.1:${pages.port}${path}`]);
    }
  });

  test('too many redirects, oversize, slow and non-HTML pages are refused', async () => {
    const cases: [string, RegExp][] = [
      ['/loop', /more than 3 redirects/],
      ['/big', /more than 524288 bytes/],
      ['/big-declared', /10485760 bytes/],
      ['/json', /not HTML \(application\/json\)/],
      ['/image', /not HTML \(image\/png\)/],
      ['/slow', /took too long/],
      ['/missing', /answered 404/],
    ];
    await Promise.all(
      cases.map(async ([path, reason]) => {
        const url = `http://127.0.0.1:${pages.port}${path}`;
        const started = Date.now();
        expect(await (await posted(lab, url)).preview()).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound });
        expect(labReasons.get(url)).toMatch(reason);
        expect(Date.now() - started).toBeLessThan(4900);
      }),
    );
  }, 20_000);

  test('a message without a link, a deleted one, and a room the asker cannot read get no preview', async () => {
    const m = await posted(lab, 'no link here, only javascript:alert(1) and ftp://x');
    expect(await m.preview()).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound });
    const d = await posted(lab, `http://127.0.0.1:${pages.port}/og`);
    await d.c.ok({ t: Op.Delete, room: d.room, seq: d.seq });
    expect(await d.preview()).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound });
    const secret = await posted(lab, `http://127.0.0.1:${pages.port}/og?secret`);
    const outsider = await RawClient.signedIn(lab.url, userToken(unique('out')));
    clients.push(outsider);
    // A private room is not found by those outside it (ADR 0007), its links no more than its messages.
    expect(await outsider.request({ t: Op.LinkPreview, room: secret.room, seq: secret.seq })).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound });
    expect(await outsider.request({ t: Op.LinkPreview, room: secret.room, seq: secret.seq, url: 'http://x' })).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(pages.hits.some((h) => h.endsWith('?secret'))).toBe(false);
  });
});
