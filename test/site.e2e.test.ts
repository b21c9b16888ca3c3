// The browser-facing files on a real node: the demo page at `/` under a strict CSP, and every file of
// the widget build at `/<name>` with content types, validators, cache lifetimes, compression, and
// nothing outside the directory reachable however the path is spelled.
import { DEFAULT_WIDGET_DIR, DEMO_CSP } from '@parley/server';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startProcess } from './support/process.js';
import { startNode, type TestNode } from './support/server.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with the path sent exactly as written (fetch would normalize `..` and friends). */
function raw(base: string, path: string, init: { method?: string; headers?: Record<string, string>; agent?: Agent } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: init.method ?? 'GET', headers: init.headers, agent: init.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const STABLE_JS = `(()=>{/* embed */${'console.log("widget");'.repeat(40)}})();`;
const CHUNK_JS = `export const panel = ${JSON.stringify('x'.repeat(2000))};`;
const SECRET = 'outside-the-widget-dir-secret';

describe('site files', () => {
  let root: string;
  let dir: string;
  let node: TestNode;
  let bare: TestNode;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'parley-site-'));
    dir = join(root, 'dist');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'widget.js'), STABLE_JS);
    writeFileSync(join(dir, 'chat-widget.js'), 'import "./chat-panel-CgmJUaY1.js";');
    writeFileSync(join(dir, 'chat-panel-CgmJUaY1.js'), CHUNK_JS);
    writeFileSync(join(dir, 'chat-panel-CgmJUaY1.js.map'), '{"version":3}');
    writeFileSync(join(dir, 'markdown-renderer.js'), 'export {};');
    writeFileSync(join(dir, '.hidden.js'), SECRET);
    writeFileSync(join(dir, 'sub', 'nested.js'), SECRET);
    writeFileSync(join(root, 'package.json'), SECRET);
    node = await startNode('pglite', { widgetDir: dir, origins: ['https://site.example'] });
    bare = await startNode('pglite', { widgetDir: join(root, 'missing') });
  });
  afterAll(async () => {
    await node?.destroy();
    await bare?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  test('serves the embed script with a short cache lifetime, a validator and its content type', async () => {
    const res = await raw(node.http, '/widget.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.etag).toMatch(/^"[\w-]{22}"$/);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.toString()).toBe(STABLE_JS);
  });

  test('lets pages on any origin load the widget files, which module chunks need', async () => {
    // The node allows only https://site.example for its API; the widget's files are public anyway.
    for (const path of ['/widget.js', '/chat-widget.js', '/chat-panel-CgmJUaY1.js']) {
      const res = await raw(node.http, path, { headers: { origin: 'https://elsewhere.example' } });
      expect(res.headers['access-control-allow-origin'], path).toBe('*');
      expect(res.headers['cross-origin-resource-policy'], path).toBe('cross-origin');
    }
    const guest = await raw(node.http, '/v1/guest', { method: 'POST', headers: { origin: 'https://elsewhere.example' } });
    expect(guest.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('marks content-hashed chunks immutable and names without a hash not', async () => {
    const chunk = await raw(node.http, '/chat-panel-CgmJUaY1.js');
    expect(chunk.status).toBe(200);
    expect(chunk.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(chunk.body.toString()).toBe(CHUNK_JS);
    const map = await raw(node.http, '/chat-panel-CgmJUaY1.js.map');
    expect(map.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(map.headers['cache-control']).toContain('immutable');
    for (const stable of ['/chat-widget.js', '/markdown-renderer.js']) {
      expect((await raw(node.http, stable)).headers['cache-control'], stable).toBe('public, max-age=300');
    }
  });

  test('answers 304 to a matching If-None-Match, in every accepted spelling, and 200 otherwise', async () => {
    const { headers } = await raw(node.http, '/widget.js');
    const etag = headers.etag as string;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const res = await raw(node.http, '/widget.js', { headers: { 'if-none-match': ifNoneMatch } });
      expect(res.status, ifNoneMatch).toBe(304);
      expect(res.body.length).toBe(0);
      expect(res.headers.etag).toBe(etag);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
    }
    const stale = await raw(node.http, '/widget.js', { headers: { 'if-none-match': '"something-else"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.toString()).toBe(STABLE_JS);
  });

  test('sends brotli or gzip when accepted, each with its own validator, and identity when refused', async () => {
    const br = await raw(node.http, '/widget.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).toString()).toBe(STABLE_JS);
    expect(br.body.length).toBeLessThan(STABLE_JS.length);

    const gz = await raw(node.http, '/widget.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(STABLE_JS);

    const identity = await raw(node.http, '/widget.js', { headers: { 'accept-encoding': 'br;q=0, gzip;q=0' } });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.toString()).toBe(STABLE_JS);

    expect(new Set([br.headers.etag, gz.headers.etag, identity.headers.etag]).size).toBe(3);
    const revalidated = await raw(node.http, '/widget.js', { headers: { 'accept-encoding': 'br', 'if-none-match': br.headers.etag as string } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers['content-encoding']).toBe('br');
  });

  test('answers HEAD with the headers and length of GET but no body, and keeps the connection usable', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const res = await raw(node.http, '/widget.js', { method: 'HEAD', agent });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(STABLE_JS)));
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.body.length).toBe(0);
    // The same socket carries the next request.
    const next = await raw(node.http, '/widget.js', { agent });
    expect(next.body.toString()).toBe(STABLE_JS);
    agent.destroy();
  });

  test('serves a rebuilt file with a new validator, without a restart', async () => {
    const before = (await raw(node.http, '/chat-widget.js')).headers.etag;
    writeFileSync(join(dir, 'chat-widget.js'), 'import "./chat-panel-CgmJUaY1.js"; // rebuilt');
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'chat-widget.js'), later, later);
    const after = await raw(node.http, '/chat-widget.js', { headers: { 'if-none-match': before as string } });
    expect(after.status).toBe(200);
    expect(after.body.toString()).toContain('rebuilt');
    expect(after.headers.etag).not.toBe(before);
  });

  test.each([
    '/../package.json',
    '/..%2fpackage.json',
    '/%2e%2e%2fpackage.json',
    '/%2e%2e/package.json',
    '/..\\package.json',
    '/sub/nested.js',
    '/sub%2fnested.js',
    '/.hidden.js',
    '/widget.js/',
    '//widget.js',
    '/widget.js%00',
    '/%77idget.js',
    '/nope.js',
    '/index.html',
  ])('answers 404 to %s and never leaks a file outside the directory', async (path) => {
    const res = await raw(node.http, path);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body.toString()).not.toContain(SECRET);
  });

  test('serves the demo page under a strict Content-Security-Policy, with nothing inline', async () => {
    const res = await raw(node.http, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toBe(DEMO_CSP);
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self' ws: wss:"]) expect(csp).toContain(directive);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = res.body.toString();
    expect(html).toContain('<script src="/widget.js" data-room="lobby" async></script>');
    // Every script has a src, there is no <style> element and no style="" or on*="" attribute.
    expect(html.match(/<script\b[^>]*>/g)!.every((tag) => / src="/.test(tag))).toBe(true);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    const css = await raw(node.http, '/demo.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await raw(node.http, '/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
  });

  test('keeps serving the demo page and the API when the widget is not built', async () => {
    expect((await raw(bare.http, '/widget.js')).status).toBe(404);
    expect((await raw(bare.http, '/')).status).toBe(200);
    expect((await raw(bare.http, '/healthz')).status).toBe(200);
  });

  test('refuses methods other than GET and HEAD on files', async () => {
    const res = await raw(node.http, '/widget.js', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain('console.log');
  });
});

describe('the server binary', () => {
  test('serves the built widget from widget/dist next to the server package, with no option set', async () => {
    const built = join(DEFAULT_WIDGET_DIR, 'widget.js');
    if (!existsSync(built)) throw new Error(`the widget is not built (no ${built}): run \`npm run build\` first`);
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-bin-'));
    // An empty PARLEY_WIDGET_DIR means unset, whatever the calling shell exports.
    const server = await startProcess({ PARLEY_PORT: '0', PARLEY_HOST: '127.0.0.1', PARLEY_DATA_DIR: dataDir, PARLEY_WIDGET_DIR: '' });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const widget = await raw(base, '/widget.js');
      expect(widget.status).toBe(200);
      expect(widget.body.equals(readFileSync(built))).toBe(true);
      expect((await raw(base, '/chat-widget.js')).status).toBe(200);
      const demo = await raw(base, '/');
      expect(demo.status).toBe(200);
      expect(demo.body.toString()).toContain('<script src="/widget.js" data-room="lobby" async></script>');
      expect(server.output()).not.toContain('the widget is not built');
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
