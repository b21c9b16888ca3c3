#!/usr/bin/env node
// `npm run bench:store`: drives Parley's message store alone (no server, no sockets) at a fixed offered
// rate into fresh rooms of a fresh PostgreSQL schema, and reports how long each append waited for its
// commit, the rate stored in real time and the group-commit batches. The "store alone" figures of
// bench/README.md and docs/decisions/0006 come from it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { hasTaskset } from './launch.js';
import { Samples, type Percentiles } from './load/samples.js';
import { cpuSecondsOf } from './proc-stats.js';
import { dropSchema, scratchSchemaName } from './scratch-schema.js';

export interface StoreAloneOptions {
  /** Offered appends per second, spread evenly over the rooms. */
  rate: number;
  rooms: number;
  seconds: number;
  /** Append batches in flight at once (PARLEY_DB_PIPELINE). */
  inFlight: number;
  /** PostgreSQL's synchronous_commit for the store's connections: 'on' (what Parley runs with) or 'off'. */
  synchronousCommit: 'on' | 'off';
  /** A core kept busy by a spinning process during the run, to see the wait for a core (needs taskset). */
  busyCore?: number;
  /** Bodies of 70 characters with a link, like a chat line, instead of `message N` (what search indexing costs grows with the text). */
  longBodies?: boolean;
  databaseUrl: string;
}

export interface StoreAloneResult {
  options: Omit<StoreAloneOptions, 'databaseUrl'>;
  /** The settings PostgreSQL reported for a connection made like the store's. */
  settings: { synchronousCommit: string };
  offered: number;
  stored: number;
  failed: number;
  firstError?: string;
  /** Stored appends per second of real time, from the first append to the last commit. */
  storedPerSec: number;
  /** Append to resolved commit, ms. */
  wait: Percentiles;
  batches: number;
  meanBatch: number;
  /** Every room's seqs ran 1..n without a gap or a repeat. */
  gapless: boolean;
  /**
   * CPU per stored append, µs, over the offered phase: this process (the store's client side, plus the
   * harness's own small share) and the PostgreSQL backends of the store's connections (found by their
   * application_name; absent when they cannot be read from /proc), read a second after the last commit
   * so that the work the store does after the commit for these appends (the search indexer's rounds)
   * is counted; `appender` is the share of the backend the batches run on, inside the commit path.
   * CPU time, unlike wall time, moves little with the machine's other load.
   */
  cpuPerAppend: { client: number; postgres?: number; appender?: number };
}

/** A chat line of 70 characters with a link in it, different for every n. */
const longBody = (n: number): string => `note ${n}: the harbour keeper wrote https://example.com/p/${n} about lamps`.padEnd(70, '.');

/** A command line the harness cannot run; printed with the usage and exit code 2. */
export class StoreAloneUsageError extends Error {
  override readonly name = 'StoreAloneUsageError';
}

const USAGE = `usage: npm run bench:store -- [--rate=5000] [--rooms=1] [--seconds=10] [--in-flight=2] [--synchronous-commit=on|off] [--busy-core=N] [--long-bodies] [--json]
  DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test): a fresh schema is made there and dropped after.`;

export function parseStoreAloneArgs(argv: string[], env: NodeJS.ProcessEnv): StoreAloneOptions & { json: boolean } {
  const known = new Set(['--rate', '--rooms', '--seconds', '--in-flight', '--synchronous-commit', '--busy-core', '--long-bodies', '--json']);
  const values = new Map<string, string>();
  for (const arg of argv) {
    const [name, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, ''];
    if (!known.has(name)) throw new StoreAloneUsageError(`unknown option ${name}`);
    values.set(name, value);
  }
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n) || n < min || n > max) throw new StoreAloneUsageError(`${name} takes a number from ${min} to ${max}, not "${raw}"`);
    return n;
  };
  const sync = values.get('--synchronous-commit') ?? 'on';
  if (sync !== 'on' && sync !== 'off') throw new StoreAloneUsageError(`--synchronous-commit takes on or off, not "${sync}"`);
  const options: StoreAloneOptions & { json: boolean } = {
    rate: number('--rate', 5000, 1, 1_000_000),
    rooms: Math.floor(number('--rooms', 1, 1, 10_000)),
    seconds: number('--seconds', 10, 0.1, 3600),
    inFlight: Math.floor(number('--in-flight', 2, 1, 16)),
    synchronousCommit: sync,
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    json: values.has('--json'),
  };
  if (values.has('--long-bodies')) options.longBodies = true;
  if (values.has('--busy-core')) {
    if (!hasTaskset) throw new StoreAloneUsageError('--busy-core needs taskset, which is not available here');
    options.busyCore = Math.floor(number('--busy-core', 0, 0, 1023));
  }
  return options;
}

