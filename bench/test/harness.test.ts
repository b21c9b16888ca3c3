// Smoke run of the benchmark harness at a tiny size: every scenario kind against every peer, through
// the real `bench/dist/run.js` command. No timing assertions: it checks that each run measured
// something real and that every delivery owed was counted, so the harness cannot silently measure nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  output = stdout;
  const file = readdirSync(dir).find((f) => f.endsWith('.json'))!;
  report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as BenchReport;
}, 250_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runs(kind: string): RunResult[] {
  const ids = report.scenarios.filter((s) => s.kind === kind).map((s) => s.id);
  return report.results.filter((r) => ids.includes(r.scenario) && !r.skipped);
}

/** `busy`: a saturation phase, long enough to register in /proc's 10 ms CPU ticks. */
function expectAllDelivered(p: PhaseMeasure | undefined, label: string, busy: boolean): void {
  expect(p, label).toBeDefined();
  expect(p!.sent, `${label}: messages sent`).toBeGreaterThan(0);
  expect(p!.expected, `${label}: deliveries owed`).toBeGreaterThan(0);
  expect(p!.delivered, `${label}: deliveries counted = owed`).toBe(p!.expected);
  if (busy) {
    expect(p!.cpuSec, `${label}: server CPU measured`).toBeGreaterThan(0);
    expect(p!.deliveriesPerCpuSec, `${label}: deliveries per CPU-second`).toBeGreaterThan(0);
  } else {
    expect(p!.cpuSec, `${label}: server CPU measured`).toBeGreaterThanOrEqual(0);
  }
  expect(p!.closed, `${label}: connections closed by the server`).toBe(0);
}

describe('benchmark harness (tiny run)', () => {
  it('runs every scenario against every peer, skipping only what this build cannot do', () => {
    const expectedRuns = report.scenarios.reduce((n, s) => n + s.peers.length, 0);
    expect(report.results).toHaveLength(expectedRuns);
    expect(new Set(report.results.map((r) => r.peer))).toEqual(new Set(['parley', 'parley-naive', 'socketio', 'uws-relay']));
    for (const r of report.results) {
      expect(r.error, `${r.scenario}/${r.peer} failed`).toBeUndefined();
      // Services missing is a failure; only a Parley build without a Redis broker may skip its two-node run.
      if (r.skipped) expect(`${r.scenario}/${r.peer}: ${r.skipped}`).toMatch(/^two-nodes\/parley: .*no Redis broker/);
    }
  });

  it('counts every owed delivery in traffic and persistence phases, with latency from the sampled clients', () => {
    const traffic = [...runs('traffic'), ...runs('persist')];
    expect(traffic.length).toBeGreaterThanOrEqual(10);
    for (const r of traffic) {
      const label = `${r.scenario}/${r.peer}`;
      expectAllDelivered(r.sat, `${label} saturation`, true);
      expectAllDelivered(r.half, `${label} half load`, false);
      expect(r.half!.offeredRate, `${label}: offered load`).toBeGreaterThan(0);
    }
    for (const r of runs('traffic')) expect(r.half!.latency.count, `${r.scenario}/${r.peer} latency samples`).toBeGreaterThan(0);
  });

  it('acknowledges every stored message in the persistence scenario, for both stores', () => {
    const persist = runs('persist');
    expect(persist.map((r) => r.peer).sort()).toEqual(['parley', 'parley-naive']);
    for (const r of persist) {
      expect(r.sat!.acked, `${r.peer} saturation acks`).toBe(r.sat!.sent);
      expect(r.half!.acked, `${r.peer} half-load acks`).toBe(r.half!.sent);
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

  it('connects and authenticates the whole storm and measures idle memory of every connection', () => {
    for (const r of runs('storm')) {
      expect(r.storm!.connected, `${r.peer} storm`).toBe(r.connections);
      expect(r.storm!.perSec).toBeGreaterThan(0);
    }
    for (const r of runs('idle')) {
      expect(r.idle!.connected, `${r.peer} idle`).toBe(r.connections);
      expect(r.idle!.rssBefore).toBeGreaterThan(0);
      expect(r.idle!.rssAfter).toBeGreaterThan(0);
    }
  });

  it('writes the report with machine, load, targets, a table per scenario and the chart', () => {
    const md = readFileSync(join(dir, 'benchmarks.md'), 'utf8');
    expect(md).toContain('Load average');
    expect(md).toContain(report.machine.node);
    expect(md).toContain('## Targets');
    for (const s of report.scenarios) expect(md).toContain(`## ${s.title}`);
    expect(md).toContain('![Benchmark chart](benchmarks.svg)');
    const svg = readFileSync(join(dir, 'benchmarks.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<rect /g)!.length).toBeGreaterThan(20);
    expect(output).toContain('results:');
  });
});
