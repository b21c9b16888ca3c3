// Storage entry point: picks the driver from the configuration and returns a migrated, ready Store.
// PostgreSQL when a URL is given, otherwise the embedded PGlite in the data directory.
import { join } from 'node:path';
import { openPg } from './pg-driver.js';
import { openPglite } from './pglite-driver.js';
import { SqlStore } from './sql-store.js';

export interface OpenStoreOptions {
  /** postgres:// URL. Unset (or empty): the embedded store. */
  databaseUrl?: string | undefined;
  /** Parley's data directory; the embedded database lives in its `pglite/` subdirectory. `memory://` keeps it in memory. Default `./data`. */
  dataDir?: string | undefined;
  /** Postgres schema holding the tables, created if missing. Lower-case identifier. Default `parley`. */
  schema?: string | undefined;
  /** Most appends written in one transaction. Default 2000. */
  maxBatch?: number | undefined;
  /** Most append batches in flight at once, pipelined on one connection; PostgreSQL only (PGlite is one session). Default 2. */
  maxInFlight?: number | undefined;
  /** Embedded store: PostgreSQL's page cache (`shared_buffers`), e.g. `32MB`. Default `32MB`. */
  sharedBuffers?: string | undefined;
  /** Language of search: `simple` (default) or a stemmer's, such as `english`. */
  searchLanguage?: string | undefined;
}

/**
 * Opens the configured store and applies pending migrations. Rejects with `StoreUnavailableError`
 * when PostgreSQL cannot be reached.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<SqlStore> {
  const schema = options.schema ?? 'parley';
  const sql = options.databaseUrl
    ? openPg({ url: options.databaseUrl, schema })
    : await openPglite({ dataDir: embeddedDir(options.dataDir ?? './data'), schema, ...(options.sharedBuffers ? { sharedBuffers: options.sharedBuffers } : {}) });
  const store = new SqlStore(sql, {
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    ...(options.maxInFlight === undefined || !options.databaseUrl ? {} : { maxInFlight: options.maxInFlight }),
    ...(options.searchLanguage === undefined ? {} : { searchLanguage: options.searchLanguage }),
  });
  try {
    await store.init();
  } catch (err) {
    await sql.close().catch(() => undefined);
    throw err;
  }
  return store;
}

// A subdirectory, because Postgres expects to own every file in its data directory and Parley's data
// directory may hold other files (a guest secret left there by earlier versions, until it is moved).
function embeddedDir(dataDir: string): string {
  return dataDir.startsWith('memory://') ? dataDir : join(dataDir, 'pglite');
}

export { SqlStore } from './sql-store.js';
export { openPg } from './pg-driver.js';
export { openPglite } from './pglite-driver.js';
export { migrate } from './migrate.js';
export { migrations } from './migrations.js';
export { StoreUnavailableError, RoomNotFoundError, RoomLimitError } from './store.js';

export type { SqlStoreOptions, StoreStats } from './sql-store.js';
export type { Sql, SqlSession } from './sql.js';
export type { PgOptions } from './pg-driver.js';
export type { PgliteOptions } from './pglite-driver.js';
export type { Migration } from './migrations.js';
export type {
  Store,
  RoomKindName,
  RoleName,
  EventData,
  UserRecord,
  RoomRecord,
  MemberRecord,
  AppendInput,
  AppendResult,
  HistoryQuery,
  HistoryPage,
  MessageHistoryQuery,
  MessageState,
  ReactionCounts,
  StoreOutage,
} from './store.js';
export { SqlModeration, DEFAULT_RULES } from './moderation.js';
export type { RoomRulesRecord, SanctionRecord, ModerationChange, AuditEntry, ReportRecord, FilterAction, GuestPolicyName } from './moderation.js';
