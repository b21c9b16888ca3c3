// The worker thread that runs PGlite, so that its WebAssembly never holds the server's event loop: it
// opens the database, then runs each request of the driver (pglite-driver.ts) as PGlite orders them.
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { mkdirSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { PgliteErrorFields, PgliteReply, PgliteRequest, PgliteStarted, PgliteWorkerData } from './pglite-messages.js';

const port = parentPort!;
const config = workerData as PgliteWorkerData;

/** An open transaction: PGlite holds it (and its lock on the database) until `finish` is called. */
interface OpenTx {
  tx: Transaction;
  finish(commit: boolean): void;
}

/** Thrown inside PGlite's transaction callback to make it roll back; never leaves the worker. */
class RollbackRequested extends Error {
  override readonly name = 'RollbackRequested';
}

const transactions = new Map<number, OpenTx>();
let nextTx = 1;
/** Requests begun and not yet answered: `close` waits for them. */
const running = new Set<Promise<void>>();

function errorFields(err: unknown): PgliteErrorFields {
  if (!(err instanceof Error)) return { message: String(err) };
  const fields: PgliteErrorFields = { message: err.message };
  const source = err as Error & Partial<Record<keyof PgliteErrorFields, unknown>>;
  for (const key of ['code', 'constraint', 'detail', 'severity', 'table', 'column'] as const) {
    const value = source[key];
    if (typeof value === 'string') fields[key] = value;
  }
  return fields;
}

function answer(id: number, work: () => Promise<unknown>): void {
  const done = work().then(
    (value): PgliteReply => ({ id, ok: true, value }),
    (err: unknown): PgliteReply => ({ id, ok: false, error: errorFields(err) }),
  );
  const posted = done.then((reply) => port.postMessage(reply));
  running.add(posted);
  void posted.finally(() => running.delete(posted));
}

/** The session a statement runs on: the open transaction it names, or the database itself. */
function session(db: PGlite, tx: number | undefined): PGlite | Transaction {
  if (tx === undefined) return db;
  const open = transactions.get(tx);
  if (!open) throw new Error(`transaction ${tx} is not open`);
  return open.tx;
}

/** Each open transaction's outcome, awaited by its `end`. */
const ends = new Map<number, Promise<void>>();

/** Starts a transaction; answers with its id once BEGIN ran (after any transaction before it ended). */
function begin(db: PGlite, id: number): void {
  const txId = nextTx++;
  let started!: () => void;
  const opened = new Promise<void>((resolve) => (started = resolve));
  // PGlite keeps the transaction open, holding its lock on the database, until `finish` settles the
  // callback's promise: the statements in between arrive as messages naming this transaction.
  const outcome = db.transaction(
    (tx) =>
      new Promise<void>((resolve, reject) => {
        transactions.set(txId, { tx, finish: (commit) => (commit ? resolve() : reject(new RollbackRequested())) });
        started();
      }),
  );
  // Its failure is reported by `end`, or by the reply to `begin` when BEGIN itself failed.
  outcome.catch(() => undefined);
  void outcome.finally(() => transactions.delete(txId)).catch(() => undefined);
  ends.set(txId, outcome);
  answer(id, async () => {
    try {
      await Promise.race([opened, outcome]);
    } catch (err) {
      ends.delete(txId);
      throw err;
    }
    return txId;
  });
}

function end(id: number, txId: number, commit: boolean): void {
  answer(id, async () => {
    const open = transactions.get(txId);
    const outcome = ends.get(txId);
    if (!open || !outcome) throw new Error(`transaction ${txId} is not open`);
    ends.delete(txId);
    open.finish(commit);
    try {
      await outcome;
    } catch (err) {
      if (!(err instanceof RollbackRequested)) throw err;
    }
    return undefined;
  });
}

async function open(): Promise<PGlite> {
  if (!config.dataDir.startsWith('memory://')) mkdirSync(config.dataDir, { recursive: true });
  const settings = config.settings.flatMap((s) => ['-c', s]);
  // Search (migration 10) indexes through unaccent and pg_trgm, which PGlite ships as separate bundles.
  const extensions = { unaccent, pg_trgm };
  const db = new PGlite(config.dataDir, settings.length ? { extensions, startParams: [...PGlite.defaultStartParams, ...settings] } : { extensions });
  await db.waitReady;
  // The session lives as long as the PGlite instance, so a plain SET holds for every later statement.
  await db.exec(`SET search_path TO ${config.schema}`);
  return db;
}

/** Answers everything asked before `close`, lets PGlite write its state and stop, then ends the thread. */
async function close(db: PGlite, id: number): Promise<void> {
  await Promise.allSettled([...running]);
  let reply: PgliteReply = { id, ok: true, value: undefined };
  try {
    if (!db.closed) await db.close();
  } catch (err) {
    reply = { id, ok: false, error: errorFields(err) };
  }
  port.postMessage(reply);
  port.close();
}

async function main(): Promise<void> {
  let db: PGlite;
  try {
    db = await open();
  } catch (err) {
    port.postMessage({ ready: false, error: errorFields(err) } satisfies PgliteStarted);
    return;
  }
  if (config.initOnly) {
    await db.close();
    port.postMessage({ ready: true } satisfies PgliteStarted);
    return;
  }
  port.on('message', (req: PgliteRequest) => {
    switch (req.op) {
      case 'query':
        return answer(req.id, async () => (await session(db, req.tx).query(req.text, req.params)).rows);
      case 'exec':
        return answer(req.id, async () => void (await session(db, req.tx).exec(req.text)));
      case 'begin':
        return begin(db, req.id);
      case 'end':
        return end(req.id, req.tx, req.commit);
      case 'close':
        return void close(db, req.id);
    }
  });
  port.postMessage({ ready: true } satisfies PgliteStarted);
}

void main();
