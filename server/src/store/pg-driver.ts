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
    options: `-c search_path=${schema} -c jit=off`,
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
  // The appender lets its search indexes' pending lists grow to 64 MB before it would merge them
  // itself, inside an append's commit; the cleaner below merges them on another backend.
  // Generic plans: the append runs the same few statements (its function's and its trigger's) for
  // every batch, and with custom plans PostgreSQL planned them again on every call, because a generic
  // plan's estimate for an array parameter never wins against one made for a one-room array.
  const appender = new PipelinedSession({
    ...connection,
    options: `${connection.options} -c gin_pending_list_limit=${APPENDER_GIN_PENDING_KB} -c plan_cache_mode=force_generic_plan`,
  });
  return new PgSql(pool, schema, appender);
}

/** How far (kB) the appender's GIN pending lists may grow before an append merges them itself. */
const APPENDER_GIN_PENDING_KB = 65_536;
/** Most statement texts the appender keeps prepared (it issues one; a bound, should that change). */
const MAX_PREPARED = 8;
/** How often the cleaner looks whether the pending lists of the log's search indexes need a merge, ms. */
const GIN_CLEAN_MS = 100;
/** Characters of appended parameters (bodies, names, ids) since the last merge that call for the next one at the next look. */
const GIN_CLEAN_CHARS = 64 * 1024;
/** Longest an append's entries wait in a pending list for a merge when fewer appends came, ms. */
const GIN_CLEAN_MAX_WAIT_MS = 1000;

/**
 * Merges the pending lists of the log's GIN search indexes into the indexes, on a pool connection,
 * every GIN_CLEAN_MS while appends flow fast, and about GIN_CLEAN_MAX_WAIT_MS after the first
 * unmerged append when they trickle in (a round has a fixed cost, 0.5-1 ms of PostgreSQL's CPU: at
 * a hundred appends a second, ten rounds a second cost about a tenth of what the appends cost).
 * GIN adds a new row's entries to a pending list (cheap) and merges the list into the index once it
 * passes gin_pending_list_limit, in whichever statement crosses it: with the default 4 MB that was
 * an append's batch every fraction of a second under load, holding that batch's commit (and every message queued behind it) for tens of ms. Merged here, the
 * work is the same but off the append path, and searches, which read the pending list row by row,
 * find it short. Failures (a restarting database) are left to the next round; past 64 MB the
 * appender merges as before.
 */
class GinCleaner {
  private indexes: string[] | undefined;
  private running = false;
  private seen = 0;
  private seenChars = 0;
  /** performance.now() of the first look that found appends not yet merged; undefined when none wait. */
  private waitingSince: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly appender: AppendCounters,
  ) {
    this.timer = setInterval(() => void this.clean(), GIN_CLEAN_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async clean(): Promise<void> {
    const appends = this.appender.statements;
    if (this.running || appends === this.seen || this.pool.ended) return;
    const now = performance.now();
    this.waitingSince ??= now;
    const chars = this.appender.paramChars;
    if (chars - this.seenChars < GIN_CLEAN_CHARS && now - this.waitingSince < GIN_CLEAN_MAX_WAIT_MS) return;
    this.running = true;
    try {
      this.indexes ??= await this.find();
      if (this.indexes.length === 0) this.indexes = undefined;
      else await this.pool.query(`SELECT ${this.indexes.map((_, i) => `gin_clean_pending_list($${i + 1}::regclass)`).join(', ')}`, this.indexes);
      this.seen = appends;
      this.seenChars = chars;
      // Appends answered while this round ran may not be in it: they wait from now.
      this.waitingSince = this.appender.statements === appends ? undefined : performance.now();
    } catch {
      // The next round tries again.
    } finally {
      this.running = false;
    }
  }

  /** The GIN indexes on the log's table (none before the migrations made them). */
  private async find(): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name
         FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am a ON a.oid = c.relam
         JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE a.amname = 'gin' AND t.relname = 'events' AND n.nspname = $1 ORDER BY 1`,
      [this.schema],
    );
    return rows.map((r) => r.name);
  }
}

/** What the GIN cleaner reads of the appender: how much it has written. */
interface AppendCounters {
  /** Statements answered so far. */
  readonly statements: number;
  /** Characters of string parameters sent so far (what the search indexes take in grows with it). */
  readonly paramChars: number;
}

/**
 * One connection in pipeline mode: statements are written as soon as they are issued, without
 * waiting for the answers to earlier ones, and PostgreSQL runs and answers them in that order. Only
 * autocommitted single statements go here (each is its own implicit transaction). A broken
 * connection fails every statement in flight; the next statement opens a new one.
 */
class PipelinedSession implements SqlSession, AppendCounters {
  private client: pg.Client | undefined;
  private closed = false;
  /**
   * Names of the statements prepared on this session, by text: the appender issues one statement
   * text for every batch, which PostgreSQL then parses once per connection instead of once per batch.
   */
  private readonly names = new Map<string, string>();
  /** Statements answered so far: the GIN cleaner runs when this moved, so a round always follows the last commit. */
  statements = 0;
  /** Characters of string parameters sent so far: the GIN cleaner merges sooner when much was written. */
  paramChars = 0;

  constructor(private readonly config: pg.ClientConfig) {}

  async query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    if (this.closed) throw new Error('Cannot use a pool after calling end on the pool');
    if (params) for (const p of params) if (typeof p === 'string') this.paramChars += p.length;
    // Statements issued before the connection is up queue inside the client, in order. Without
    // parameters pg uses the simple protocol (several statements allowed): left unnamed.
    const result = await this.connection().query(params ? { text, name: this.nameOf(text), values: [...params] } : text);
    this.statements++;
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
  private readonly cleaner: GinCleaner;

  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    readonly appender: PipelinedSession,
  ) {
    this.cleaner = new GinCleaner(pool, schema, appender);
  }

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
    this.cleaner.stop();
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
