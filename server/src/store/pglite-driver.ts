// Embedded driver: PGlite (PostgreSQL compiled to WebAssembly) in a worker thread of this process, data
// in a directory on disk. A statement runs for as long as it needs without holding the event loop.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PgliteErrorFields, PgliteReply, PgliteRequest, PgliteStarted, PgliteWorkerData } from './pglite-messages.js';
import { checkSchemaName, type Sql, type SqlSession } from './sql.js';

export interface PgliteOptions {
  /** Data directory, created if missing; `memory://` keeps everything in memory. */
  dataDir: string;
  /** Schema holding the store's tables. Default `parley`. */
  schema?: string;
  /** PostgreSQL's own page cache inside the process (`shared_buffers`), e.g. `32MB`. Default `32MB`. */
  sharedBuffers?: string;
}

// Durability: PGlite runs with fsync=off and its Node filesystem layer cannot fsync, so a resolved
// commit has reached the OS (it survives a crash of this process) but not necessarily the disk (a
// power loss or kernel crash may lose the last commits). Deployments that need more use PostgreSQL.
// The worker writes through synchronous file-system calls before it answers, so this holds across
// the thread boundary: by the time a commit is answered here, its writes are in the OS.

/** A statement the embedded database refused, or a failure of the database itself; `code` is its SQLSTATE. */
export class PgliteError extends Error {
  override readonly name = 'PgliteError';
  readonly code: string | undefined;
  readonly constraint: string | undefined;
  readonly detail: string | undefined;

  constructor(fields: PgliteErrorFields) {
    super(fields.message);
    this.code = fields.code;
    this.constraint = fields.constraint;
    this.detail = fields.detail;
  }
}

/** SQLSTATE 08006 (connection failure): the worker stopped, so every later statement fails as unavailable. */
const WORKER_GONE = '08006';

/** Opens (and, on first use, initialises) an embedded database. Takes a few seconds to start. */
export async function openPglite(options: PgliteOptions): Promise<Sql> {
  const schema = checkSchemaName(options.schema ?? 'parley');
  const settings = [`shared_buffers=${options.sharedBuffers ?? '32MB'}`];
  const base = { dataDir: options.dataDir, schema, settings };
  // initdb leaves hundreds of MiB of WebAssembly memory behind that PGlite never returns: a fresh
  // directory is initialised by a worker of its own, whose memory goes with it when it exits.
  if (!options.dataDir.startsWith('memory://') && !existsSync(join(options.dataDir, 'PG_VERSION'))) {
    const init = startWorker({ ...base, initOnly: true });
    await init.started;
    await init.exited;
  }
  const worker = startWorker({ ...base, initOnly: false });
  try {
    await worker.started;
  } catch (err) {
    await worker.worker.terminate();
    throw err;
  }
  return new PgliteSql(worker.worker, worker.exited, schema);
}

interface StartedWorker {
  worker: Worker;
  /** Resolves once the database is open; rejects with the reason it could not be. */
  started: Promise<void>;
  /** Resolves with the reason the thread ended. */
  exited: Promise<string>;
}

function startWorker(data: PgliteWorkerData): StartedWorker {
  const worker = new Worker(workerFile(), { workerData: data });
  const exited = new Promise<string>((resolve) => {
    let reason = '';
    worker.once('error', (err) => (reason = err.message));
    worker.once('exit', (code) => resolve(reason || `exit code ${code}`));
  });
  const started = new Promise<void>((resolve, reject) => {
    worker.once('message', (msg: PgliteStarted) => (msg.ready ? resolve() : reject(new PgliteError(msg.error))));
    void exited.then((reason) => reject(new PgliteError({ code: WORKER_GONE, message: `the embedded database stopped while opening: ${reason}` })));
  });
  return { worker, started, exited };
}

/**
 * The compiled worker. Run from the sources (the tests), this module finds it in the package's
 * dist/ instead: a worker thread runs JavaScript only, so the build must have run.
 */
function workerFile(): URL {
  const beside = new URL('./pglite-worker.js', import.meta.url);
  if (existsSync(beside)) return beside;
  const built = new URL('../../dist/store/pglite-worker.js', import.meta.url);
  if (existsSync(built)) return built;
  throw new Error('the embedded store needs the compiled pglite-worker.js: run `npm run build`');
}

interface Waiting {
  resolve(value: unknown): void;
  reject(err: PgliteError): void;
}

class PgliteSql implements Sql {
  readonly driver = 'pglite';
  /** PGlite runs statements one at a time in the order they were issued: it is its own appender. */
  readonly appender: SqlSession = this;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  /** Why no further statement can run, once closed or once the worker stopped. */
  private gone: PgliteError | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly exited: Promise<string>,
    readonly schema: string,
  ) {
    worker.on('message', (reply: PgliteReply) => this.settle(reply));
    void exited.then((reason) => this.fail(new PgliteError({ code: WORKER_GONE, message: `the embedded database stopped: ${reason}` })));
    // An idle store does not keep the process alive; a statement in flight does (see `ask`).
    worker.unref();
  }

  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.ask({ op: 'query', text, params: params ? [...params] : undefined, tx: undefined }) as Promise<Row[]>;
  }

  async exec(text: string): Promise<void> {
    await this.ask({ op: 'exec', text, tx: undefined });
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    const tx = (await this.ask({ op: 'begin' })) as number;
    let result: T;
    try {
      result = await fn(new PgliteTx(this, tx));
    } catch (err) {
      // Rolled back; a failure to roll back (the worker is gone) says no more than `err` does.
      await this.ask({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw err;
    }
    await this.ask({ op: 'end', tx, commit: true });
    return result;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.gone) {
        const closed = this.ask({ op: 'close' });
        this.gone = new PgliteError({ code: WORKER_GONE, message: 'PGlite is closed' });
        await closed.catch(() => undefined);
      }
      await this.exited;
    })();
    return this.closing;
  }

  /** Sends one request to the worker and resolves with its answer. */
  ask(request: DistributiveOmit<PgliteRequest, 'id'>): Promise<unknown> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id } as PgliteRequest);
    });
  }

  private settle(reply: PgliteReply): void {
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    // Held while closing too, so that a process whose last work is the close sees the thread end.
    if (this.waiting.size === 0 && !this.closing) this.worker.unref();
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(new PgliteError(reply.error));
  }

  private fail(err: PgliteError): void {
    this.gone ??= err;
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of all) w.reject(err);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

class PgliteTx implements SqlSession {
  constructor(
    private readonly db: PgliteSql,
    private readonly tx: number,
  ) {}

  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.db.ask({ op: 'query', text, params: params ? [...params] : undefined, tx: this.tx }) as Promise<Row[]>;
  }

  async exec(text: string): Promise<void> {
    await this.db.ask({ op: 'exec', text, tx: this.tx });
  }
}
