// Smoke run of the benchmark harness at a tiny size: every scenario kind against every peer, through
// the real `bench/dist/run.js` command. No timing assertions: it checks that each run measured
// something real and consistent (every delivery owed counted, CPU within what the pinned cores could
// give, the services' CPU found, each phase at the rate it was meant to offer), so the harness cannot
// silently measure nothing or the wrong thing.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/report/model.js';
import type { PhaseMeasure, RunResult } from '../src/suite.js';

const RUN = fileURLToPath(new URL('../dist/run.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
let report: BenchReport;
let output = '';

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [RUN, '--tiny', `--results-dir=${dir}`, `--docs-dir=${dir}`], {
    timeout: 420_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  output = stdout;
  const file = readdirSync(dir).find((f) => f.endsWith('.json'))!;
  report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as BenchReport;
}, 430_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runs(kind: string): RunResult[] {
  const ids = report.scenarios.filter((s) => s.kind === kind).map((s) => s.id);
  return report.results.filter((r) => ids.includes(r.scenario) && !r.skipped);
}

/** /proc counts CPU in 10 ms ticks per process: the most a reading can be over the true figure. */
const TICK_SLACK_SEC = 0.02;

function expectAllDelivered(p: PhaseMeasure | undefined, label: string): void {
  expect(p, label).toBeDefined();
  expect(p!.sent, `${label}: messages sent`).toBeGreaterThan(0);
  expect(p!.expected, `${label}: deliveries owed`).toBeGreaterThan(0);
  expect(p!.delivered, `${label}: deliveries counted = owed`).toBe(p!.expected);
  expect(p!.closed, `${label}: connections closed by the server`).toBe(0);
}

/**
 * Server CPU cannot exceed what the cores the servers were pinned to could give over the phase (or
 * the whole machine, unpinned): a reading past that is not CPU time (a wrong field, unit or process).
 */
function expectCpuWithinCores(r: RunResult, p: PhaseMeasure, label: string): void {
  const cores = r.placement ? new Set(r.placement.servers).size : cpus().length;
  expect(p.cpuSec, `${label}: server CPU`).toBeLessThanOrEqual(p.wallSec * cores + TICK_SLACK_SEC * r.nodes);
  expect(p.cpuUtil, `${label}: CPU share`).toBeCloseTo(p.cpuSec / p.wallSec, 6);
}

describe('benchmark harness (tiny run)', () => {
  it('runs every scenario against every peer, skipping only what this build cannot do', () => {
    // A two-node scenario also runs its first peer on one node.
    const expectedRuns = report.scenarios.reduce((n, s) => n + s.peers.length + (s.nodes > 1 ? 1 : 0), 0);
    expect(report.results).toHaveLength(expectedRuns);
    expect(new Set(report.results.map((r) => r.peer))).toEqual(new Set(['parley', 'parley-naive', 'parley-pglite', 'socketio', 'uws-relay', 'uws-relay-batched']));
    for (const r of report.results) {
      expect(r.error, `${r.scenario}/${r.peer} failed`).toBeUndefined();
      // Services missing is a failure; only a Parley build without a Redis broker may skip its two-node run.
      if (r.skipped) expect(`${r.scenario}/${r.peer}: ${r.skipped}`).toMatch(/^two-nodes\/parley: .*no Redis broker/);
    }
  });

  it('counts every owed delivery in traffic and persistence phases, with latency from the sampled clients', () => {
    const traffic = [...runs('traffic'), ...runs('persist')];
    expect(traffic.length).toBeGreaterThanOrEqual(14);
    for (const r of traffic) {
      const label = `${r.scenario}/${r.peer}`;
      expectAllDelivered(r.sat, `${label} saturation`);
      expectAllDelivered(r.ownHalf, `${label} own half`);
      if (r.half) expectAllDelivered(r.half, `${label} same load`);
    }
    for (const r of runs('traffic')) {
      expect(r.ownHalf!.latency.count, `${r.scenario}/${r.peer} latency samples`).toBeGreaterThan(0);
      if (r.half) expect(r.half.latency.count, `${r.scenario}/${r.peer} same-load latency samples`).toBeGreaterThan(0);
    }
  });

  it("reads latency at half of each peer's own saturation, and every other peer also at half of Parley's", () => {
    for (const s of report.scenarios.filter((x) => x.kind === 'traffic' || x.kind === 'persist')) {
      const [first, ...others] = s.peers;
      const pacer = report.results.find((r) => r.scenario === s.id && r.peer === first)!;
      expect(pacer.half, `${s.id}/${first}: its own half is the same load`).toBeUndefined();
      for (const r of report.results.filter((x) => x.scenario === s.id)) {
        expect(r.ownHalf!.offeredRate, `${s.id}/${r.peer} own half`).toBe(r.sat!.msgsPerSec / 2);
      }
      for (const peer of others) {
        const r = report.results.find((x) => x.scenario === s.id && x.peer === peer)!;
        expect(r.half!.offeredRate, `${s.id}/${peer} same load`).toBe(pacer.sat!.msgsPerSec / 2);
      }
    }
  });

  it('measures server CPU within what its cores could give, and counts some for Parley', () => {
    const traffic = [...runs('traffic'), ...runs('persist')];
    let parleySec = 0;
    for (const r of traffic) {
      for (const [name, p] of [['saturation', r.sat], ['own half', r.ownHalf], ['same load', r.half]] as const) {
        if (!p) continue;
        expectCpuWithinCores(r, p, `${r.scenario}/${r.peer} ${name}`);
        expect(p.deliveriesPerCpuSec).toBe(p.cpuSec > 0 ? p.delivered / p.cpuSec : 0);
        if (r.peer === 'parley') parleySec += p.cpuSec;
      }
    }
    // One tiny phase of an efficient server can stay under /proc's 10 ms tick; all of Parley's cannot.
    expect(parleySec).toBeGreaterThan(0.05);
  });

  it('runs the reaction storm: every reaction and every message reaches every member, with CPU counted for both', () => {
    const storm = report.reactionStorm;
    expect(storm && !('error' in storm) ? 'ran' : storm).toBe('ran');
    if (!storm || 'error' in storm) return;
    expect(storm.phases.map((p) => p.phase)).toEqual(['messages', 'reactions']);
    for (const p of storm.phases) {
      expect(p.events, p.phase).toBe(storm.members);
      expect(p.deliveries, `${p.phase}: every event to every member`).toBe(storm.members * storm.members);
      expect(p.errors, `${p.phase}: error frames`).toBe(0);
      expect(p.serverCpuSec, `${p.phase}: server CPU`).toBeGreaterThanOrEqual(0);
    }
    // Each phase stores and fans out 100 events to 100 members: more than /proc's 10 ms tick.
    expect(storm.phases[0]!.serverCpuSec, 'messages: server CPU').toBeGreaterThan(0);
    expect(storm.ratio).toBeCloseTo(storm.phases[1]!.cpuUsPerDelivery / storm.phases[0]!.cpuUsPerDelivery, 9);
    expect(readFileSync(join(dir, 'benchmarks.md'), 'utf8')).toContain('## Reaction storm');
  });

  it('runs the receipt storm: every message reaches every member, every read reaches its reader once, CPU counted', () => {
    const storm = report.receiptStorm;
    expect(storm && !('error' in storm) ? 'ran' : storm).toBe('ran');
    if (!storm || 'error' in storm) return;
    const [messages, reads] = storm.phases;
    expect(storm.phases.map((p) => p.phase)).toEqual(['messages', 'reads']);
    expect(messages!.deliveries, 'every message to every member').toBe(storm.members * storm.members);
    expect(reads!.deliveries, 'one read_state per read, to the reader only').toBe(storm.members);
    for (const p of storm.phases) expect(p.errors, `${p.phase}: error frames`).toBe(0);
    expect(storm.ratio).toBeCloseTo(reads!.serverCpuSec / messages!.serverCpuSec, 9);
    expect(readFileSync(join(dir, 'benchmarks.md'), 'utf8')).toContain('## Receipt storm');
  });

  it('runs the uploads measurement: the large file arrives, pings are timed in both phases of each round, images are made', () => {
    const run = report.uploads;
    expect(run && !('error' in run) ? 'ran' : run).toBe('ran');
    if (!run || 'error' in run) return;
    expect(run.big.rssBeforeMiB, 'server RSS read before the upload').toBeGreaterThan(0);
    expect(run.big.rssPeakMiB).toBeGreaterThanOrEqual(run.big.rssBeforeMiB);
    expect(run.rounds.length).toBeGreaterThan(0);
    for (const r of run.rounds) {
      for (const phase of [r.quiet, r.busy]) {
        expect(phase.pings, 'pings answered').toBeGreaterThan(0);
        expect(phase.p99).toBeGreaterThanOrEqual(phase.p50);
      }
      expect(r.processed, 'image uploads finished during the busy phase').toBeGreaterThanOrEqual(run.images);
      expect(r.ratio).toBeCloseTo(r.busy.p99 / r.quiet.p99, 9);
    }
    expect(readFileSync(join(dir, 'benchmarks.md'), 'utf8')).toContain('## Uploads');
  });

  it('pins every node to a core of its own, and the load generator, when pinned, to a core no server uses', () => {
    const ran = report.results.filter((x) => !x.skipped);
    if (!report.pinned) {
      expect(ran.every((r) => r.placement === undefined)).toBe(true);
      return;
    }
    for (const r of ran) {
      expect(r.placement, `${r.scenario}/${r.peer}`).toBeDefined();
      expect(r.placement!.servers).toHaveLength(r.nodes);
      if (r.placement!.load !== undefined) expect(r.placement!.servers, `${r.scenario}/${r.peer}`).not.toContain(r.placement!.load);
      if (r.nodes <= cpus().length) expect(new Set(r.placement!.servers).size, `${r.scenario}/${r.peer}: a core per node`).toBe(r.nodes);
    }
  });

  it('adds the CPU of PostgreSQL and Redis to the whole-system figure of the servers that use them', () => {
    const traffic = [...runs('traffic'), ...runs('persist')];
    let postgresSec = 0;
    for (const r of traffic) {
      const usesPostgres = r.peer === 'parley' || r.peer === 'parley-naive';
      for (const p of [r.sat!, r.ownHalf!]) {
        const label = `${r.scenario}/${r.peer}`;
        // The services run on this machine here: what they used can always be read.
        expect(p.systemCpuSec, `${label}: system CPU`).toBeDefined();
        expect(p.serviceCpu?.postgres !== undefined, `${label}: PostgreSQL CPU read`).toBe(usesPostgres);
        expect(p.serviceCpu?.redis !== undefined, `${label}: Redis CPU read`).toBe(r.nodes > 1);
        expect(p.systemCpuSec!).toBeCloseTo(p.cpuSec + (p.serviceCpu?.postgres ?? 0) + (p.serviceCpu?.redis ?? 0), 9);
        expect(p.deliveriesPerSystemCpuSec).toBe(p.systemCpuSec! > 0 ? p.delivered / p.systemCpuSec! : 0);
        postgresSec += p.serviceCpu?.postgres ?? 0;
      }
    }
    // Thousands of stored messages cost PostgreSQL measurable CPU over the run.
    expect(postgresSec).toBeGreaterThan(0);
  });

  it('acknowledges every stored message in the persistence scenario, for both stores, counted over real time', () => {
    const persist = runs('persist');
    expect(persist.map((r) => r.peer).sort()).toEqual(['parley', 'parley-naive']);
    for (const r of persist) {
      for (const p of [r.sat!, r.ownHalf!, ...(r.half ? [r.half] : []), ...(r.atTarget ? [r.atTarget] : [])]) {
        expect(p.acked, `${r.peer} acks`).toBe(p.sent);
        // The last acknowledgement comes after the first send and by the end of the drain.
        expect(p.ackSpanMs).toBeGreaterThan(0);
        expect(p.ackSpanMs).toBeLessThanOrEqual(p.sendingMs + p.drainMs);
        expect(p.ackedPerSec).toBeCloseTo(p.acked / (p.ackSpanMs / 1000), 6);
      }
      expect(r.sat!.commit.count).toBe(r.sat!.acked);
      expect(r.sat!.commit.p50).toBeGreaterThan(0);
    }
    // Parley alone also runs at the target rate, where the commit-latency target is read; it reports its batches.
    const parley = persist.find((r) => r.peer === 'parley')!;
    expect(parley.atTarget, 'parley target-rate phase').toBeDefined();
    expect(parley.atTarget!.acked).toBe(parley.atTarget!.sent);
    expect(parley.atTarget!.offeredRate).toBeGreaterThan(0);
    expect(parley.atTarget!.store!.batches).toBeGreaterThan(0);
    expect(persist.find((r) => r.peer === 'parley-naive')!.atTarget).toBeUndefined();
  });

  it('sends open loops on an even schedule: every sender its share, one message per write, gaps as scheduled', () => {
    const open = [...runs('traffic'), ...runs('persist'), ...runs('light')].flatMap((r) =>
      [r.ownHalf, r.half, r.atTarget, r.light, ...(r.knee ?? [])].filter((p): p is PhaseMeasure => p !== undefined).map((p) => ({ r, p })),
    );
    expect(open.length).toBeGreaterThan(20);
    let gapsChecked = 0;
    for (const { r, p } of open) {
      const label = `${r.scenario}/${r.peer} at ${p.offeredRate} msg/s`;
      const k = p.schedule!;
      expect(k, `${label}: schedule kept`).toBeDefined();
      // Message i is due at i / rate: the phase offers exactly rate × duration, spread over every sender.
      expect(p.sent, `${label}: messages offered`).toBe(Math.floor((p.offeredRate! * k.durationMs) / 1000));
      // Sending cannot end before the last message fell due: no message left ahead of its time.
      expect(p.sendingMs, `${label}: sending time`).toBeGreaterThanOrEqual((p.sent - 1) * k.gapMs - 0.01);
      expect(k.perSenderMax - k.perSenderMin, `${label}: senders' shares differ by at most one`).toBeLessThanOrEqual(1);
      expect(k.gapMs).toBeCloseTo(1000 / p.offeredRate!, 9);
      expect(k.lag.count, `${label}: a lag per message`).toBe(p.sent);
      expect(k.lag.p50, `${label}: never sent early`).toBeGreaterThanOrEqual(0);
      // Where the generator kept its schedule (a starved one catches up late, and its lag shows it),
      // one sender's median gap is its scheduled gap: not 0 (several of its messages in a burst) nor
      // a multiple (slots skipped or given to another sender).
      if (k.senderGaps.count >= 3 && k.lag.p99 < k.senderGapMs / 2) {
        gapsChecked++;
        expect(k.senderGaps.p50, `${label}: a sender's median gap ÷ its scheduled gap`).toBeGreaterThan(k.senderGapMs * 0.5);
        expect(k.senderGaps.p50, `${label}: a sender's median gap ÷ its scheduled gap`).toBeLessThan(k.senderGapMs * 2);
      }
      if (p.latency.count > 0) {
        expect(k.latency.count, `${label}: both latencies for every sample`).toBe(p.latency.count);
        // From the scheduled time is never shorter than from the send, which was at or after it.
        expect(k.latency.p99, `${label}: scheduled ≥ actual`).toBeGreaterThanOrEqual(p.latency.p99 - 1e-6);
      }
    }
    // The light phases' senders send every 400 ms: even a loaded machine keeps that schedule.
    expect(gapsChecked, 'phases whose send gaps were checked').toBeGreaterThan(0);
  });

  it("records the machine's load and each core's busy share for every phase, and Parley's event-loop delay", () => {
    const phases = [...runs('traffic'), ...runs('persist'), ...runs('light')].flatMap((r) =>
      [r.sat, r.ownHalf, r.half, r.light, ...(r.knee ?? [])].filter((p): p is PhaseMeasure => p !== undefined).map((p) => ({ r, p })),
    );
    for (const { r, p } of phases) {
      const m = p.machine!;
      expect(m.loadavgStart).toHaveLength(3);
      expect(m.loadavgEnd).toHaveLength(3);
      expect(m.coreBusy, `${r.scenario}/${r.peer}: a share per core`).toHaveLength(cpus().length);
      for (const b of m.coreBusy) {
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThanOrEqual(1);
      }
      // The load generator's core was busy sending and receiving during every closed loop, which never
      // waits; in an open loop it naps between sends, and a short phase at a low rate can read as idle.
      if (r.placement?.load !== undefined && p === r.sat) expect(m.coreBusy[r.placement.load]!, `${r.scenario}/${r.peer}: load generator core`).toBeGreaterThan(0);
      if (r.peer.startsWith('parley')) expect(p.store?.eventLoop?.p99Ms, `${r.scenario}/${r.peer}: event-loop delay`).toBeGreaterThanOrEqual(0);
    }
  });

  it('draws a knee curve for Parley and the unbatched relay in the many-rooms shape, at the same absolute rates', () => {
    const parley = report.results.find((r) => r.scenario === 'rooms' && r.peer === 'parley')!;
    const relay = report.results.find((r) => r.scenario === 'rooms' && r.peer === 'uws-relay')!;
    const fractions = [0.1, 0.25, 0.5, 0.7, 0.85, 1];
    expect(parley.knee!.map((p) => p.offeredRate)).toEqual(fractions.map((f) => f * parley.sat!.msgsPerSec));
    // The relay starts at the same rates; past Parley's saturation it goes on only while under the threshold.
    expect(relay.knee!.slice(0, fractions.length).map((p) => p.offeredRate)).toEqual(parley.knee!.map((p) => p.offeredRate));
    for (const p of [...parley.knee!, ...relay.knee!]) expectAllDelivered(p, `knee at ${p.offeredRate}`);
    expect(report.results.filter((r) => r.knee).map((r) => r.peer).sort()).toEqual(['parley', 'uws-relay']);
    expect(readFileSync(join(dir, 'benchmarks.md'), 'utf8')).toContain('Knee curve');
  });

  it('runs the light load with PostgreSQL, the embedded store and the relay, every delivery sampled for latency', () => {
    const light = runs('light');
    expect(light.map((r) => r.peer).sort()).toEqual(['parley', 'parley-pglite', 'uws-relay']);
    for (const r of light) {
      expectAllDelivered(r.light, `light/${r.peer}`);
      expect(r.light!.offeredRate).toBe(100);
      // 8 of each room's 10 members decode: 8 samples per message.
      expect(r.light!.latency.count, `light/${r.peer} samples`).toBe(r.light!.sent * 8);
    }
  });

  it('runs Parley on one node beside the two-node run, at the two-node run\'s own half', () => {
    const two = report.results.find((r) => r.scenario === 'two-nodes' && r.peer === 'parley' && r.nodes === 2);
    const one = report.results.find((r) => r.scenario === 'two-nodes' && r.peer === 'parley' && r.nodes === 1);
    if (two?.skipped) return;
    expect(one, 'one-node baseline').toBeDefined();
    expect(one!.half!.offeredRate).toBe(two!.ownHalf!.offeredRate);
    expectAllDelivered(one!.half, 'one-node same load');
  });

  it('connects and authenticates the whole storm and measures idle memory of every connection', () => {
    for (const r of runs('storm')) {
      expect(r.storm!.connected, `${r.peer} storm`).toBe(r.connections);
      expect(r.storm!.perSec).toBeGreaterThan(0);
    }
    for (const r of runs('idle')) {
      expect(r.idle!.connected, `${r.peer} idle`).toBe(r.connections);
      expect(r.idle!.rssBefore).toBeGreaterThan(0);
      expect(r.idle!.rssAfter).toBeGreaterThan(0);
      expect(r.idle!.youngAfter, `${r.peer}: the young generation's size, reported by the gc hook`).toBeGreaterThan(0);
    }
  });

  it('writes the report with machine, load, targets, a table per scenario and the chart', () => {
    const md = readFileSync(join(dir, 'benchmarks.md'), 'utf8');
    expect(md).toContain('Load average');
    expect(md).toContain(report.machine.node);
    expect(md).toContain('## Targets');
    for (const s of report.scenarios) expect(md).toContain(`## ${s.title}`);
    expect(md).toContain('![Benchmark chart](benchmarks.svg)');
    expect(md).toContain('| Peer | Own half: offered msg/s |');
    expect(md).toContain('Deliveries per system CPU-s');
    const svg = readFileSync(join(dir, 'benchmarks.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<rect /g)!.length).toBeGreaterThan(20);
    expect(output).toContain('results:');
  });
});
