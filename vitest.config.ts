import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Suites that load the machine on purpose (fault injection, backlogs driven at the announced rates,
// benchmark harnesses pinned to cores): they run last, one file at a time, so that neither they nor
// the timing of the others suffer from sharing two cores.
const HEAVY = [
  'test/fault/**/*.test.ts',
  'test/outbox-backlog.e2e.test.ts',
  'test/load.e2e.test.ts',
  'bench/test/harness.test.ts',
  'bench/test/store-alone.test.ts',
];

export default defineConfig({
  resolve: {
    // Tests run against sources; the build is type-checked separately by `tsc -b`.
    alias: [
      { find: /^@parley\/sdk\/protocol$/, replacement: src('./sdk/src/protocol/index.ts') },
      { find: /^@parley\/sdk\/bot$/, replacement: src('./sdk/src/bot/index.ts') },
      { find: /^@parley\/sdk$/, replacement: src('./sdk/src/index.ts') },
      { find: /^@parley\/server$/, replacement: src('./server/src/index.ts') },
    ],
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'suites',
          include: ['sdk/test/**/*.test.ts', 'server/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts', 'bench/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...HEAVY],
          // Most suites wait on sockets, timers and the database rather than on a core: two files at
          // a time halve the wall time on two cores. Every suite uses its own schema, Redis prefix and port.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'heavy', include: HEAVY, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
