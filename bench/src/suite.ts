// Runs every scenario against every peer: starts the servers and the load generator on their cores,
// measures the CPU of the servers and of the services they use from /proc around each phase, and
// returns plain results for the report.
import { OPTIONS } from '@parley/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createClient } from 'redis';
import { hasTaskset, launchLoadGenerator, launchServer, PARLEY_UNLIMITED, type LoadGenerator, type ServerProcess } from './launch.js';
import { PeerKind } from './load/dialect.js';
import type { Phase, PhaseResult } from './load/phases.js';
import type { PopulationSpec } from './load/population.js';
import { ackedPerSecond } from './phase-rates.js';
import { loadBetween, markLoad, type MachineLoad } from './machine-load.js';
import { placement, type Placement } from './placement.js';
import { cpuSecondsOf, rssBytes } from './proc-stats.js';
import { KNEE_P99_MS, ScenarioKind, type Mode, type Scenario } from './scenarios.js';
import { dropSchema, scratchSchemaName } from './scratch-schema.js';
import { storeDiagnostics, storeSnapshot, type StoreDiagnostics } from './server-metrics.js';
import { ServiceWatch, serviceCpuBetween, type ServiceCpu } from './service-cpu.js';

const SECRET = 'bench-secret-that-is-at-least-32-bytes-long';

export interface SuiteOptions {
  mode: Mode;
  scenarios: Scenario[];
  databaseUrl: string;
  redisUrl: string;
  /** Progress lines. */
  log: (line: string) => void;
}

/** One measured phase: the load generator's counts plus the CPU spent over the same window. */
export interface PhaseMeasure extends PhaseResult {
  /** Offered messages/s (open loop only). */
  offeredRate?: number;
  /** CPU of the server processes (every node). */
  cpuSec: number;
  wallSec: number;
  /** Server CPU busy share over the phase (1 = one core; two nodes can exceed 1). */
  cpuUtil: number;
  msgsPerSec: number;
  deliveriesPerSec: number;
  deliveriesPerCpuSec: number;
  /** Stored messages per second of real time (peers that acknowledge; 0 for the others). */
  ackedPerSec: number;
  /** CPU of the services the server used (PostgreSQL, Redis), where they could be read. */
  serviceCpu?: ServiceCpu;
  /**
   * Server CPU plus that of every service it used: the whole system but the load generator.
   * Absent when a service it used could not be read (not on this machine).
   */
  systemCpuSec?: number;
  deliveriesPerSystemCpuSec?: number;
  /**
   * Parley only: what the first node timed itself during the phase (group-commit batches, send-to-ack
   * and fan-out times, event-loop delay), from its /metrics.
   */
  store?: StoreDiagnostics;
  /** The machine over the phase: load averages at its start and end, and each core's busy share. */
  machine?: MachineLoad;
}

export interface RunResult {
  scenario: string;
  peer: PeerKind;
  nodes: number;
  connections: number;
  setupMs?: number;
  /** Cores the processes were pinned to; absent when unpinned. */
  placement?: Placement;
  sat?: PhaseMeasure;
  /** Open loop at half of this peer's own saturation rate. */
  ownHalf?: PhaseMeasure;
  /**
   * Open loop at half of the first peer's (Parley's) saturation rate: the same offered load for
   * every peer. Absent for the first peer, whose own half is that load. (Results written before
   * `ownHalf` existed have only this phase, for every peer.)
   */
  half?: PhaseMeasure;
  /** Persistence, Parley only: open loop at the scenario's target rate. */
  atTarget?: PhaseMeasure;
  /** Knee curve: open loops at rising offered rates (the scenario's `knee`), in the order run. */
  knee?: PhaseMeasure[];
  /** Light scenario: the one open loop at the scenario's light rate. */
  light?: PhaseMeasure;
  /** cold: the unmeasured first connections (other users), on a server that had run nothing yet. */
  storm?: { connected: number; ms: number; perSec: number; cpuSec: number; cpuUsPerConn: number; cold?: { connected: number; cpuUsPerConn: number } };
  /** rssBefore: with the first third of the connections open; rssAfter: with all (`measured` more). */
  idle?: {
    connected: number;
    measured: number;
    rssBefore: number;
    rssAfter: number;
    /** Resident bytes of V8's young generation at each reading (0 when the server did not report it). */
    youngBefore: number;
    youngAfter: number;
    /** Growth of resident memory over the measured connections, less the young generation's growth. */
    bytesPerConn: number;
    /** The same with the young generation's growth in. */
    rawBytesPerConn: number;
  };
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
  [PeerKind.ParleyEmbedded]: PARLEY_MAIN,
  [PeerKind.SocketIo]: here('./servers/socketio.js'),
  [PeerKind.Relay]: here('./servers/uws-relay.js'),
  [PeerKind.RelayBatched]: here('./servers/uws-relay.js'),
};

