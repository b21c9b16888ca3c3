import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against sources; the build is type-checked separately by `tsc -b`.
    alias: [
      { find: /^@parley\/sdk\/protocol$/, replacement: src('./sdk/src/protocol/index.ts') },
      { find: /^@parley\/sdk$/, replacement: src('./sdk/src/index.ts') },
      { find: /^@parley\/server$/, replacement: src('./server/src/index.ts') },
    ],
  },
  test: {
    include: ['sdk/test/**/*.test.ts', 'server/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
