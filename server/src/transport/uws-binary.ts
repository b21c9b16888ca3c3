// Loads the native uWebSockets.js binary directly. The package's entry point silently falls back to a
// slow pure-JS shim when the binary cannot load; Parley refuses to run on that and says why.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type Uws = typeof import('@trufflesuite/uws-js-unofficial');

const require = createRequire(import.meta.url);

export function loadUws(): Uws {
  const pkg = dirname(require.resolve('@trufflesuite/uws-js-unofficial/package.json'));
  const binary = join(pkg, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  let uws: Uws;
  try {
    uws = require(binary) as Uws;
  } catch (err) {
    throw new Error(
      `the native uWebSockets.js binary could not be loaded for Node ${process.version} on ` +
        `${process.platform}/${process.arch} (${(err as Error).message}). Parley does not run on the ` +
        `slow JavaScript fallback; use a Node version with a prebuilt binary (Node 20 on glibc >= 2.36).`,
    );
  }
  silenceServerHeader(uws);
  return uws;
}

/**
 * uWS writes `uWebSockets: 20` into every HTTP response, which tells scanners what serves the port.
 * The header has no documented switch (upstream keeps it on purpose: uNetworking/uWebSockets.js#956);
 * this build's private `_cfg('silent')` sets the event loop's "no mark" flag, for the whole process.
 * test/http.e2e.test.ts checks that the header is gone, so a build without the switch fails there.
 */
function silenceServerHeader(uws: Uws): void {
  const cfg = (uws as unknown as { _cfg?: (key: string) => void })._cfg;
  if (typeof cfg === 'function') cfg('silent');
}
