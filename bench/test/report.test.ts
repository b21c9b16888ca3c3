// The report's arithmetic and wording on results made up for the purpose (and on the last committed
// full run): rates over real time, no latency ratio against a peer that could not carry the load,
// latency at each peer's own half, whole-system CPU, and where the processes ran.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PeerKind } from '../src/load/dialect.js';
import type { Percentiles } from '../src/load/samples.js';
import { nodesShareACore, placement } from '../src/placement.js';
import { renderMarkdown } from '../src/report/markdown.js';
import type { BenchReport } from '../src/report/model.js';
import { loadBetween, parseProcStat } from '../src/machine-load.js';
import { kneeOf } from '../src/report/model.js';
import { parseSnapshot, storeDiagnostics } from '../src/server-metrics.js';
import { checkTargets } from '../src/report/targets.js';
import { ScenarioKind } from '../src/scenarios.js';
import type { PhaseMeasure, RunResult } from '../src/suite.js';

const NO_SAMPLES: Percentiles = { count: 0, p50: 0, p99: 0, p999: 0, max: 0 };
const ms = (p99: number): Percentiles => ({ count: 100, p50: p99 / 2, p99, p999: p99 * 1.1, max: p99 * 1.2 });

/** A phase with every count consistent: `sent` messages over `sendingMs`, each delivered to `fanout` members. */
function phase(p: Partial<PhaseMeasure> & { sent: number; sendingMs: number }, fanout = 10): PhaseMeasure {
  const delivered = p.sent * fanout;
  const cpuSec = p.cpuSec ?? 0.5;
  return {
    deliveredInWindow: delivered,
    delivered,
    expected: delivered,
    acked: 0,
    ackSpanMs: 0,
    drainMs: 5,
    latency: NO_SAMPLES,
    commit: NO_SAMPLES,
    closed: 0,
    cpuSec,
    wallSec: p.sendingMs / 1000,
    cpuUtil: cpuSec / (p.sendingMs / 1000),
    msgsPerSec: p.sent / (p.sendingMs / 1000),
    deliveriesPerSec: delivered / (p.sendingMs / 1000),
    deliveriesPerCpuSec: delivered / cpuSec,
    ackedPerSec: 0,
    ...p,
  };
}

function report(scenarios: BenchReport['scenarios'], results: RunResult[]): BenchReport {
  return {
    version: 1,
    mode: 'full',
    command: 'npm run bench -- --full',
    startedAt: '2026-12-01T00:00:00.000Z',
    finishedAt: '2026-12-01T01:00:00.000Z',
    pinned: true,
    parleyHasRedis: true,
    machine: { cpuModel: 'test CPU', cores: 2, memoryGiB: 8, kernel: 'Linux', node: 'v20', loadavgBefore: [0.1, 0.1, 0.1], nofile: '20000 (hard 20000)' },
    scenarios,
    results,
  };
}

const run = (scenario: string, peer: PeerKind, r: Partial<RunResult>): RunResult => ({ scenario, peer, nodes: 1, connections: 10, ...r });

const busy = { id: 'busy', title: 'Busy room', kind: ScenarioKind.Traffic, peers: [PeerKind.Parley, PeerKind.RelayBatched, PeerKind.Relay, PeerKind.SocketIo], nodes: 1 };
const persist = { id: 'persist', title: 'Persistence', kind: ScenarioKind.Persist, peers: [PeerKind.Parley, PeerKind.ParleyNaive], nodes: 1 };

