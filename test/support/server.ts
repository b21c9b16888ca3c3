// Starts real Parley nodes for tests on port 0, against the embedded store or the real PostgreSQL,
// and mints tokens. PostgreSQL missing: a failure under CI, a loud skip elsewhere.
import { configWith, silentLogger, startServer, type Config, type Logger, type ParleyServer, type StartOptions } from '@parley/server';
import jwt from 'jsonwebtoken';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
export const GUEST_SECRET = 'guest-secret-that-is-at-least-32-bytes-long';
export const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type StoreKind = 'pglite' | 'postgres';

let pgAvailable: boolean | undefined;

/** Whether the real PostgreSQL answers. Throws under CI when it does not: a missing service is a failure there. */
export async function postgresAvailable(): Promise<boolean> {
  if (pgAvailable !== undefined) return pgAvailable;
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    pgAvailable = true;
  } catch (err) {
    if (process.env.CI) throw new Error(`PostgreSQL is required in CI but unreachable at ${PG_URL}: ${(err as Error).message}`);
    console.warn(
      `\n${'!'.repeat(78)}\n!! PostgreSQL unreachable at ${PG_URL}: the PostgreSQL suites are SKIPPED.\n!! (${(err as Error).message})\n${'!'.repeat(78)}\n`,
    );
    pgAvailable = false;
  } finally {
    await client.end().catch(() => {});
  }
  return pgAvailable;
}

export interface TestNode {
  server: ParleyServer;
  config: Config;
  url: string;
  http: string;
  /** Stops the node (graceful drain). */
  stop(): Promise<void>;
  /** Removes the node's storage (temp dir or schema). */
  destroy(): Promise<void>;
}

let schemaCounter = 0;

/** A fresh storage location for `kind`: a temp dir for PGlite, a unique schema for PostgreSQL. */
export function freshStorage(kind: StoreKind): Partial<Config> {
  if (kind === 'postgres') {
    // Files still need a directory of their own.
    return { databaseUrl: PG_URL, dbSchema: `t_${process.pid}_${Date.now().toString(36)}_${schemaCounter++}`, fileDir: mkdtempSync(join(tmpdir(), 'parley-files-')) };
  }
  return { dataDir: mkdtempSync(join(tmpdir(), 'parley-test-')) };
}

export async function startNode(kind: StoreKind, overrides: Partial<Config> = {}, storage = freshStorage(kind), log: Logger = silentLogger, options: Omit<StartOptions, 'log'> = {}): Promise<TestNode> {
  const config = configWith({
    host: '127.0.0.1',
    port: 0,
    jwtSecret: TEST_SECRET,
    guests: true,
    guestSecret: GUEST_SECRET,
    rooms: ['lobby'],
    drainTimeoutMs: 2000,
    ...storage,
    ...overrides,
  });
  const server = await startServer(config, { ...options, log });
  const node: TestNode = {
    server,
    config,
    url: `ws://127.0.0.1:${server.port}/ws`,
    http: `http://127.0.0.1:${server.port}`,
    stop: () => server.close(),
    async destroy() {
      await server.close();
      await dropStorage(storage);
    },
  };
  return node;
}

export async function dropStorage(storage: Partial<Config>): Promise<void> {
  if (storage.dataDir) rmSync(storage.dataDir, { recursive: true, force: true });
  if (storage.fileDir) rmSync(storage.fileDir, { recursive: true, force: true });
  if (storage.dbSchema && storage.databaseUrl) {
    const client = new pg.Client({ connectionString: storage.databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${storage.dbSchema}" CASCADE`);
    await client.end();
  }
}

/** An HS256 user token signed with the test secret. */
export function userToken(sub: string, name = sub, options: jwt.SignOptions = {}): string {
  return jwt.sign({ sub, name }, TEST_SECRET, { algorithm: 'HS256', expiresIn: 600, ...options });
}

/** A guest token from the node itself (the same signer as POST /v1/guest, without its per-address rate limit). */
export function guestToken(node: TestNode, name = 'Guest'): string {
  return node.server.hub.auth.issueGuest(name).token;
}
