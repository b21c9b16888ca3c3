// The small SQL driver contract the store is written against, and how driver failures are classified.
// Drivers: pglite-driver.ts (embedded, default) and pg-driver.ts (PostgreSQL over the network).

/** Something that runs statements: the database itself or an open transaction. */
export interface SqlSession {
  /** One statement with `$1…` parameters. int8 columns come back as numbers, jsonb as parsed values. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several `;`-separated statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Sql extends SqlSession {
  /** Which driver this is, for logs and stats. */
  readonly driver: 'pglite' | 'pg';
  /** Schema that holds the store's tables; already on the search_path of every session. */
  readonly schema: string;
  /**
   * Where group-commit batches go: single autocommitted statements that run, and are answered, in
   * the order they are issued — on PostgreSQL pipelined on one connection of their own, so the next
   * batch is already there when the database finishes one.
   */
  readonly appender: SqlSession;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  /** Releases every connection. Statements issued afterwards fail. */
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a schema name. Only lower-case identifiers are accepted so the name never needs quoting
 * (it is spliced into DDL and into the connection's `search_path` option).
 */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new RangeError(`schema must match ${SCHEMA_NAME.source}, got ${JSON.stringify(schema)}`);
  }
  return schema;
}

/** SQLSTATE of a database error, when the failure came from the server rather than the network. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';

/**
 * True when `err` means the database could not be reached or could not do the work, as opposed to
 * the statement being wrong: the caller may retry later (with the same cid, which makes it safe).
 */
export function isUnavailable(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) {
    // 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown,
    // cannot connect now), 58 system error (I/O), 40001/40P01 lost a race and may be retried.
    return /^(08|53|57|58)/.test(state) || state === '40001' || state === '40P01';
  }
  if (err instanceof AggregateError) return err.errors.some(isUnavailable);
  if (!(err instanceof Error)) return false;
  // Socket-level failures carry a Node errno code; pg reports lost/refused connections by message.
  const errno = (err as { code?: unknown }).code;
  if (typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) return true;
  return /connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|client has encountered a connection error|pglite is closed|pool after calling end/i.test(
    err.message,
  );
}