/** Parley saturates at 1,000 msg/s; Socket.IO at 100, so Parley's half (500) is above Socket.IO's saturation. */
function busyRoom(): BenchReport {
  return report(
    [busy],
    [
      run('busy', PeerKind.Parley, {
        sat: phase({ sent: 1000, sendingMs: 1000, cpuSec: 0.5, systemCpuSec: 0.8, deliveriesPerSystemCpuSec: 10_000 / 0.8 }),
        ownHalf: phase({ sent: 500, sendingMs: 1000, offeredRate: 500, latency: ms(40) }),
      }),
      run('busy', PeerKind.RelayBatched, {
        sat: phase({ sent: 4000, sendingMs: 1000, cpuSec: 0.5 }),
        ownHalf: phase({ sent: 2000, sendingMs: 1000, offeredRate: 2000, latency: ms(3) }),
        half: phase({ sent: 500, sendingMs: 1000, offeredRate: 500, latency: ms(2) }),
      }),
      run('busy', PeerKind.Relay, {
        sat: phase({ sent: 800, sendingMs: 1000, cpuSec: 1 }),
        ownHalf: phase({ sent: 400, sendingMs: 1000, offeredRate: 400, latency: ms(8) }),
        half: phase({ sent: 500, sendingMs: 1000, offeredRate: 500, latency: ms(10) }),
      }),
      run('busy', PeerKind.SocketIo, {
        sat: phase({ sent: 100, sendingMs: 1000, cpuSec: 1 }),
        ownHalf: phase({ sent: 50, sendingMs: 1000, offeredRate: 50, latency: ms(20) }),
        half: phase({ sent: 500, sendingMs: 1000, offeredRate: 500, latency: ms(16_000) }),
      }),
    ],
  );
}

const rowOf = (md: string, label: string, header: string) => {
  const table = md.slice(md.indexOf(header));
  return table.split('\n').find((l) => l.startsWith(`| ${label} |`)) ?? '';
};