const usesPostgres = (peer: PeerKind) => peer === PeerKind.Parley || peer === PeerKind.ParleyNaive;
/** Peers that run Parley's server code, and so answer /metrics. */
const isParleyServer = (peer: PeerKind) => usesPostgres(peer) || peer === PeerKind.ParleyEmbedded;
/** Whether this Parley build has a Redis broker (REDIS_URL). */
export const parleyHasRedis = OPTIONS.some((o) => (o.env as string) === 'REDIS_URL');

export async function runSuite(options: SuiteOptions): Promise<RunResult[]> {
  const services = { postgres: await reachable(() => pingPostgres(options.databaseUrl)), redis: await reachable(() => pingRedis(options.redisUrl)) };
  const results: RunResult[] = [];
  for (const scenario of options.scenarios) {
    /** The first peer's (Parley's) saturation rate: it sets the others' same-load and knee rates. */
    let paceRate: number | undefined;
    for (const peer of scenario.peers) {
      const skipped = skipReason(scenario, peer, services);
      const base: RunResult = { scenario: scenario.id, peer, nodes: scenario.nodes, connections: connectionsOf(scenario) };
      if (skipped) {
        options.log(`  ${scenario.id} / ${peer}: SKIPPED (${skipped})`);
        results.push({ ...base, skipped });
        continue;
      }
      const started = Date.now();
      const result = await runOrError(base, () => runOne(scenario, peer, base, options, paceRate));
      if (peer === scenario.peers[0] && result.sat) paceRate = result.sat.msgsPerSec;
      results.push(result);
      options.log(`  ${scenario.id} / ${peer}: ${summarise(result)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    // The same shape on one node, at the same offered load as the multi-node run's own half.
    const first = scenario.peers[0];
    if (scenario.oneNodeBaseline && first !== undefined && paceRate !== undefined && !skipReason(scenario, first, services)) {
      const one = { ...scenario, nodes: 1 };
      const base: RunResult = { scenario: scenario.id, peer: first, nodes: 1, connections: connectionsOf(scenario) };
      const started = Date.now();
      const result = await runOrError(base, () => runOne(one, first, base, options, paceRate));
      results.push(result);
      options.log(`  ${scenario.id} / ${first} on one node: ${summarise(result)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  return results;
}

/** A run's result, or its base with the error that ended it. */
async function runOrError(base: RunResult, run: () => Promise<RunResult>): Promise<RunResult> {
  try {
    return await run();
  } catch (err) {
    return { ...base, error: (err as Error).message.slice(0, 2000) };
  }
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

async function runOne(scenario: Scenario, peer: PeerKind, base: RunResult, options: SuiteOptions, paceRate: number | undefined): Promise<RunResult> {
  const schema = scratchSchemaName('bench');
  const cores = placement(scenario.nodes, os.cpus().length, hasTaskset);
  const servers: ServerProcess[] = [];
  // The embedded store's scratch data directory (its members join their rooms through the protocol).
  const dataDir = peer === PeerKind.ParleyEmbedded ? mkdtempSync(join(os.tmpdir(), 'parley-bench-')) : undefined;
  let lg: LoadGenerator | undefined;
  let watch: ServiceWatch | undefined;
  try {
    const startMs = dataDir ? 180_000 : 30_000;
    for (let i = 0; i < scenario.nodes; i++) servers.push(await launchServer(SCRIPTS[peer], serverEnv(scenario, peer, schema, options, dataDir), cores?.servers[i], startMs));
    if (usesPostgres(peer) && scenario.shape.rooms > 0) await provisionMembers(options.databaseUrl, schema, scenario.shape);
    lg = launchLoadGenerator(cores?.load);
    const spec: PopulationSpec = { ...scenario.shape, peer, ports: servers.map((s) => s.port), secret: SECRET };
    const pids = servers.map((s) => s.pid);
    const placed = cores ? { ...base, placement: cores } : base;
    switch (scenario.kind) {
      case ScenarioKind.Storm:
        return { ...placed, storm: await storm(lg, spec, pids, scenario) };
      case ScenarioKind.Idle:
        return { ...placed, idle: await idle(lg, spec, servers, scenario) };
      default: {
        watch = await ServiceWatch.open({
          ...(usesPostgres(peer) ? { postgres: { url: options.databaseUrl, appName: appNameOf(schema) } } : {}),
          ...(scenario.nodes > 1 ? { redisUrl: options.redisUrl } : {}),
        });
        const counted: Counted = { pids, watch, usesPostgres: usesPostgres(peer), usesRedis: scenario.nodes > 1 };
        if (isParleyServer(peer)) counted.metricsPort = servers[0]!.port;
        if (scenario.kind === ScenarioKind.Light) return { ...placed, ...(await light(lg, spec, counted, scenario)) };
        return { ...placed, ...(await traffic(lg, spec, counted, scenario, peer, paceRate)) };
      }
    }
  } catch (err) {
    const tail = servers.map((s) => s.stderr().trim().split('\n').slice(-3).join('\n')).join('\n');
    throw new Error(`${(err as Error).message}${tail ? `\nserver stderr: ${tail}` : ''}`);
  } finally {
    await watch?.close();
    await lg?.call({ cmd: 'close' }).catch(() => undefined);
    await lg?.stop();
    for (const s of servers) await s.stop();
    if (usesPostgres(peer)) await dropSchema(options.databaseUrl, schema);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** application_name of a run's PostgreSQL connections, by which its backends are found. */
const appNameOf = (schema: string) => `parley-bench-${schema}`;

/** What a traffic phase charges CPU to: the server processes and the services they use. */
interface Counted {
  pids: number[];
  watch: ServiceWatch;
  usesPostgres: boolean;
  usesRedis: boolean;
  /** Parley: the node whose /metrics tell its store batches. */
  metricsPort?: number;
}

function serverEnv(s: Scenario, peer: PeerKind, schema: string, options: SuiteOptions, dataDir: string | undefined): Record<string, string> {
  const env: Record<string, string> = { PORT: '0', BENCH_JWT_SECRET: SECRET };
  if (s.nodes > 1) env.REDIS_URL = options.redisUrl;
  if (peer === PeerKind.RelayBatched) env.BENCH_RELAY_BATCHING = 'turn';
  if (isParleyServer(peer)) {
    Object.assign(env, {
      PARLEY_PORT: '0',
      PARLEY_JWT_SECRET: SECRET,
      ...PARLEY_UNLIMITED,
      PARLEY_ROOMS: roomIds(s.shape).join(','),
    });
  }
  if (usesPostgres(peer)) {
    // node-postgres names every connection of the server with it: how its backends are told apart.
    Object.assign(env, { PGAPPNAME: appNameOf(schema), DATABASE_URL: options.databaseUrl, PARLEY_DB_SCHEMA: schema });
  } else if (dataDir) {
    // The embedded store: no DATABASE_URL in the environment, even when the orchestrator has one.
    env.DATABASE_URL = '';
    env.PARLEY_DATA_DIR = dataDir;
  }
  return env;
}

const roomIds = (shape: Scenario['shape']) => (shape.rooms === 0 ? ['lobby'] : Array.from({ length: shape.rooms }, (_, i) => `r${i}`));

async function measure(lg: LoadGenerator, counted: Counted, phase: Phase): Promise<PhaseMeasure> {
  const { pids, watch, metricsPort } = counted;
  const before = metricsPort === undefined ? undefined : await storeSnapshot(metricsPort);
  const services0 = await watch.sample();
  const cpu0 = cpuSecondsOf(pids);
  const load0 = markLoad();
  const t0 = performance.now();
  const r = await lg.call<PhaseResult>({ cmd: 'phase', phase });
  const wallSec = (performance.now() - t0) / 1000;
  const machine = loadBetween(load0, markLoad());
  const cpuSec = cpuSecondsOf(pids) - cpu0;
  const serviceCpu = serviceCpuBetween(services0, await watch.sample());
  const sending = r.sendingMs / 1000;
  const after = before && metricsPort !== undefined ? await storeSnapshot(metricsPort) : undefined;
  const measured = (counted.usesPostgres ? serviceCpu.postgres !== undefined : true) && (counted.usesRedis ? serviceCpu.redis !== undefined : true);
  const systemCpuSec = measured ? cpuSec + (serviceCpu.postgres ?? 0) + (serviceCpu.redis ?? 0) : undefined;
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
    ackedPerSec: ackedPerSecond(r),
    ...(Object.keys(serviceCpu).length > 0 ? { serviceCpu } : {}),
    ...(systemCpuSec === undefined ? {} : { systemCpuSec, deliveriesPerSystemCpuSec: systemCpuSec > 0 ? r.delivered / systemCpuSec : 0 }),
    machine,
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

async function traffic(lg: LoadGenerator, spec: PopulationSpec, counted: Counted, s: Scenario, peer: PeerKind, paceRate: number | undefined): Promise<Partial<RunResult>> {
  const isParley = peer === PeerKind.Parley;
  const sameLoad = paceRate === undefined ? undefined : paceRate / 2;
  const setup = await connect(lg, spec);
  await lg.call({ cmd: 'quiesce', quietMs: s.quietMs });
  const maxDrainMs = s.phaseMs + 5000;
  const completion = s.kind === ScenarioKind.Persist ? 'ack' : 'echo';
  if (s.warmupMs > 0) {
    // The same traffic, unmeasured: JIT compilation of the hot paths and pool growth are start-up
    // costs, not costs of a delivery, and a short phase would otherwise charge them to the first peer.
    await lg.call<PhaseResult>({ cmd: 'phase', phase: { kind: 'closed', durationMs: s.warmupMs, window: s.window, completion, maxDrainMs } });
    await lg.call({ cmd: 'quiesce', quietMs: s.quietMs });
  }
  const sat = await measure(lg, counted, { kind: 'closed', durationMs: s.phaseMs, window: s.window, completion, maxDrainMs });
  await lg.call({ cmd: 'quiesce', quietMs: s.quietMs });
  // Latency is read below each peer's own saturation: above it, a queue grows for the whole phase and
  // its p99 measures the phase's length, not the server.
  const ownHalf = await measure(lg, counted, { kind: 'open', durationMs: s.phaseMs, rate: sat.msgsPerSec / 2, maxDrainMs });
  const out: Partial<RunResult> = { setupMs: setup.ms, sat, ownHalf };
  if (sameLoad !== undefined) {
    await lg.call({ cmd: 'quiesce', quietMs: s.quietMs });
    out.half = await measure(lg, counted, { kind: 'open', durationMs: s.phaseMs, rate: sameLoad, maxDrainMs });
  }
  if (s.targetRate !== undefined && isParley) {
    await lg.call({ cmd: 'quiesce', quietMs: s.quietMs });
    out.atTarget = await measure(lg, counted, { kind: 'open', durationMs: s.phaseMs, rate: s.targetRate, maxDrainMs });
  }
  if (s.knee && s.knee.peers.includes(peer)) out.knee = await kneeCurve(lg, counted, s, s.knee, paceRate ?? sat.msgsPerSec, peer === s.peers[0]);
  return out;
}

/**
 * p99 against offered rate: open loops at the knee's shares of the pace-setting peer's saturation
 * rate. The pace setter runs them all; another peer stops once its p99 (from the scheduled send
 * times) passes the threshold, and goes on past that saturation rate while it has not.
 */
async function kneeCurve(lg: LoadGenerator, counted: Counted, s: Scenario, knee: NonNullable<Scenario['knee']>, paceRate: number, pacer: boolean): Promise<PhaseMeasure[]> {
  const rates = [...knee.fractions, ...(pacer ? [] : knee.beyond)].map((f) => f * paceRate);
  const out: PhaseMeasure[] = [];
  for (const rate of rates) {
    await lg.call({ cmd: 'quiesce', quietMs: s.quietMs });
    const p = await measure(lg, counted, { kind: 'open', durationMs: knee.phaseMs, rate, maxDrainMs: knee.phaseMs + 5000 });
    out.push(p);
    const past = (p.schedule?.latency ?? p.latency).p99 > KNEE_P99_MS;
    if (past && !pacer && rate >= paceRate) break;
  }
  return out;
}

/** The light scenario: an unmeasured warm-up at the light rate, then one measured phase at it. */
async function light(lg: LoadGenerator, spec: PopulationSpec, counted: Counted, s: Scenario): Promise<Partial<RunResult>> {
  const setup = await connect(lg, spec);
  await lg.call({ cmd: 'quiesce', quietMs: s.quietMs });
  const rate = s.lightRate!;
  const maxDrainMs = s.phaseMs + 5000;
  if (s.warmupMs > 0) {
    await lg.call<PhaseResult>({ cmd: 'phase', phase: { kind: 'open', durationMs: s.warmupMs, rate, maxDrainMs } });
    await lg.call({ cmd: 'quiesce', quietMs: s.quietMs });
  }
  return { setupMs: setup.ms, light: await measure(lg, counted, { kind: 'open', durationMs: s.phaseMs, rate, maxDrainMs }) };
}

/**
 * CPU per authenticated connection, at the margin: a fifth as many connections of other users go
 * first, unmeasured, and are closed, so that compiling the hello path, the pools' growth and the
 * first statements' preparation are not charged to the storm (as the traffic scenarios' warm-up does
 * for deliveries); the measured connections are then all users the server has not seen. What the
 * first connections cost on the fresh server is kept beside (`cold`).
 */
async function storm(lg: LoadGenerator, spec: PopulationSpec, pids: number[], s: Scenario): Promise<RunResult['storm']> {
  const warm = { ...spec, members: Math.max(1, Math.floor(spec.members / 5)), userPrefix: 'w' };
  const cpuCold = cpuSecondsOf(pids);
  const first = await connect(lg, warm);
  const cold = { connected: first.connected, cpuUsPerConn: ((cpuSecondsOf(pids) - cpuCold) * 1e6) / Math.max(1, first.connected) };
  await lg.call({ cmd: 'close' });
  // Closing is the server's work too, but not the storm's: let it finish before the count starts.
  await sleep(Math.max(1000, s.quietMs * 4));
  const cpu0 = cpuSecondsOf(pids);
  const setup = await connect(lg, spec);
  const cpuSec = cpuSecondsOf(pids) - cpu0;
  return { connected: setup.connected, ms: setup.ms, perSec: setup.connected / (setup.ms / 1000), cpuSec, cpuUsPerConn: (cpuSec * 1e6) / setup.connected, cold };
}

/**
 * Memory per connection at the margin: resident memory after a third of the connections and after all
 * of them (each after a full GC), so fixed costs that the first connections trigger (heap growth,
 * pools, caches) do not count as per-connection memory. V8's young generation is one of those: it
 * grows with the allocation rate (to 32 MiB) whatever the number of connections, and whether it has
 * grown by the first reading depended on how the connections' work was spread in time (2–3 KiB per
 * connection either way), so its growth is left out; the raw figure is kept beside.
 */
async function idle(lg: LoadGenerator, spec: PopulationSpec, servers: ServerProcess[], s: Scenario): Promise<RunResult['idle']> {
  const server = servers[0]!;
  const settled = async () => {
    await lg.call({ cmd: 'quiesce', quietMs: s.quietMs });
    // Twice: V8 hands freed pages back to the system lazily, after a later collection.
    for (const wait of s.gcWaitsMs) {
      server.gc();
      await sleep(wait);
    }
    return { rss: rssBytes(server.pid), young: server.youngBytes() ?? 0 };
  };
  const half = Math.floor(spec.members / 3);
  const first = await connect(lg, spec, half);
  const before = await settled();
  const second = checked(await lg.call<Setup>({ cmd: 'grow' }));
  const after = await settled();
  const n = second.connected;
  return {
    connected: first.connected + second.connected,
    measured: n,
    rssBefore: before.rss,
    rssAfter: after.rss,
    youngBefore: before.young,
    youngAfter: after.young,
    bytesPerConn: (after.rss - before.rss - (after.young - before.young)) / n,
    rawBytesPerConn: (after.rss - before.rss) / n,
  };
}

function summarise(r: RunResult): string {
  if (r.error) return `ERROR ${r.error.split('\n')[0]}`;
  const k = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1));
  if (r.storm) return `${k(r.storm.perSec)} conn/s, ${r.storm.cpuUsPerConn.toFixed(0)} µs CPU/conn`;
  if (r.idle) return `${(r.idle.bytesPerConn / 1024).toFixed(2)} KiB/conn (${(r.idle.rawBytesPerConn / 1024).toFixed(2)} with the young generation's growth)`;
  const fromSchedule = (p: PhaseMeasure) => p.schedule?.latency ?? p.latency;
  const lag = (p: PhaseMeasure) => (p.schedule ? `, generator lag p99 ${p.schedule.lag.p99.toFixed(2)} ms` : '');
  if (r.light) {
    const l = fromSchedule(r.light);
    return `${k(r.light.offeredRate ?? 0)} msg/s: p50 / p99 / p99.9 ${l.p50.toFixed(2)} / ${l.p99.toFixed(2)} / ${l.p999.toFixed(2)} ms${lag(r.light)} | delivered ${r.light.delivered}/${r.light.expected}`;
  }
  if (!r.sat || !r.ownHalf) return 'no result';
  const batches = (p: PhaseMeasure) =>
    p.store ? `(server: ${p.store.batches} batches of ${p.store.meanBatch.toFixed(1)}, ${p.store.commitMeanMs.toFixed(2)} ms mean, p99 ≤ ${p.store.commitP99Ms} ms) ` : '';
  const open = (label: string, p: PhaseMeasure) =>
    `| ${label} ${k(p.offeredRate ?? 0)} msg/s: p99 ${fromSchedule(p).p99.toFixed(2)} ms (from the send ${p.latency.p99.toFixed(2)}${lag(p)})` +
    (p.acked > 0 ? `, commit p99 ${p.commit.p99.toFixed(2)} ms, ${k(p.ackedPerSec)} acked/s ` : ' ') +
    batches(p);
  const phases = [r.sat, r.ownHalf, r.half, r.atTarget, ...(r.knee ?? [])].filter((p): p is PhaseMeasure => p !== undefined);
  const system = r.sat.deliveriesPerSystemCpuSec === undefined ? '' : ` ${k(r.sat.deliveriesPerSystemCpuSec)} dlv/system-CPU-s`;
  return (
    `sat ${k(r.sat.msgsPerSec)} msg/s ${k(r.sat.deliveriesPerSec)} dlv/s ${k(r.sat.deliveriesPerCpuSec)} dlv/CPU-s${system} cpu ${(r.sat.cpuUtil * 100).toFixed(0)}% ` +
    batches(r.sat) +
    open('own half', r.ownHalf) +
    (r.half ? open('same load', r.half) : '') +
    (r.atTarget ? open('target', r.atTarget) : '') +
    (r.knee ? `| knee: ${r.knee.map((p) => `${k(p.offeredRate ?? 0)} → p99 ${fromSchedule(p).p99.toFixed(1)}`).join(', ')} ` : '') +
    `| delivered ${phases.map((p) => `${p.delivered}/${p.expected}`).join(', ')}`
  );
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


