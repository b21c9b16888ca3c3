// Starting the real server binary (server/dist/main.js): a port already taken, and start-up failures,
// each stop the process with one line that names what to fix and an exit code, never a stack trace.
import type { Config } from '@parley/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
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
    // The example bots' PARLEY_URL and PARLEY_TOKEN may sit in the same shell: they are not refused.
    const first = await startProcess({ ...env, ...storageEnv(storage()), PARLEY_URL: `http://127.0.0.1:${port}`, PARLEY_TOKEN: 'x' });
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

describe('start-up failures: one line naming what to fix, no stack trace', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-startup-'));
    writeFileSync(join(dir, 'a-file'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the server at the default log level, as a user would, and returns its exit code and stderr lines. */
  async function fails(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
    const { code, stdout, stderr } = await runToExit({ PARLEY_HOST: '127.0.0.1', PARLEY_PORT: '0', PARLEY_DATA_DIR: join(dir, 'data'), PARLEY_LOG_LEVEL: 'info', ...env });
    expect(stdout).not.toContain('Parley listening');
    return { code, lines: stderr.trim().split('\n') };
  }

  test.each([
    [{ PARLEY_JWT_SECRT: 'a'.repeat(40) }, 'unknown variable PARLEY_JWT_SECRT (did you mean PARLEY_JWT_SECRET?): remove or correct it (--help lists every option)'],
    [{ PARLEY_SECRET: 'a'.repeat(40), PARLEY_COLOUR: 'blue' }, 'unknown variables PARLEY_SECRET (did you mean PARLEY_JWT_SECRET?), PARLEY_COLOUR: remove or correct it (--help lists every option)'],
    [{ PARLEY_JWT_PUBLIC_KEY: '/nonexistent/jwt.pem' }, 'PARLEY_JWT_PUBLIC_KEY: cannot read the key file /nonexistent/jwt.pem: ENOENT (no such file or directory)'],
    [{ PARLEY_JWT_SECRET: 'short' }, 'PARLEY_JWT_SECRET: secret is 5 bytes; HS256 needs at least 32 random bytes or it can be brute-forced from one token (generate one with: openssl rand -base64 48)'],
    [{ PARLEY_TLS_CERT: '/nonexistent/cert.pem', PARLEY_TLS_KEY: '/nonexistent/key.pem' }, 'PARLEY_TLS_CERT: cannot read /nonexistent/cert.pem: ENOENT'],
    [{ DATABASE_URL: 'not-a-url' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL (e.g. postgres://user:password@host:5432/database); the value is not a URL'],
    [{ DATABASE_URL: 'mysql://db.example/chat' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL (e.g. postgres://user:password@host:5432/database), got "mysql://…"'],
  ])('%j: exit 2 with one line', async (env, message) => {
    expect(await fails(env)).toEqual({ code: 2, lines: [`parley: ${message}`] });
  }, SLOW);

  test('an unwritable data directory: exit 2, naming PARLEY_DATA_DIR', async () => {
    // Under a regular file: no user, root included, can create it.
    const inside = join(dir, 'a-file', 'data');
    expect(await fails({ PARLEY_DATA_DIR: inside })).toEqual({
      code: 2,
      lines: [`parley: PARLEY_DATA_DIR: cannot write to ${inside}: ENOTDIR (a part of the path is a file, not a directory); point it at a writable directory`],
    });
  }, SLOW);

  test('an unreachable database: exit 1, naming DATABASE_URL and the host', async () => {
    const port = await freePort(); // nothing listens there
    const { code, lines } = await fails({ DATABASE_URL: `postgres://parley:secret-password@127.0.0.1:${port}/chat`, PARLEY_GUEST_SECRET: 'g'.repeat(40) });
    expect(code).toBe(1);
    expect(lines).toEqual([
      `parley: DATABASE_URL: cannot reach PostgreSQL at 127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); check that it runs and that DATABASE_URL names it`,
    ]);
    expect(lines.join('\n')).not.toContain('secret-password');
  }, SLOW);
});