describe('benchmark report', () => {
  it('counts stored messages per second of real time, so a store that falls behind shows less than it was offered', () => {
    // 30,000 sent in one second at 30k/s offered, the last acknowledged 1.5 s after the first send.
    const atTarget = phase({ sent: 30_000, sendingMs: 1000, offeredRate: 30_000, acked: 30_000, ackSpanMs: 1500, commit: ms(400) }, 1);
    const sat = phase({ sent: 20_000, sendingMs: 1000, acked: 20_000, ackSpanMs: 2000, commit: ms(90) }, 1);
    const naiveSat = phase({ sent: 2000, sendingMs: 1000, acked: 2000, ackSpanMs: 1000, commit: ms(300) }, 1);
    const r = report([persist], [
      run('persist', PeerKind.Parley, { sat, ownHalf: phase({ sent: 10_000, sendingMs: 1000, offeredRate: 10_000, acked: 10_000, ackSpanMs: 1001 }, 1), atTarget }),
      run('persist', PeerKind.ParleyNaive, { sat: naiveSat }),
    ]);
    const target = checkTargets(r).find((t) => t.target.startsWith('Persistence'))!;
    expect(target.measured).toContain('10.0 k msg/s');
    expect(target.measured).toContain('20.0 k acknowledged/s in real time');
    expect(target.measured).toContain('5.00× naive');
    expect(target.met).toBe(false);
    const md = renderMarkdown(r, 'bench/results/x.json', 'benchmarks.svg');
    expect(md).toContain('20.0 k acknowledged per second of real time');
    expect(md).not.toContain('30.0 k acknowledged');
    expect(rowOf(md, 'Parley', '| Peer | Stored msg/s')).toMatch(/^\| Parley \| 10\.0 k \|/);
  });

  it('gives no latency ratio against a peer whose saturation is below the offered load, and says so', () => {
    const r = busyRoom();
    const vsSio = checkTargets(r).find((t) => t.target.includes("Socket.IO's p99"))!;
    expect(vsSio.measured).toBe('busy: Socket.IO saturated at 100 msg/s, below the 500 offered');
    expect(vsSio.met).toBeUndefined();
    expect(vsSio.unchecked).toMatch(/not comparable/);
    const md = renderMarkdown(r, 'bench/results/x.json', 'benchmarks.svg');
    expect(rowOf(md, 'Socket.IO 4', '| Peer | Own half')).toContain('– (above its saturation, 100 msg/s)');
    expect(md).not.toContain('0.01×');
    // The relays carried it: their ratios stand.
    expect(rowOf(md, 'uWS relay, batched per turn', '| Peer | Own half')).toContain('| 20× |');
    expect(rowOf(md, 'uWS relay, unbatched', '| Peer | Own half')).toContain('| 4.00× |');
  });

  it("shows every peer's latency at half of its own saturation beside the same-load phase", () => {
    const md = renderMarkdown(busyRoom(), 'bench/results/x.json', 'benchmarks.svg');
    // Socket.IO at 50 msg/s (half of its 100): p50 / p99 / p99.9 of 10 / 20 / 22 ms.
    expect(rowOf(md, 'Socket.IO 4', '| Peer | Own half')).toMatch(/^\| Socket\.IO 4 \| 50 \| 10\.0 \/ 20\.0 \/ 22\.0 \| 500 \| 8000 \/ 16000 \/ 17600 \|/);
    // Parley's own half is the same load.
    expect(rowOf(md, 'Parley', '| Peer | Own half')).toMatch(/^\| Parley \| 500 \| 20\.0 \/ 40\.0 \/ 44\.0 \| 500 \| 20\.0 \/ 40\.0 \/ 44\.0 \| 40\.0 \| – \| 1\.00× \|/);
  });

  it('checks deliveries per CPU-second against both relays and calls neither the ceiling', () => {
    const checks = checkTargets(busyRoom());
    // Parley 20k per CPU-s; batched relay 80k, unbatched 8k.
    expect(checks.find((t) => t.target.includes('batched per loop turn'))).toMatchObject({ measured: 'busy 0.25×', met: false });
    expect(checks.find((t) => t.target.includes('unbatched uWS relay'))).toMatchObject({ measured: 'busy 2.50×', met: true });
    const md = renderMarkdown(busyRoom(), 'bench/results/x.json', 'benchmarks.svg');
    expect(md).not.toMatch(/ceiling/i);
  });

  it('puts deliveries per whole-system CPU-second (server + PostgreSQL + Redis) beside the server-only figure', () => {
    const md = renderMarkdown(busyRoom(), 'bench/results/x.json', 'benchmarks.svg');
    expect(md).toContain('| Deliveries per server CPU-s | Parley ÷ peer | System CPU | Deliveries per system CPU-s | Parley ÷ peer |');
    // Parley: 10,000 deliveries, 0.5 s of server CPU, 0.8 s with PostgreSQL's.
    expect(rowOf(md, 'Parley', '| Peer | Saturation')).toMatch(/^\| Parley \| 1,000 \| 10\.0 k \| 50 % \| 20\.0 k \| 1\.00× \| 80 % \| 12\.5 k \| 1\.00× \|/);
    // A peer whose service CPU could not be read is not given a system figure.
    expect(rowOf(md, 'Socket.IO 4', '| Peer | Saturation')).toMatch(/\| – \| – \| – \| all \|$/);
  });

  it('renders the last committed full run with its missed latency targets, and the checks it could not make', () => {
    const file = fileURLToPath(new URL('../results/2026-12-02T06-20-31-615Z.json', import.meta.url));
    const committed = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
    const checks = checkTargets(committed);
    // Results from before schedules: latency from the send is all there is, and it is what is checked.
    expect(checks.find((t) => t.target.startsWith('p99 send→receive'))).toMatchObject({ measured: expect.stringMatching(/^fanout-1k 160 vs [\d.]+ ms at /), met: false });
    expect(checks.find((t) => t.target.includes('batched per loop turn'))).toMatchObject({ measured: 'not in this run', met: undefined });
    // Socket.IO could not carry half of Parley's saturation rate in any scenario of that run.
    expect(checks.find((t) => t.target.includes("Socket.IO's p99"))!.met).toBeUndefined();
    const persistence = checks.find((t) => t.target.startsWith('Persistence'))!;
    expect(persistence.measured).toContain('29.6 k acknowledged/s in real time');
    const md = renderMarkdown(committed, 'bench/results/2026-12-02T06-20-31-615Z.json', 'benchmarks.svg');
    expect(md).toContain('servers under test on core 0 (both nodes of the two-node run too), load generator on core 1');
  });
});

