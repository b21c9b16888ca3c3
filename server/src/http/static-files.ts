// Serves the files of one flat directory (the widget build, the demo page) at `/<name>`: content
// types, ETag/If-None-Match, cache lifetimes, precompressed gzip/brotli variants. Transport-agnostic.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { HttpReply, HttpRequest } from './api.js';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Names that may be served: one path segment, no leading dot, nothing that needs decoding. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Rollup-style content hash before the extension (`chat-panel-CgmJUaY1.js`): mixed case or digits, so `-renderer.js` is not one. */
const HASHED_NAME = /-(?=[A-Za-z0-9_-]{8}\.)(?=[a-z_-]*[A-Z0-9])[A-Za-z0-9_-]{8}\./;
/** Stable names (`widget.js`) are revalidated soon after a deploy; hashed names never change. */
export const CACHE_STABLE = 'public, max-age=300';
export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.map', '.json', '.svg', '.txt']);

interface Variant {
  body: Uint8Array;
  etag: string;
}

interface LoadedFile {
  type: string;
  cacheControl: string;
  /** Keyed by content-encoding; '' is the identity encoding. */
  variants: Map<string, Variant>;
}

export class StaticFiles {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; file: Promise<LoadedFile | undefined> }>();

  /** `dir` is read on demand, so a rebuild shows up without a restart (files are re-read when they change). */
  constructor(readonly dir: string) {}

  /** The reply for GET/HEAD of `name`, or undefined when there is no such file. */
  async reply(name: string, req: Pick<HttpRequest, 'method' | 'acceptEncoding' | 'ifNoneMatch'>, extraHeaders: Record<string, string> = {}): Promise<HttpReply | undefined> {
    const file = await this.load(name);
    if (!file) return undefined;
    const encoding = pickEncoding(req.acceptEncoding, file.variants);
    const variant = file.variants.get(encoding)!;
    const headers: Record<string, string> = {
      'content-type': file.type,
      'cache-control': file.cacheControl,
      etag: variant.etag,
      'x-content-type-options': 'nosniff',
      ...extraHeaders,
    };
    if (file.variants.size > 1) headers.vary = 'Accept-Encoding';
    if (encoding) headers['content-encoding'] = encoding;
    if (etagMatches(req.ifNoneMatch, variant.etag)) return { status: 304, headers };
    return { status: 200, headers, body: variant.body };
  }

  private async load(name: string): Promise<LoadedFile | undefined> {
    if (!SAFE_NAME.test(name)) return undefined;
    const path = join(this.dir, name);
    let info;
    try {
      info = await stat(path);
    } catch {
      return undefined;
    }
    if (!info.isFile()) return undefined;
    let entry = this.cache.get(name);
    if (!entry || entry.mtimeMs !== info.mtimeMs || entry.size !== info.size) {
      entry = { mtimeMs: info.mtimeMs, size: info.size, file: prepare(path, name).catch(() => undefined) };
      this.cache.set(name, entry);
    }
    return entry.file;
  }
}

async function prepare(path: string, name: string): Promise<LoadedFile> {
  const body = await readFile(path);
  const ext = extname(name).toLowerCase();
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  const variants = new Map<string, Variant>([['', { body, etag: `"${hash}"` }]]);
  if (COMPRESSIBLE.has(ext) && body.length > 256) {
    const [br, gz] = await Promise.all([
      brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
      gzipAsync(body, { level: 9 }),
    ]);
    // Each encoding is its own representation, so it gets its own strong validator.
    if (br.length < body.length) variants.set('br', { body: br, etag: `"${hash}-br"` });
    if (gz.length < body.length) variants.set('gzip', { body: gz, etag: `"${hash}-gz"` });
  }
  const cacheControl = HASHED_NAME.test(name) ? CACHE_IMMUTABLE : CACHE_STABLE;
  return { type: TYPES[ext] ?? 'application/octet-stream', cacheControl, variants };
}

/** Brotli, then gzip, when the client accepts them (q > 0); identity otherwise. */
function pickEncoding(acceptEncoding: string, variants: Map<string, Variant>): string {
  const accepted = new Set<string>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    if (coding && (!q || Number(q[1]) > 0)) accepted.add(coding.trim());
  }
  for (const coding of ['br', 'gzip']) if (variants.has(coding) && (accepted.has(coding) || accepted.has('*'))) return coding;
  return '';
}

/** If-None-Match uses weak comparison: `W/` prefixes are ignored, `*` matches any current file. */
function etagMatches(header: string, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
