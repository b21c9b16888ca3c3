// Runs every scenario against every peer: starts the servers (core 0) and the load generator (core 1),
// measures server CPU from /proc around each phase, and returns plain results for the report.
import { OPTIONS } from '@parley/server';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createClient } from 'redis';
import { launchLoadGenerator, launchServer, type LoadGenerator, type ServerProcess } from './launch.js';
import { PeerKind } from './load/dialect.js';
import type { Phase, PhaseResult } from './load/phases.js';
import type { PopulationSpec } from './load/population.js';
import { cpuSecondsOf, rssBytes } from './proc-stats.js';
import { ScenarioKind, type Mode, type Scenario } from './scenarios.js';
import { storeDiagnostics, storeSnapshot, type StoreDiagnostics } from './server-metrics.js';

export const SERVER_CORE = 0;
export const LOAD_CORE = 1;
const SECRET = 'bench-secret-that-is-at-least-32-bytes-long';

export interface SuiteOptions {
  mode: Mode;
  scenarios: Scenario[];
  databaseUrl: string;
  redisUrl: string;
  /** Progress lines. */
  log: (line: string) => void;
}

/** One measured phase: the load generator's counts plus the server CPU over the same window. */
export interface PhaseMeasure extends PhaseResult {
  /** Offered messages/s (open loop only). */
  offeredRate?: number;
  cpuSec: number;
  wallSec: number;
  /** Server CPU busy share over the phase (1 = one core; two nodes can exceed 1). */
  cpuUtil: number;
  msgsPerSec: number;
  deliveriesPerSec: number;
  deliveriesPerCpuSec: number;
  /** Parley only: the group-commit batches of the first node during the phase, as the server timed them. */
  store?: StoreDiagnostics;
}

export interface RunResult {
  scenario: string;
  peer: PeerKind;
  nodes: number;
  connections: number;
  setupMs?: number;
  sat?: PhaseMeasure;
  half?: PhaseMeasure;
  /** Persistence, Parley only: open loop at the scenario's target rate. */
  atTarget?: PhaseMeasure;
  storm?: { connected: number; ms: number; perSec: number; cpuSec: number; cpuUsPerConn: number };
  /** rssBefore: with the first third of the connections open; rssAfter: with all (`measured` more). */
  idle?: { connected: number; measured: number; rssBefore: number; rssAfter: number; bytesPerConn: number };
  /** Why the run did not happen (a missing service or feature). */
  skipped?: string;
  error?: string;
}

const require = createRequire(import.meta.url);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const PARLEY_MAIN = join(dirname(require.resolve('@parley/server')), 'main.js');

const SCRIPTS: Record<PeerKind, string> = {
  [PeerKind.Parley]: PARLEY_MAIN,
  [PeerKind.ParleyNaive]: here('./servers/parley-naive.js'),
  [PeerKind.SocketIo]: here('./servers/socketio.js'),
  [PeerKind.Relay]: here('./servers/uws-relay.js'),
};

const usesPostgres = (peer: PeerKind) => peer === PeerKind.Parley || peer === PeerKind.ParleyNaive;
/** Whether this Parley build has a Redis broker (REDIS_URL). */
export const parleyHasRedis = OPTIONS.some((o) => (o.env as string) === 'REDIS_URL');