describe('core placement', () => {
  it('keeps a core for the load generator and gives each node its own core when there are enough', () => {
    expect(placement(1, 2, true)).toEqual({ servers: [0], load: 1 });
    expect(placement(2, 4, true)).toEqual({ servers: [0, 1], load: 3 });
    expect(placement(2, 3, true)).toEqual({ servers: [0, 1], load: 2 });
    expect(nodesShareACore(placement(2, 3, true))).toBe(false);
  });

  it('gives each node its own core on a 2-core machine and leaves the load generator unpinned, and the report says so', () => {
    const own = placement(2, 2, true);
    expect(own).toEqual({ servers: [0, 1], load: undefined });
    expect(nodesShareACore(own)).toBe(false);
    expect(placement(3, 2, true)).toEqual({ servers: [0, 1, 0], load: undefined });
    const twoNodes0 = { id: 'two-nodes', title: 'Two nodes over Redis', kind: ScenarioKind.Traffic, peers: [PeerKind.Parley], nodes: 2 };
    const r0 = report([twoNodes0], [
      { ...run('two-nodes', PeerKind.Parley, { sat: phase({ sent: 100, sendingMs: 1000 }), ownHalf: phase({ sent: 50, sendingMs: 1000, offeredRate: 50 }) }), nodes: 2, placement: own! },
    ]);
    const md0 = renderMarkdown(r0, 'bench/results/x.json', 'benchmarks.svg');
    expect(md0).toContain("the two-node run's nodes on cores 0 and 1");
    expect(md0).toContain('not pinned in the two-node run');
    expect(md0).not.toContain('Both nodes ran on core');
  });

  it('says so when nodes share a core (results recorded before each node had its own)', () => {
    const shared = { servers: [0, 0], load: 1 };
    expect(nodesShareACore(shared)).toBe(true);
    const twoNodes = { id: 'two-nodes', title: 'Two nodes over Redis', kind: ScenarioKind.Traffic, peers: [PeerKind.Parley], nodes: 2 };
    const r = report([twoNodes], [
      { ...run('two-nodes', PeerKind.Parley, { sat: phase({ sent: 100, sendingMs: 1000 }), ownHalf: phase({ sent: 50, sendingMs: 1000, offeredRate: 50 }) }), nodes: 2, placement: shared },
    ]);
    const md = renderMarkdown(r, 'bench/results/x.json', 'benchmarks.svg');
    expect(md).toContain("the two-node run's nodes share core 0; load generator on core 1;");
    expect(md).toContain('Both nodes ran on core 0, with the load generator alone on core 1');
  });

  it('does not pin on one core or without taskset', () => {
    expect(placement(1, 1, true)).toBeUndefined();
    expect(placement(1, 8, false)).toBeUndefined();
  });
});

/** An open-loop phase whose latency from the scheduled send differs from the one from the send. */
function scheduled(rate: number, fromSchedule: Percentiles, fromSend: Percentiles = fromSchedule): PhaseMeasure {
  const p = phase({ sent: rate, sendingMs: 1000, offeredRate: rate, latency: fromSend });
  const even = { count: rate, p50: 1000 / rate, p99: 1000 / rate, p999: 1000 / rate, max: 1000 / rate };
  return {
    ...p,
    schedule: { latency: fromSchedule, commit: NO_SAMPLES, lag: ms(1), durationMs: 1000, gapMs: 1000 / rate, gaps: even, senderGapMs: 10_000 / rate, senderGaps: even, perSenderMin: rate / 10, perSenderMax: rate / 10 },
  };
}

const rooms = { id: 'rooms', title: 'Many rooms', kind: ScenarioKind.Traffic, peers: [PeerKind.Parley, PeerKind.Relay], nodes: 1 };

