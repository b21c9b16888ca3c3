// Bundles the widget from its tsc output (lib/): dist/chat-widget.js (ES module + lazy chunks),
// dist/widget.js (the classic embed script) and the admin console, dist/admin/ (served at /admin). Prints gzip/brotli sizes and fails the build when the
// first load (embed script + component module + its static imports) or the embed script alone goes
// over its budget.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const BUDGET_GZIP = 25 * 1024;
/** The embed script is on every page of a site, parsed before anything else of the chat. */
const LOADER_BUDGET_GZIP = 2 * 1024;
const dist = new URL('./dist/', import.meta.url).pathname;
const lib = (file) => new URL(`./lib/${file}`, import.meta.url).pathname;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gzip = (buf) => gzipSync(buf, { level: 9 }).length;

/** Per-chunk sizes; remembers what the first load is made of for `budget()`. */
const firstLoad = new Map();
/** The session chunk (SDK included), fetched right after the first load: what it takes to be connected. */
let sessionChunk;
function sizes(label) {
  return {
    name: 'print-sizes',
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const code = Buffer.from(chunk.code);
        const lazy = chunk.isDynamicEntry && !chunk.isEntry;
        console.log(`${label} ${chunk.fileName}: ${kb(code.length)} min, ${kb(gzip(code))} gzip, ${kb(brotliCompressSync(code).length)} brotli${lazy ? ' (lazy)' : ''}`);
        if (chunk.isEntry) {
          firstLoad.set(chunk.fileName, code);
          for (const dep of chunk.imports) firstLoad.set(dep, Buffer.from(bundle[dep].code));
        }
        if (/^chat-session-/.test(chunk.fileName)) sessionChunk = code;
      }
    },
  };
}

/** Runs after the last output: sums the first load and fails the build over budget. */
function budget() {
  return {
    name: 'size-budget',
    writeBundle() {
      if (!firstLoad.has('widget.js') || !firstLoad.has('chat-widget.js')) return;
      const all = Buffer.concat([...firstLoad.values()]);
      const sum = [...firstLoad.values()].reduce((n, code) => n + gzip(code), 0);
      console.log(`first load (${[...firstLoad.keys()].join(' + ')}): ${kb(sum)} gzip (budget ${kb(BUDGET_GZIP)}; widget.js alone: budget ${kb(LOADER_BUDGET_GZIP)}), ${kb(brotliCompressSync(all).length)} brotli combined`);
      if (sum > BUDGET_GZIP) throw new Error(`@parley/widget first load is ${kb(sum)} gzip, over the ${kb(BUDGET_GZIP)} budget`);
      if (sessionChunk) console.log(`connected (first load + the session chunk it fetches at once): ${kb(sum + gzip(sessionChunk))} gzip`);
      const loader = gzip(firstLoad.get('widget.js'));
      if (loader > LOADER_BUDGET_GZIP) throw new Error(`@parley/widget embed script is ${kb(loader)} gzip, over the ${kb(LOADER_BUDGET_GZIP)} budget`);
    },
  };
}

/** Squeezes the whitespace and comments out of the widget's css`` templates (terser leaves strings alone). */
function minifyCss() {
  return {
    name: 'minify-css-templates',
    transform(code, id) {
      if (!/-styles\.js$/.test(id)) return null;
      const squeezed = code.replace(/css ?`([^`]*)`/g, (_, body) =>
        'css`' + body.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, ' ').replace(/\s*([{};,])\s*/g, '$1').replace(/:\s+/g, ':').trim() + '`',
      );
      return { code: squeezed, map: null };
    },
  };
}

const plugins = (label) => [minifyCss(), nodeResolve({ browser: true }), terser({ format: { comments: false }, ecma: 2020, module: true }), sizes(label)];

export default [
  {
    input: { 'chat-widget': lib('index.js') },
    // Lets shared code stay in chat-widget.js (lazy chunks import it from there) instead of a third file.
    preserveEntrySignatures: 'allow-extension',
    output: { dir: dist, format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: true },
    plugins: plugins('widget'),
  },
  {
    input: lib('loader.js'),
    output: { file: `${dist}widget.js`, format: 'iife', sourcemap: true },
    plugins: [...plugins('widget'), budget()],
  },
  {
    // The admin console (ADR 0023): its own entry, one chunk per pane, served by the server at /admin.
    input: { admin: lib('admin/console.js') },
    preserveEntrySignatures: false,
    output: { dir: `${dist}admin/`, format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: true },
    plugins: plugins('admin'),
  },
  {
    // The service worker of Web Push, a classic script a site hosts on its own origin (docs/deploy.md).
    input: lib('parley-sw.js'),
    output: { file: `${dist}parley-sw.js`, format: 'iife', sourcemap: true },
    plugins: plugins('widget'),
  },
];
