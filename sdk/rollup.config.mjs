// Two builds from the package's tsc output (dist/): the browser bundle (ES module, minified, its size
// printed on every build; the `browser` field of package.json swaps msgpackr for the compact codec and
// the build fails if msgpackr slips back in), and dist/cjs/, the CommonJS build behind `require`.
// Node's `import` takes the tsc output itself.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const dist = new URL('./dist/', import.meta.url).pathname;

/** Prints raw, gzip and brotli sizes of each emitted chunk. */
function sizes() {
  return {
    name: 'print-sizes',
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
        const code = Buffer.from(chunk.code);
        console.log(`${chunk.fileName}: ${kb(code.length)} min, ${kb(gzipSync(code, { level: 9 }).length)} gzip, ${kb(brotliCompressSync(code).length)} brotli`);
      }
    },
  };
}

/** Fails the build when a Node-only module ends up in a browser chunk. */
function browserOnly(forbidden) {
  return {
    name: 'browser-only',
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const found = Object.keys(chunk.modules).find((id) => forbidden.some((f) => id.includes(f)));
        if (found) this.error(`${chunk.fileName} includes ${found}; the package.json \`browser\` mapping did not apply`);
      }
    },
  };
}

/** The .d.ts files of the tsc output, relative to dist/ (the builds' own folders left out). */
function declarations(dir = dist) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'cjs' || entry.name === 'browser' ? [] : declarations(path);
    return entry.name.endsWith('.d.ts') ? [relative(dist, path)] : [];
  });
}

/**
 * Makes dist/cjs/ a CommonJS scope: its own package.json says so, and a copy of the declarations sits
 * beside the code, so TypeScript reads them as CommonJS there (node16/nodenext `require` resolution
 * rejects ES-module typings with TS1479).
 */
function commonJsScope() {
  return {
    name: 'commonjs-scope',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'package.json', source: '{ "type": "commonjs" }\n' });
      for (const file of declarations()) this.emitFile({ type: 'asset', fileName: file, source: readFileSync(join(dist, file)) });
    },
  };
}

export default [
  {
    input: `${dist}index.js`,
    // One file: the user log, loaded lazily where a bundler splits it out, is inlined here.
    output: { file: `${dist}browser/parley-sdk.js`, format: 'es', sourcemap: true, inlineDynamicImports: true },
    plugins: [nodeResolve({ browser: true }), terser({ format: { comments: false } }), browserOnly(['/msgpackr/', '/protocol/msgpack.js']), sizes()],
  },
  {
    // Every entry in one build, so that `@parley/sdk`, `/protocol` and `/bot` share their classes.
    input: { index: `${dist}index.js`, 'protocol/index': `${dist}protocol/index.js`, 'bot/index': `${dist}bot/index.js` },
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    output: { dir: `${dist}cjs`, format: 'cjs', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: true },
    plugins: [commonJsScope()],
  },
];