describe('issue 17 targets', () => {
  it('finds the knee where p99 first passes 20 ms, interpolated, and says when a curve never passed it', () => {
    const curve = [scheduled(100, ms(5)), scheduled(200, ms(10)), scheduled(300, ms(30)), scheduled(400, ms(8))];
    expect(kneeOf(curve, 20)).toEqual({ rate: 250, bound: 'at' });
    expect(kneeOf(curve.slice(0, 2), 20)).toEqual({ rate: 200, bound: 'above' });
    expect(kneeOf([scheduled(100, ms(25)), scheduled(200, ms(40))], 20)).toEqual({ rate: 100, bound: 'below' });
    // From the scheduled send time, not the send: a late generator counts.
    expect(kneeOf([scheduled(100, ms(5), ms(5)), scheduled(200, ms(45), ms(5))], 20)).toEqual({ rate: 137.5, bound: 'at' });
  });

  it("checks the knee against 0.8× the relay's, and p99 / p99.9 against the relay's + 10 / + 25 ms, from the scheduled send", () => {
    const r = report(
      [rooms],
      [
        run('rooms', PeerKind.Parley, {
          sat: phase({ sent: 400, sendingMs: 1000 }),
          ownHalf: scheduled(200, { count: 100, p50: 2, p99: 14, p999: 20, max: 30 }, ms(2)),
          knee: [scheduled(100, ms(5)), scheduled(200, ms(10)), scheduled(300, ms(30))],
        }),
        run('rooms', PeerKind.Relay, {
          sat: phase({ sent: 2000, sendingMs: 1000 }),
          ownHalf: scheduled(1000, ms(2)),
          half: scheduled(200, { count: 100, p50: 0.5, p99: 3, p999: 4, max: 5 }),
          knee: [scheduled(100, ms(1)), scheduled(200, ms(2)), scheduled(300, ms(4)), scheduled(600, ms(10)), scheduled(800, ms(50))],
        }),
      ],
    );
    const checks = checkTargets(r);
    const p99 = checks.find((t) => t.target.startsWith('p99 send→receive'))!;
    expect(p99).toMatchObject({ measured: 'rooms 14.0 vs 3.00 ms at 200 msg/s', met: false, issue: 17 });
    expect(checks.find((t) => t.target.startsWith('p99.9'))).toMatchObject({ measured: 'rooms 20.0 vs 4.00 ms at 200 msg/s', met: true });
    // Parley 250 msg/s; the relay between 600 (10 ms) and 800 (50 ms): 650.
    expect(checks.find((t) => t.target.includes('knee'))).toMatchObject({ measured: 'Parley 250 msg/s, unbatched relay 650 msg/s: 0.38×', met: false });
    const md = renderMarkdown(r, 'bench/results/x.json', 'benchmarks.svg');
    expect(md).toContain('| Parley | 100: 5.00 (5.50); 200: 10.0 (11.0); 300: 30.0 (33.0) | 250 |');
    expect(md).toContain('## Targets');
  });

  it("cannot call the knee met while the relay's p99 never passed the threshold, and calls it missed once the bound shows it", () => {
    const curve = (p99s: number[]) => p99s.map((p, i) => scheduled(100 * (i + 1), ms(p)));
    const withCurves = (parley: number[], relay: number[]) =>
      checkTargets(
        report([rooms], [
          run('rooms', PeerKind.Parley, { sat: phase({ sent: 400, sendingMs: 1000 }), ownHalf: scheduled(200, ms(1)), knee: curve(parley) }),
          run('rooms', PeerKind.Relay, { sat: phase({ sent: 4000, sendingMs: 1000 }), ownHalf: scheduled(2000, ms(1)), half: scheduled(200, ms(1)), knee: curve(relay) }),
        ]),
      ).find((t) => t.target.includes('knee'))!;
    // Parley 350 msg/s; the relay above 400: the ratio is at most 0.88, which may or may not reach 0.8.
    expect(withCurves([5, 5, 10, 30], [1, 1, 1, 1])).toMatchObject({ met: undefined, unchecked: expect.stringContaining('stayed under 20 ms') });
    // Parley 150 msg/s against the relay above 400: at most 0.38×, missed whatever the relay's knee.
    expect(withCurves([5, 30, 40, 50], [1, 1, 1, 1])).toMatchObject({ met: false });
  });

  it('checks light load with PostgreSQL and states the embedded store beside it', () => {
    const light = { id: 'light', title: 'Light load', kind: ScenarioKind.Light, peers: [PeerKind.Parley, PeerKind.ParleyEmbedded, PeerKind.Relay], nodes: 1 };
    const r = report([light], [
      run('light', PeerKind.Parley, { light: scheduled(100, { count: 4000, p50: 0.8, p99: 4.5, p999: 9, max: 12 }) }),
      run('light', PeerKind.ParleyEmbedded, { light: scheduled(100, { count: 4000, p50: 1.5, p99: 7, p999: 11, max: 15 }) }),
      run('light', PeerKind.Relay, { light: scheduled(100, { count: 4000, p50: 0.2, p99: 1, p999: 2, max: 3 }) }),
    ]);
    const t = checkTargets(r).find((x) => x.target.startsWith('Light load'))!;
    expect(t).toMatchObject({ met: true, measured: 'p50 / p99 / p99.9: PostgreSQL 0.80 / 4.50 / 9.00 ms; embedded store 1.50 / 7.00 / 11.0 ms; unbatched relay 0.20 / 1.00 / 2.00 ms' });
    const md = renderMarkdown(r, 'bench/results/x.json', 'benchmarks.svg');
    expect(rowOf(md, 'Parley, embedded store (PGlite)', '| Peer | Offered msg/s | Latency')).toMatch(/^\| Parley, embedded store \(PGlite\) \| 100 \| 1\.50 \/ 7\.00 \/ 11\.0 \|/);
  });

  it("compares two nodes with one node at the two-node run's own half, and labels the one-node row", () => {
    const twoNodes = { id: 'two-nodes', title: 'Two nodes over Redis', kind: ScenarioKind.Traffic, peers: [PeerKind.Parley], nodes: 2 };
    const r = report([twoNodes], [
      { ...run('two-nodes', PeerKind.Parley, { sat: phase({ sent: 1000, sendingMs: 1000 }), ownHalf: scheduled(500, ms(30)) }), nodes: 2, placement: { servers: [0, 0], load: 1 } },
      run('two-nodes', PeerKind.Parley, { sat: phase({ sent: 1200, sendingMs: 1000 }), ownHalf: scheduled(600, ms(12)), half: scheduled(500, ms(15)) }),
    ]);
    const t = checkTargets(r).find((x) => x.target.startsWith('Two nodes'))!;
    expect(t).toMatchObject({ met: false, measured: 'two nodes 30.0 ms, one node 15.0 ms at 500 msg/s (both nodes on one core: this machine has no core for each)' });
    const md = renderMarkdown(r, 'bench/results/x.json', 'benchmarks.svg');
    expect(rowOf(md, 'Parley, one node', '| Peer | Own half')).toContain('| 600 |');
  });
});