export async function runSuite(options: SuiteOptions): Promise<RunResult[]> {
  const services = { postgres: await reachable(() => pingPostgres(options.databaseUrl)), redis: await reachable(() => pingRedis(options.redisUrl)) };
  const results: RunResult[] = [];
  for (const scenario of options.scenarios) {
    let halfRate: number | undefined;
    for (const peer of scenario.peers) {
      const skipped = skipReason(scenario, peer, services);
      const base: RunResult = { scenario: scenario.id, peer, nodes: scenario.nodes, connections: connectionsOf(scenario) };
      if (skipped) {
        options.log(`  ${scenario.id} / ${peer}: SKIPPED (${skipped})`);
        results.push({ ...base, skipped });
        continue;
      }
      const started = Date.now();
      let result: RunResult;
      try {
        result = await runOne(scenario, peer, base, options, halfRate);
      } catch (err) {
        result = { ...base, error: (err as Error).message.slice(0, 2000) };
      }
      // The first peer (Parley) sets the latency phase's offered load for the others.
      if (halfRate === undefined && result.sat) halfRate = result.sat.msgsPerSec / 2;
      results.push(result);
      options.log(`  ${scenario.id} / ${peer}: ${summarise(result)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  return results;
}

function connectionsOf(s: Scenario): number {
  return s.shape.rooms === 0 ? s.shape.members : s.shape.rooms * s.shape.members;
}

function skipReason(s: Scenario, peer: PeerKind, services: { postgres: string | undefined; redis: string | undefined }): string | undefined {
  if (usesPostgres(peer) && services.postgres) return `PostgreSQL unreachable: ${services.postgres}`;
  if (s.nodes > 1 && services.redis) return `Redis unreachable: ${services.redis}`;
  if (s.nodes > 1 && peer === PeerKind.Parley && !parleyHasRedis) return 'this Parley build has no Redis broker (REDIS_URL) yet';
  return undefined;
}

async function runOne(scenario: Scenario, peer: PeerKind, base: RunResult, options: SuiteOptions, halfRate: number | undefined): Promise<RunResult> {
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
  const servers: ServerProcess[] = [];
  let lg: LoadGenerator | undefined;
  try {
    for (let i = 0; i < scenario.nodes; i++) servers.push(await launchServer(SCRIPTS[peer], serverEnv(scenario, peer, schema, options), SERVER_CORE));
    if (usesPostgres(peer) && scenario.shape.rooms > 0) await provisionMembers(options.databaseUrl, schema, scenario.shape);
    lg = launchLoadGenerator(LOAD_CORE);
    const spec: PopulationSpec = { ...scenario.shape, peer, ports: servers.map((s) => s.port), secret: SECRET };
    const pids = servers.map((s) => s.pid);
    switch (scenario.kind) {
      case ScenarioKind.Storm:
        return { ...base, storm: await storm(lg, spec, pids) };
      case ScenarioKind.Idle:
        return { ...base, idle: await idle(lg, spec, servers) };
      default:
        return { ...base, ...(await traffic(lg, spec, pids, scenario, halfRate, usesPostgres(peer) ? servers[0]!.port : undefined, peer === PeerKind.Parley)) };
    }
  } catch (err) {
    const tail = servers.map((s) => s.stderr().trim().split('\n').slice(-3).join('\n')).join('\n');
    throw new Error(`${(err as Error).message}${tail ? `\nserver stderr: ${tail}` : ''}`);
  } finally {
    await lg?.call({ cmd: 'close' }).catch(() => undefined);
    await lg?.stop();
    for (const s of servers) await s.stop();
    if (usesPostgres(peer)) await dropSchema(options.databaseUrl, schema);
  }
}

function serverEnv(s: Scenario, peer: PeerKind, schema: string, options: SuiteOptions): Record<string, string> {
  const env: Record<string, string> = { PORT: '0', BENCH_JWT_SECRET: SECRET };
  if (s.nodes > 1) env.REDIS_URL = options.redisUrl;
  if (usesPostgres(peer)) {
    Object.assign(env, {
      PARLEY_PORT: '0',
      PARLEY_JWT_SECRET: SECRET,
      DATABASE_URL: options.databaseUrl,
      PARLEY_DB_SCHEMA: schema,
      // The benchmark measures the server, not the per-connection abuse limits.
      PARLEY_SEND_RATE: '100000',
      PARLEY_FRAME_RATE: '100000',
      PARLEY_LOG_LEVEL: 'error',
      PARLEY_ROOMS: s.shape.rooms === 0 ? 'lobby' : Array.from({ length: s.shape.rooms }, (_, i) => `r${i}`).join(','),
    });
  }
  return env;
}

async function measure(lg: LoadGenerator, pids: number[], phase: Phase, metricsPort?: number): Promise<PhaseMeasure> {
  const before = metricsPort === undefined ? undefined : await storeSnapshot(metricsPort);
  const cpu0 = cpuSecondsOf(pids);
  const t0 = performance.now();
  const r = await lg.call<PhaseResult>({ cmd: 'phase', phase });
  const wallSec = (performance.now() - t0) / 1000;
  const cpuSec = cpuSecondsOf(pids) - cpu0;
  const sending = r.sendingMs / 1000;
  const after = before && metricsPort !== undefined ? await storeSnapshot(metricsPort) : undefined;
  return {
    ...(before && after ? { store: storeDiagnostics(before, after) } : {}),
    ...r,
    ...(phase.kind === 'open' ? { offeredRate: phase.rate } : {}),
    cpuSec,
    wallSec,
    cpuUtil: cpuSec / wallSec,
    msgsPerSec: r.sent / sending,
    deliveriesPerSec: r.deliveredInWindow / sending,
    deliveriesPerCpuSec: cpuSec > 0 ? r.delivered / cpuSec : 0,
  };
}

type Setup = { connected: number; failed: number; error?: string; ms: number };

function checked(setup: Setup): Setup {
  if (setup.failed > 0) throw new Error(`${setup.failed} of ${setup.failed + setup.connected} connections failed: ${setup.error}`);
  return setup;
}

async function connect(lg: LoadGenerator, spec: PopulationSpec, upto?: number): Promise<Setup> {
  return checked(await lg.call<Setup>({ cmd: 'connect', spec, ...(upto === undefined ? {} : { upto }) }));
}

async function traffic(
  lg: LoadGenerator,
  spec: PopulationSpec,
  pids: number[],
  s: Scenario,
  halfRate: number | undefined,
  metricsPort: number | undefined,
  isParley: boolean,
): Promise<Partial<RunResult>> {
  const setup = await connect(lg, spec);
  await lg.call({ cmd: 'quiesce' });
  const maxDrainMs = s.phaseMs + 5000;
  const completion = s.kind === ScenarioKind.Persist ? 'ack' : 'echo';
  if (s.warmupMs > 0) {
    // The same traffic, unmeasured: JIT compilation of the hot paths and pool growth are start-up
    // costs, not costs of a delivery, and a short phase would otherwise charge them to the first peer.
    await lg.call<PhaseResult>({ cmd: 'phase', phase: { kind: 'closed', durationMs: s.warmupMs, window: s.window, completion, maxDrainMs } });
    await lg.call({ cmd: 'quiesce' });
  }
  const sat = await measure(lg, pids, { kind: 'closed', durationMs: s.phaseMs, window: s.window, completion, maxDrainMs }, metricsPort);
  await lg.call({ cmd: 'quiesce' });
  const rate = halfRate ?? sat.msgsPerSec / 2;
  const half = await measure(lg, pids, { kind: 'open', durationMs: s.phaseMs, rate, maxDrainMs }, metricsPort);
  if (s.targetRate === undefined || !isParley) return { setupMs: setup.ms, sat, half };
  await lg.call({ cmd: 'quiesce' });
  const atTarget = await measure(lg, pids, { kind: 'open', durationMs: s.phaseMs, rate: s.targetRate, maxDrainMs }, metricsPort);
  return { setupMs: setup.ms, sat, half, atTarget };
}

async function storm(lg: LoadGenerator, spec: PopulationSpec, pids: number[]): Promise<RunResult['storm']> {
  const cpu0 = cpuSecondsOf(pids);
  const setup = await connect(lg, spec);
  const cpuSec = cpuSecondsOf(pids) - cpu0;
  return { connected: setup.connected, ms: setup.ms, perSec: setup.connected / (setup.ms / 1000), cpuSec, cpuUsPerConn: (cpuSec * 1e6) / setup.connected };
}

/**
 * Memory per connection at the margin: resident memory after a third of the connections and after all
 * of them (each after a full GC), so fixed costs that the first connections trigger (heap growth,
 * pools, caches) do not count as per-connection memory.
 */
async function idle(lg: LoadGenerator, spec: PopulationSpec, servers: ServerProcess[]): Promise<RunResult['idle']> {
  const server = servers[0]!;
  const settledRss = async () => {
    await lg.call({ cmd: 'quiesce' });
    // Twice: V8 hands freed pages back to the system lazily, after a later collection.
    for (const wait of [500, 1000]) {
      server.gc();
      await sleep(wait);
    }
    return rssBytes(server.pid);
  };
  const half = Math.floor(spec.members / 3);
  const first = await connect(lg, spec, half);
  const rssBefore = await settledRss();
  const second = checked(await lg.call<Setup>({ cmd: 'grow' }));
  const rssAfter = await settledRss();
  return { connected: first.connected + second.connected, measured: second.connected, rssBefore, rssAfter, bytesPerConn: (rssAfter - rssBefore) / second.connected };
}

function summarise(r: RunResult): string {
  if (r.error) return `ERROR ${r.error.split('\n')[0]}`;
  const k = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1));
  if (r.storm) return `${k(r.storm.perSec)} conn/s, ${r.storm.cpuUsPerConn.toFixed(0)} µs CPU/conn`;
  if (r.idle) return `${(r.idle.bytesPerConn / 1024).toFixed(2)} KiB/conn`;
  if (r.sat && r.half) {
    return (
      `sat ${k(r.sat.msgsPerSec)} msg/s ${k(r.sat.deliveriesPerSec)} dlv/s ${k(r.sat.deliveriesPerCpuSec)} dlv/CPU-s cpu ${(r.sat.cpuUtil * 100).toFixed(0)}% ` +
      (r.sat.store ? `(server: ${r.sat.store.batches} batches of ${r.sat.store.meanBatch.toFixed(1)}, ${r.sat.store.commitMeanMs.toFixed(2)} ms mean) ` : "") +
      `| half ${k(r.half.msgsPerSec)} msg/s p99 ${r.half.latency.p99.toFixed(2)} ms commit p99 ${r.half.commit.p99.toFixed(2)} ms ` +
      (r.half.store ? `(server: ${r.half.store.batches} batches of ${r.half.store.meanBatch.toFixed(1)}, ${r.half.store.commitMeanMs.toFixed(2)} ms mean, p99 ≤ ${r.half.store.commitP99Ms} ms) ` : '') +
      (r.atTarget ? `| at ${k(r.atTarget.offeredRate ?? 0)} msg/s: commit p99 ${r.atTarget.commit.p99.toFixed(2)} ms, ${k(r.atTarget.acked / (r.atTarget.sendingMs / 1000))} acked/s ` : '') +
      `| delivered ${r.sat.delivered}/${r.sat.expected}, ${r.half.delivered}/${r.half.expected}`
    );
  }
  return 'no result';
}

async function reachable(check: () => Promise<void>): Promise<string | undefined> {
  try {
    await check();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

async function pingPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function pingRedis(url: string): Promise<void> {
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    await client.quit().catch(() => undefined);
  }
}

/**
 * Makes user u<i> a member of room r<i / members>, as a host application provisions its users: one
 * statement, instead of thousands of serialised `join`s whose events every earlier member receives.
 */
async function provisionMembers(url: string, schema: string, shape: Scenario['shape']): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(
      `INSERT INTO ${schema}.members (room_id, user_id, role)
       SELECT 'r' || (g / $1::int), 'u' || g, 'member' FROM generate_series(0, $2::int - 1) AS g
       ON CONFLICT DO NOTHING`,
      [shape.members, shape.rooms * shape.members],
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } catch {
    // Best effort: a leftover schema only costs disk.
  } finally {
    await client.end().catch(() => undefined);
  }
}
