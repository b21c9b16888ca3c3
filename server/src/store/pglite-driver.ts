// Embedded driver: PGlite (Postgres compiled to WASM) in this process, data in a directory on disk.
// One PGlite is one session, so statements and transactions are serialised by PGlite itself.
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { checkSchemaName, type Sql, type SqlSession } from './sql.js';

export interface PgliteOptions {
  /** Data directory, created if missing; `memory://` keeps everything in memory. */
  dataDir: string;
  /** Schema holding the store's tables. Default `parley`. */
  schema?: string;
}

// Durability: PGlite runs with fsync=off and its Node filesystem layer cannot fsync, so a resolved
// commit has reached the OS (it survives a crash of this process) but not necessarily the disk (a
// power loss or kernel crash may lose the last commits). Deployments that need more use PostgreSQL.

/** Opens (and, on first use, initialises) an embedded database. Takes a few seconds to start. */
export async function openPglite(options: PgliteOptions): Promise<Sql> {
  const schema = checkSchemaName(options.schema ?? 'parley');
  if (!options.dataDir.startsWith('memory://')) mkdirSync(options.dataDir, { recursive: true });
  const db = new PGlite(options.dataDir);
  await db.waitReady;
  // The session lives as long as the PGlite instance, so a plain SET holds for every later statement.
  await db.exec(`SET search_path TO ${schema}`);
  return new PgliteSql(db, schema);
}

class PgliteSql implements Sql {
  readonly driver = 'pglite';
  /** PGlite runs statements one at a time in the order they were issued: it is its own appender. */
  readonly appender: SqlSession = this;

  constructor(
    private readonly db: PGlite,
    readonly schema: string,
  ) {}

  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return runQuery<Row>(this.db, text, params);
  }

  async exec(text: string): Promise<void> {
    await this.db.exec(text);
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new PgliteTx(tx)));
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}

class PgliteTx implements SqlSession {
  constructor(private readonly tx: Transaction) {}

  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return runQuery<Row>(this.tx, text, params);
  }

  async exec(text: string): Promise<void> {
    await this.tx.exec(text);
  }
}

async function runQuery<Row>(target: PGlite | Transaction, text: string, params?: readonly unknown[]): Promise<Row[]> {
  const result = await target.query<Row>(text, params ? [...params] : undefined);
  return result.rows;
}