describe("the server's own figures from /metrics", () => {
  const histogram = (name: string, buckets: [string, number][], sum: number) =>
    [...buckets.map(([le, n]) => `${name}_bucket{le="${le}"} ${n}`), `${name}_bucket{le="+Inf"} ${buckets.at(-1)![1]}`, `${name}_sum ${sum}`, `${name}_count ${buckets.at(-1)![1]}`].join('\n');
  const gauges = (p99: number, max: number) => `nodejs_eventloop_lag_p99_seconds ${p99}\nnodejs_eventloop_lag_max_seconds ${max}\nnodejs_eventloop_lag_mean_seconds 0.011`;

  it("reads event-loop delay from the server's histogram over the phase when it exports one, else from prom-client's monitor", () => {
    const loop = (counts: number[], sum: number) =>
      histogram('parley_event_loop_delay_seconds', [['0.001', counts[0]!], ['0.005', counts[1]!], ['0.025', counts[2]!]], sum);
    const before = parseSnapshot(`${loop([10, 10, 10], 0.005)}\n${gauges(0.012, 0.05)}`);
    // 100 more observations: 90 under 1 ms, 9 more under 5 ms, 1 under 25 ms.
    const after = parseSnapshot(`${loop([100, 109, 110], 0.105)}\n${gauges(0.012, 0.05)}`);
    expect(storeDiagnostics(before, after).eventLoop).toEqual({ p99Ms: 5, maxMs: 25, meanMs: 1, source: 'parley_event_loop_delay_seconds' });
    const bare = parseSnapshot(gauges(0.0123, 0.042));
    expect(storeDiagnostics(bare, bare).eventLoop).toEqual({ p99Ms: 12.3, maxMs: 42, meanMs: 11, source: 'nodejs_eventloop_lag' });
    expect(storeDiagnostics(parseSnapshot(''), parseSnapshot('')).eventLoop).toBeUndefined();
  });

  it('reads send→ack and fan-out p99 as bucket bounds, and leaves them out when nothing was timed', () => {
    const text = (n: number) =>
      [histogram('parley_send_ack_seconds', [['0.002', n], ['0.01', n * 2]], 0), histogram('parley_fanout_seconds', [['0.001', n]], 0)].join('\n');
    const d = storeDiagnostics(parseSnapshot(text(0)), parseSnapshot(text(50)));
    expect(d.sendAckP99Ms).toBe(10);
    expect(d.fanoutP99Ms).toBe(1);
    expect(storeDiagnostics(parseSnapshot(text(5)), parseSnapshot(text(5))).sendAckP99Ms).toBeUndefined();
  });
});

