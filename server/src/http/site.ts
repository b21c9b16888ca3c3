// The browser-facing files: the demo page at `/` (under a strict Content-Security-Policy), the admin
// console at `/admin` (stricter still), every file of the widget build at `/<name>` and the emoji
// data at `/emoji/<lang>.json`. Where the widget build lives is configurable (widgetDir); the
// console's build is its `admin/` folder.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HttpReply, HttpRequest } from './api.js';
import { EmojiData } from './emoji-data.js';
import { StaticFiles } from './static-files.js';

/**
 * No inline script or style and no eval anywhere on the demo page: it doubles as the proof that the
 * widget runs under the strict policy a careful site would set.
 */
export const DEMO_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The admin console talks only to this server over HTTP: no WebSocket, no other origin, no frames
 * around it, no forms posted anywhere. Its pages and files are never cached by anything in between.
 */
export const ADMIN_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const ADMIN_HEADERS = { 'content-security-policy': ADMIN_CSP, 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' };

/**
 * The widget's files load on any site: its module chunks are fetched with CORS (a dynamic import()
 * from another origin), so they are public to every origin. PARLEY_ORIGINS still guards what counts:
 * guest sign-in, the API and the WebSocket.
 */
const EMBEDDABLE = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };

/**
 * The build of the `@parley/widget` dependency, found the way Node finds the package: in the
 * repository that is `widget/dist` (the workspace link), in an install it is wherever npm put the
 * package (hoisted beside the server, or nested under it as in a global install).
 */
export const DEFAULT_WIDGET_DIR = installedWidgetDir() ?? fileURLToPath(new URL('../../../widget/dist/', import.meta.url));
const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));
const ADMIN_PAGE_DIR = fileURLToPath(new URL('../../admin/', import.meta.url));

/** Undefined when the package cannot be found (a copy of the server without its dependencies). */
function installedWidgetDir(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('@parley/widget/package.json');
    return fileURLToPath(new URL('dist/', pathToFileURL(manifest)));
  } catch {
    return undefined;
  }
}

export class Site {
  private readonly widget: StaticFiles;
  private readonly demo = new StaticFiles(DEMO_DIR);
  private readonly adminPage = new StaticFiles(ADMIN_PAGE_DIR);
  private readonly adminBuild: StaticFiles;
  private readonly emoji = new EmojiData();

  constructor(widgetDir: string = DEFAULT_WIDGET_DIR) {
    this.widget = new StaticFiles(widgetDir);
    this.adminBuild = new StaticFiles(join(widgetDir, 'admin'));
  }

  get widgetDir(): string {
    return this.widget.dir;
  }

  /** The reply for a GET or HEAD of a page or file, or undefined when there is none at `req.path`. */
  async reply(req: HttpRequest): Promise<HttpReply | undefined> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    if (req.path === '/') {
      return this.demo.reply('index.html', req, {
        'content-security-policy': DEMO_CSP,
        'referrer-policy': 'no-referrer',
      });
    }
    if (req.path === '/admin' || req.path === '/admin/') return this.adminPage.reply('index.html', req, ADMIN_HEADERS);
    if (req.path.startsWith('/admin/')) {
      const file = req.path.slice('/admin/'.length);
      if (file === 'index.html') return undefined;
      return (await this.adminBuild.reply(file, req, ADMIN_HEADERS)) ?? this.adminPage.reply(file, req, ADMIN_HEADERS);
    }
    if (req.path.startsWith('/emoji/')) return this.emoji.reply(req);
    const name = req.path.slice(1);
    if (name === 'index.html') return undefined; // the demo page lives at `/` only, with its policy
    return (await this.widget.reply(name, req, EMBEDDABLE)) ?? this.demo.reply(name, req);
  }
}
