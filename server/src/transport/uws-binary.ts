// Loads the native uWebSockets.js binary directly. The package's entry point silently falls back to a
// slow pure-JS shim when the binary cannot load; Parley refuses to run on that and says why.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type Uws = typeof import('@trufflesuite/uws-js-unofficial');

const require = createRequire(import.meta.url);

export function loadUws(): Uws {
  const pkg = dirname(require.resolve('@trufflesuite/uws-js-unofficial/package.json'));
  const binary = join(pkg, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  try {
    return require(binary) as Uws;
  } catch (err) {
    throw new Error(
      `the native uWebSockets.js binary could not be loaded for Node ${process.version} on ` +
        `${process.platform}/${process.arch} (${(err as Error).message}). Parley does not run on the ` +
        `slow JavaScript fallback; use a Node version with a prebuilt binary (Node 20 on glibc >= 2.36).`,
    );
  }
}