describe("a phase's machine load", () => {
  it('takes each core\'s busy share from /proc/stat, idle and iowait not busy', () => {
    const stat = (c0: number[], c1: number[]) => `cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 ${c0.join(' ')} 0 0\ncpu1 ${c1.join(' ')} 0 0\nintr 1 2\n`;
    const start = { loadavg: [1, 2, 3], cores: parseProcStat(stat([100, 0, 50, 800, 50, 0, 0, 0], [0, 0, 0, 1000, 0, 0, 0, 0])) };
    // Core 0: 150 busy of 200 jiffies; core 1: 100 iowait of 100.
    const end = { loadavg: [4, 5, 6], cores: parseProcStat(stat([200, 10, 90, 850, 50, 0, 0, 0], [0, 0, 0, 1000, 100, 0, 0, 0])) };
    expect(loadBetween(start, end)).toEqual({ loadavgStart: [1, 2, 3], loadavgEnd: [4, 5, 6], coreBusy: [0.75, 0] });
  });

  it("says where the image process of the uploads run was, and whether the ratio met the target", () => {
    const phase = (p99: number) => ({ pings: 400, p50: p99 / 4, p99 });
    const uploads = {
      bigMb: 1024, images: 20, pingers: 20, seconds: 10, photo: { width: 4000, height: 3000 }, pinned: true, loadavg: [0.5, 0.5, 0.5], photoBytes: 7_900_000,
      big: { seconds: 6, rssBeforeMiB: 390, rssPeakMiB: 420 },
      rounds: [{ quiet: phase(2), busy: phase(3), processed: 20, ratio: 1.5 }],
      ratio: 1.5,
    };
    const shared = renderMarkdown({ ...report([], []), uploads }, 'bench/results/x.json', 'benchmarks.svg');
    expect(shared).toContain("the server on core 0 (its image process on the server's core, under SCHED_IDLE), the measurement on core 1");
    expect(shared).toContain('**1.50×** (target ≤ 2×: **met**)');
    const apart = renderMarkdown({ ...report([], []), uploads: { ...uploads, imageCpus: '1', ratio: 2.5 } }, 'bench/results/x.json', 'benchmarks.svg');
    expect(apart).toContain('(its image process on CPUs 1, under SCHED_IDLE)');
    expect(apart).toContain('**missed**');
  });
});
