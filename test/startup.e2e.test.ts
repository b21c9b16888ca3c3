// Starting the real server binary (server/dist/main.js): a port already taken, and start-up failures,
// each stop the process with one line that names what to fix and an exit code, never a stack trace.
import type { Config } from '@parley/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, runToExit, startProcess, type ServerProcess } from './support/process.js';
import { dropStorage, freshStorage, postgresAvailable } from './support/server.js';

// Each case starts real processes; on a busy machine that takes seconds (PGlite most of all).
const SLOW = 120_000;
const onPostgres = await postgresAvailable();

/** Environment for a node's storage: a schema of the real PostgreSQL when there is one (quicker to open), else a data dir. */
function storageEnv(storage: Partial<Config>): Record<string, string> {
  if (storage.databaseUrl) return { DATABASE_URL: storage.databaseUrl, PARLEY_DB_SCHEMA: storage.dbSchema! };
  return { PARLEY_DATA_DIR: storage.dataDir! };
}

describe('one port, one process', () => {
  const storages: Partial<Config>[] = [];
  const storage = () => {
    const s = freshStorage(onPostgres ? 'postgres' : 'pglite');
    storages.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of storages) await dropStorage(s);
  });

  test('a second process on a taken port exits at once with one line naming the port; the first keeps serving', async () => {
    const port = await freePort();
    const env = { PARLEY_HOST: '127.0.0.1', PARLEY_PORT: String(port) };
    const first = await startProcess({ ...env, ...storageEnv(storage()) });
    try {
      // Its own data directory: the check must not depend on two embedded stores colliding.
      const dir = mkdtempSync(join(tmpdir(), 'parley-startup-'));
      const second = await runToExit({ ...env, PARLEY_DATA_DIR: dir }).finally(() => rmSync(dir, { recursive: true, force: true }));
      expect(second.code).toBe(1);
      expect(second.stdout).not.toContain('Parley listening');
      expect(second.stderr.trim().split('\n')).toEqual([
        `parley: cannot listen on 127.0.0.1:${port}: the port is in use by another process (another Parley?); stop it, or set PARLEY_PORT to a free port (PARLEY_REUSE_PORT=true shares it on purpose)`,
      ]);
      for (let i = 0; i < 5; i++) expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
  }, SLOW);

  describe('PARLEY_REUSE_PORT=true', () => {
    let a: ServerProcess | undefined;
    let b: ServerProcess | undefined;
    let port = 0;
    beforeAll(async () => {
      port = await freePort();
      const env = { PARLEY_HOST: '127.0.0.1', PARLEY_PORT: String(port), PARLEY_REUSE_PORT: 'true' };
      a = await startProcess({ ...env, ...storageEnv(storage()) });
      b = await startProcess({ ...env, ...storageEnv(storage()) });
    }, SLOW);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
    });

    test('lets two processes share the port on purpose', async () => {
      expect(a!.port).toBe(port);
      expect(b!.port).toBe(port);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    });
  });
});
