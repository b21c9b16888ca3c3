// Component tests in the Debian Chromium (never a downloaded browser), run twice: against the sources
// and against the built, minified bundle (an import map points the tests' import at dist/). The tests
// talk to a real Parley node started here; pages get its URL and tokens from /__parley/*.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startParley, tokenFor } from './test/support/parley-server.mjs';

const CHROMIUM = process.env.CHROME_PATH ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  if (process.env.CI) throw new Error(`Chromium is required in CI but missing at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`\n${'!'.repeat(78)}\n!! Chromium not found at ${CHROMIUM}: the widget browser tests are SKIPPED.\n${'!'.repeat(78)}\n`);
  process.exit(0);
}

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const parley = await startParley();

/** Serves the node's URL and tokens to test pages; stops the node with the test server. */
const parleyPlugin = {
  name: 'parley-server',
  serve(context) {
    if (context.path === '/__parley/server') return { body: JSON.stringify({ http: parley.http, ws: parley.ws }), type: 'json' };
    if (context.path === '/__parley/token') {
      const sub = context.URL.searchParams.get('sub') ?? 'user';
      return { body: JSON.stringify({ token: tokenFor(sub, context.URL.searchParams.get('name') ?? sub) }), type: 'json' };
    }
    return undefined;
  },
  async serverStop() {
    await parley.stop();
  },
};

const page = (importMap) => (testFramework) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>widget test</title>
${importMap ? `<script type="importmap">${JSON.stringify({ imports: importMap })}</script>` : ''}
<script src="/node_modules/axe-core/axe.min.js"></script>
</head><body><script type="module" src="${testFramework}"></script></body></html>`;

export default {
  rootDir: here('..'),
  nodeResolve: { browser: true, exportConditions: ['browser', 'production'] },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' }), parleyPlugin],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
      },
    }),
  ],
  concurrency: 1,
  testFramework: { config: { timeout: 15000 } },
  testsFinishTimeout: 180000,
  groups: [
    { name: 'sources', files: here('./test/**/*.test.ts'), testRunnerHtml: page(undefined) },
    {
      name: 'bundle',
      files: [here('./test/widget.test.ts'), here('./test/message-changes.test.ts'), here('./test/emoji.test.ts')],
      testRunnerHtml: page({ '/widget/src/index.js': '/widget/dist/chat-widget.js', '/widget/src/index.ts': '/widget/dist/chat-widget.js' }),
    },
  ],
};