/**
 * The store's URL with its connection options in the URL itself: node-postgres lets options in the
 * connection string override those the store passes, so search_path has to be repeated beside the
 * synchronous_commit setting (Parley itself never turns it off).
 */
function storeUrl(url: string, schema: string, synchronousCommit: 'on' | 'off'): string {
  const u = new URL(url);
  // Names the store's backends, so that their CPU can be read (the schema name is unique to the run).
  u.searchParams.set('application_name', schema);
  if (synchronousCommit === 'off') u.searchParams.set('options', `-c search_path=${schema} -c synchronous_commit=off`);
  return u.toString();
}

export async function runStoreAlone(options: StoreAloneOptions): Promise<StoreAloneResult> {
  const schema = scratchSchemaName('bench_store');
  const url = storeUrl(options.databaseUrl, schema, options.synchronousCommit);
  // Loaded here, after the command line was checked: the server package takes seconds to load on a busy machine.
  const { openStore } = await import('@parley/server');
  const store = await openStore({ databaseUrl: url, schema, maxInFlight: options.inFlight });
  let spinner: ChildProcess | undefined;
  try {
    const settings = await readSettings(url);
    const rooms = Array.from({ length: options.rooms }, (_, i) => `r${i}`);
    // Creating a room logs its own events: the messages' seqs follow its head.
    const heads: number[] = [];
    for (const id of rooms) heads.push((await store.createRoom({ id, name: id, kind: 'public', owner: null, creator: { id: 'bench', name: 'Bench' }, members: [] })).room.head);
    // One append first opens the appender connection, whose backend's CPU is then read around the phase.
    await store.append({ room: rooms[0]!, kind: 'msg', by: 'bench', name: 'Bench', cid: 'warm-up', body: 'warm-up' });
    heads[0]! += 1;
    if (options.busyCore !== undefined) spinner = spin(options.busyCore);
    const before = store.stats();
    const cpuBefore = { client: process.cpuUsage(), postgres: postgresCpu(await backends(options.databaseUrl, schema)) };
    const waits = new Samples();
    const seqs = rooms.map(() => [] as number[]);
    let stored = 0;
    let failed = 0;
    let firstError: string | undefined;
    let lastCommit = 0;
    const pending: Promise<void>[] = [];
    const started = performance.now();
    const durationMs = options.seconds * 1000;
    let offered = 0;
    // Open loop: every millisecond, issue what the rate owes by now, whatever is still waiting.
    while (performance.now() - started < durationMs) {
      const owed = Math.floor((options.rate * (performance.now() - started)) / 1000);
      for (; offered < owed; offered++) {
        const n = offered;
        const room = n % rooms.length;
        const at = performance.now();
        pending.push(
          store.append({ room: rooms[room]!, kind: 'msg', by: 'bench', name: 'Bench', cid: `c${n}`, body: options.longBodies ? longBody(n) : `message ${n}` }).then(
            (res) => {
              lastCommit = performance.now();
              waits.add(lastCommit - at);
              seqs[room]!.push(res.event.seq);
              stored++;
            },
            (err: unknown) => {
              failed++;
              firstError ??= (err as Error).message;
            },
          ),
        );
      }
      await sleep(1);
    }
    await Promise.all(pending);
    const clientCpu = process.cpuUsage(cpuBefore.client);
    await sleep(1000);
    const postgresAfter = postgresCpu(await backends(options.databaseUrl, schema));
    const postgresUsed = postgresAfter && cpuBefore.postgres && stored > 0 ? spent(cpuBefore.postgres, postgresAfter) : undefined;
    const after = store.stats();
    const batches = after.batches - before.batches;
    return {
      options: { rate: options.rate, rooms: options.rooms, seconds: options.seconds, inFlight: options.inFlight, synchronousCommit: options.synchronousCommit, ...(options.busyCore === undefined ? {} : { busyCore: options.busyCore }), ...(options.longBodies ? { longBodies: true } : {}) },
      settings,
      offered,
      stored,
      failed,
      ...(firstError === undefined ? {} : { firstError }),
      storedPerSec: stored > 0 ? stored / ((lastCommit - started) / 1000) : 0,
      wait: waits.percentiles(),
      batches,
      meanBatch: batches > 0 ? stored / batches : 0,
      gapless: seqs.every((s, room) => s.sort((a, b) => a - b).every((seq, i) => seq === heads[room]! + 1 + i)),
      cpuPerAppend: {
        client: stored > 0 ? (clientCpu.user + clientCpu.system) / stored : 0,
        ...(postgresUsed === undefined ? {} : { postgres: (postgresUsed.all * 1e6) / stored, appender: (postgresUsed.appender * 1e6) / stored }),
      },
    };
  } finally {
    spinner?.kill('SIGKILL');
    await store.close().catch(() => undefined);
    await dropSchema(options.databaseUrl, schema);
  }
}

