// Browser bundle of the SDK (ES module, msgpackr inlined, minified), with its size printed on every
// build. Node users import the package's tsc output instead.
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

export default {
  input: new URL('./dist/index.js', import.meta.url).pathname,
  output: { file: new URL('./dist/browser/parley-sdk.js', import.meta.url).pathname, format: 'es', sourcemap: true },
  plugins: [nodeResolve({ browser: true }), terser({ format: { comments: false } }), sizes()],
};
