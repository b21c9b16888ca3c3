// Checks made while a node starts, each failing with one line that names the option to fix: the
// data directory, the JWT key file and settings, and the database (main.ts prints the line, no stack).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthConfigError, resolveAuthConfig, type AuthConfig, type AuthConfigField } from './auth.js';
import { ConfigError } from './config.js';
import { DatabaseStartError } from './startup-errors.js';
import { sqlState } from './store/sql.js';
import { StoreUnavailableError } from './store/store.js';

/** The environment variable behind each AuthConfig field. */
const AUTH_VARIABLES: Record<AuthConfigField, string> = {
  secret: 'PARLEY_JWT_SECRET',
  publicKey: 'PARLEY_JWT_PUBLIC_KEY',
  algorithms: 'PARLEY_JWT_ALGORITHMS',
  audience: 'PARLEY_JWT_AUDIENCE',
  issuer: 'PARLEY_JWT_ISSUER',
  clockToleranceSec: 'PARLEY_JWT_CLOCK_TOLERANCE',
  guests: 'PARLEY_GUESTS',
  guestSecret: 'PARLEY_GUEST_SECRET',
  guestTtlSec: 'PARLEY_GUEST_TTL',
};

const ERRNO: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on the device',
  EISDIR: 'it is a directory',
};

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === undefined ? (err as Error).message : `${code}${ERRNO[code] ? ` (${ERRNO[code]})` : ''}`;
}

/** Creates the embedded store's data directory if needed and proves that it takes files. */
export function prepareDataDir(dir: string): void {
  if (dir.startsWith('memory://')) return;
  // Written and removed rather than access(W_OK), which says yes to root on a read-only mount.
  const probe = join(dir, `.parley-write-check-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw new ConfigError(`PARLEY_DATA_DIR: cannot write to ${dir}: ${errnoText(err)}; point it at a writable directory`);
  }
}

/** PARLEY_JWT_PUBLIC_KEY as PEM text: the value itself, or the file it names. */
export function readPublicKey(value: string | undefined): string | undefined {
  if (!value || value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new ConfigError(`PARLEY_JWT_PUBLIC_KEY: cannot read the key file ${value}: ${errnoText(err)}`);
  }
}

/** Runs `build`, turning an AuthConfigError into a ConfigError that names the variable to fix. */
export function withAuthVariables<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (!(err instanceof AuthConfigError)) throw err;
    throw new ConfigError(`${AUTH_VARIABLES[err.field]}: ${err.message.replace(/^auth config: /, '')}`, { cause: err });
  }
}

/**
 * Checks the sign-in settings before the slow part of a start. The guest secret may only be known
 * once the store is open, so a throwaway one of the right size stands in for it here.
 */
export function checkAuthConfig(config: AuthConfig): void {
  withAuthVariables(() => resolveAuthConfig({ ...config, guestSecret: config.guestSecret || randomBytes(32).toString('base64url') }));
}

/**
 * A DatabaseStartError saying why PostgreSQL at `url` could not be used (where it is, never the
 * password), or undefined when `err` is not about reaching or entering the database.
 */
export function databaseStartError(url: string, err: unknown): DatabaseStartError | undefined {
  const where = describeServer(url);
  if (err instanceof StoreUnavailableError) {
    return new DatabaseStartError(`DATABASE_URL: cannot reach PostgreSQL at ${where} (${rootCause(err)}); check that it runs and that DATABASE_URL names it`);
  }
  const state = sqlState(err);
  if (state?.startsWith('28')) {
    return new DatabaseStartError(`DATABASE_URL: PostgreSQL at ${where} refused the login (${(err as Error).message}); check the user and password in DATABASE_URL`);
  }
  if (state === '3D000') {
    return new DatabaseStartError(`DATABASE_URL: PostgreSQL at ${where} has no such database (${(err as Error).message}); create it or correct DATABASE_URL`);
  }
  return undefined;
}

function describeServer(url: string): string {
  const parsed = new URL(url);
  const host = parsed.searchParams.get('host') ?? (parsed.hostname || 'localhost');
  return host.startsWith('/') ? `the socket in ${host}` : `${host}:${parsed.port || 5432}`;
}

/** The innermost message: the network's own words ("connect ECONNREFUSED 127.0.0.1:5432"). */
function rootCause(err: Error): string {
  let e: unknown = err;
  for (;;) {
    if (e instanceof AggregateError && e.errors.length > 0) e = e.errors[0];
    else if (e instanceof Error && e.cause !== undefined) e = e.cause;
    else break;
  }
  return e instanceof Error && e.message ? e.message : String((e as { code?: unknown })?.code ?? e);
}