interface Backend {
  pid: number;
  /** The backend the group-commit batches run on (its last statement was one). */
  appender: boolean;
}

/** The PostgreSQL backends of the store's connections (their application_name is the run's schema). */
async function backends(url: string, appName: string): Promise<Backend[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; appender: boolean }>(
      `SELECT pid, query LIKE '%append_events%' AS appender FROM pg_stat_activity WHERE application_name = $1`,
      [appName],
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** CPU seconds each backend used so far, or undefined when /proc does not show them (PostgreSQL elsewhere). */
function postgresCpu(list: readonly Backend[]): Map<number, Backend & { sec: number }> | undefined {
  if (list.length === 0) return undefined;
  const cpu = new Map<number, Backend & { sec: number }>();
  for (const b of list) {
    try {
      cpu.set(b.pid, { ...b, sec: cpuSecondsOf([b.pid]) });
    } catch {
      // Gone since it was listed (a pool connection closed while idle).
    }
  }
  return cpu.size > 0 ? cpu : undefined;
}

/** CPU between two readings: backends opened in between count from their start; ones closed in between are not seen. */
function spent(before: Map<number, { sec: number }>, after: Map<number, Backend & { sec: number }>): { all: number; appender: number } {
  let all = 0;
  let appender = 0;
  for (const [pid, b] of after) {
    const used = b.sec - (before.get(pid)?.sec ?? 0);
    all += used;
    if (b.appender) appender += used;
  }
  return { all, appender };
}

/** Reads back what a connection made with the store's URL runs with. */
async function readSettings(url: string): Promise<StoreAloneResult['settings']> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    return { synchronousCommit: rows[0]!.synchronous_commit };
  } finally {
    await client.end();
  }
}

function spin(core: number): ChildProcess {
  return spawn('taskset', ['-c', String(core), process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' });
}

function describe(r: StoreAloneResult): string {
  const o = r.options;
  const f = (n: number) => n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2);
  return [
    `store alone: ${o.rate.toLocaleString('en')} appends/s offered into ${o.rooms} room(s) for ${o.seconds} s, ${o.inFlight} batch(es) in flight, ` +
      `synchronous_commit ${r.settings.synchronousCommit}${o.busyCore === undefined ? '' : `, core ${o.busyCore} kept busy`}`,
    `  stored ${r.stored.toLocaleString('en')} of ${r.offered.toLocaleString('en')} (${Math.round(r.storedPerSec).toLocaleString('en')}/s in real time)` +
      `${r.failed > 0 ? `, ${r.failed} failed (${r.firstError})` : ''}; seqs ${r.gapless ? 'gapless' : 'NOT gapless'}`,
    `  wait for commit p50 / p99 / p99.9 / max: ${f(r.wait.p50)} / ${f(r.wait.p99)} / ${f(r.wait.p999)} / ${f(r.wait.max)} ms; ` +
      `${r.batches.toLocaleString('en')} batches of ${r.meanBatch.toFixed(1)} on average`,
    `  CPU per append: ${r.cpuPerAppend.client.toFixed(1)} µs in this process, ` +
      `${r.cpuPerAppend.postgres === undefined ? 'PostgreSQL not readable' : `${r.cpuPerAppend.postgres.toFixed(1)} µs in PostgreSQL's backends (${r.cpuPerAppend.appender!.toFixed(1)} µs in the appender's, inside the commit)`}`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let options: ReturnType<typeof parseStoreAloneArgs>;
  try {
    options = parseStoreAloneArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  runStoreAlone(options).then(
    (r) => {
      process.stdout.write(options.json ? JSON.stringify(r, null, 2) + '\n' : describe(r) + '\n');
      process.exit(r.failed > 0 || !r.gapless ? 1 : 0);
    },
    (err: unknown) => {
      process.stderr.write(`store alone failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
