// Browser bundle of the SDK (ES module, minified), with its size printed on every build. Node users
// import the package's tsc output instead. The `browser` field of package.json swaps msgpackr for
// the compact codec (protocol/msgpack-compact.js); the build fails if msgpackr slips back in.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { brotliCompressSync, gzipSync } from 'node:zlib';

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

export default {
  input: new URL('./dist/index.js', import.meta.url).pathname,
  output: { file: new URL('./dist/browser/parley-sdk.js', import.meta.url).pathname, format: 'es', sourcemap: true },
  plugins: [nodeResolve({ browser: true }), terser({ format: { comments: false } }), browserOnly(['/msgpackr/', '/protocol/msgpack.js']), sizes()],
};
