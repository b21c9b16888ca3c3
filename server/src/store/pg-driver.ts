// PostgreSQL driver: a `pg` connection pool, used when a DATABASE_URL is configured.
// Every pooled connection starts with the store's schema on its search_path, and without JIT.
import { userInfo } from 'node:os';
import pg from 'pg';
import { checkSchemaName, type Sql, type SqlSession } from './sql.js';

export interface PgOptions {
  /** postgres:// connection string. */
  url: string;
  /** Schema holding the store's tables. Default `parley`. */
  schema?: string;
  /** Most pooled connections. Default 10. */
  maxConnections?: number;
  /** How long to wait for a connection before failing as unavailable, in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Called with errors of idle pooled connections (they are discarded and replaced). Default: ignored. */
  onIdleError?: (err: Error) => void;
}

const INT8_OID = 20;

// Per-pool parsers, so this never changes how other pg users in the process read int8. Seqs and
// millisecond timestamps stay far below 2^53, so a JS number is exact.
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format),
};

/** Creates a pool. No connection is made until the first statement. */
export function openPg(options: PgOptions): Sql {
  const schema = checkSchemaName(options.schema ?? 'parley');
  const connection: pg.ClientConfig = {
    connectionString: withDefaultUser(options.url),
    // JIT off: the store's statements run in milliseconds, and compiling one whose estimated cost
    // crosses jit_above_cost (a walk under a LIMIT, a search) took tens of ms more than running it.
    // No parallel workers, for the same reason: starting two for a search's read of the events the
    // search indexer has not applied yet (estimated a third of the log, usually none) took 10 ms of
    // a statement that runs in 2 without them (ADR 0029).
    options: `-c search_path=${schema} -c jit=off -c max_parallel_workers_per_gather=0`,
    types,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    // Lets the kernel notice a peer that vanished without closing (a partitioned network), which
    // would otherwise leave a batch and every append queued behind it waiting forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
  const pool = new pg.Pool({ ...connection, max: options.maxConnections ?? 10 });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (err) => options.onIdleError?.(err));
  // The appender lets the projection's search indexes' pending lists (edits) grow to 64 MB before
  // it would merge them itself, inside an append's commit; the search indexer merges them after its
  // rounds on a pool connection (search-indexer.ts).
  // Generic plans: the append runs the same few statements (its function's and its trigger's) for
  // every batch, and with custom plans PostgreSQL planned them again on every call, because a generic
  // plan's estimate for an array parameter never wins against one made for a one-room array.
  const appender = new PipelinedSession({
    ...connection,
    options: `${connection.options} -c gin_pending_list_limit=${APPENDER_GIN_PENDING_KB} -c plan_cache_mode=force_generic_plan`,
  });
  return new PgSql(pool, schema, appender);
}

/** How far (kB) the appender's GIN pending lists (the projection's, written by edits) may grow before an append merges them itself. */
const APPENDER_GIN_PENDING_KB = 65_536;
/** Most statement texts the appender keeps prepared (it issues one; a bound, should that change). */
const MAX_PREPARED = 8;

/**
 * One connection in pipeline mode: statements are written as soon as they are issued, without
 * waiting for the answers to earlier ones, and PostgreSQL runs and answers them in that order. Only
 * autocommitted single statements go here (each is its own implicit transaction). A broken
 * connection fails every statement in flight; the next statement opens a new one.
 */
class PipelinedSession implements SqlSession {
  private client: pg.Client | undefined;
  private closed = false;
  /**
   * Names of the statements prepared on this session, by text: the appender issues one statement
   * text for every batch, which PostgreSQL then parses once per connection instead of once per batch.
   */
  private readonly names = new Map<string, string>();

  constructor(private readonly config: pg.ClientConfig) {}

  async query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    if (this.closed) throw new Error('Cannot use a pool after calling end on the pool');
    // Statements issued before the connection is up queue inside the client, in order. Without
    // parameters pg uses the simple protocol (several statements allowed): left unnamed.
    const result = await this.connection().query(params ? { text, name: this.nameOf(text), values: [...params] } : text);
    return result.rows as Row[];
  }

  async exec(text: string): Promise<void> {
    await this.query(text);
  }

  /** The prepared statement's name for `text`; unnamed (parsed every time) past the first few texts. */
  private nameOf(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_PREPARED) this.names.set(text, (name = `parley_append_${this.names.size}`));
    return name;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connection(): pg.Client {
    if (this.client) return this.client;
    const client = new pg.Client({ ...this.config, pipeline: true });
    const drop = () => {
      if (this.client === client) this.client = undefined;
    };
    // The statements in flight fail with the connection's error; the event itself must be heard.
    client.on('error', drop);
    client.on('end', drop);
    client.connect().catch(drop);
    this.client = client;
    return client;
  }
}

// Like psql: with no user in the URL or the environment, connect as the OS user (pg would send
// none when $USER is unset, as in many containers, and the server refuses the connection).
function withDefaultUser(url: string): string {
  if (process.env.PGUSER || process.env.USER) return url;
  try {
    const parsed = new URL(url);
    if (parsed.username || !parsed.host) return url;
    parsed.username = userInfo().username;
    return parsed.toString();
  } catch {
    return url;
  }
}

class PgSql implements Sql {
  readonly driver = 'pg';

  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    readonly appender: PipelinedSession,
  ) {}

  async query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    const result = await this.pool.query(text, params ? [...params] : undefined);
    return result.rows as Row[];
  }

  async exec(text: string): Promise<void> {
    // Without parameters pg uses the simple query protocol, which accepts several statements.
    await this.pool.query(text);
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out client reports a dropped connection as an 'error' event as well as by failing
    // the pending query; unheard, that event would crash the process.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(new PgTx(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is unusable: hand it back as broken so the pool discards it.
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      }
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.appender.close();
    if (!this.pool.ended) await this.pool.end();
  }
}

class PgTx implements SqlSession {
  constructor(private readonly client: pg.PoolClient) {}

  async query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    const result = await this.client.query(text, params ? [...params] : undefined);
    return result.rows as Row[];
  }

  async exec(text: string): Promise<void> {
    await this.client.query(text);
  }
}
