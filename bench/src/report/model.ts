// The shape of a results file, and the look-ups the tables, targets and chart share.
import type { PeerKind } from '../load/dialect.js';
import { ackedPerSecond } from '../phase-rates.js';
import type { MachineInfo } from '../machine.js';
import type { ScenarioKind } from '../scenarios.js';
import type { ReactionStormResult } from '../reaction-storm.js';
import type { ReceiptStormResult } from '../receipt-storm.js';
import type { StreamReplyResult } from '../stream-reply.js';
import type { Percentiles } from '../load/samples.js';
import type { PhaseMeasure, RunResult } from '../suite.js';
import type { UploadsResult } from '../uploads.js';

export interface BenchReport {
  version: 1;
  mode: string;
  command: string;
  startedAt: string;
  finishedAt: string;
  /** Whether server and load generator ran on separate pinned cores. */
  pinned: boolean;
  parleyHasRedis: boolean;
  machine: MachineInfo;
  scenarios: { id: string; title: string; kind: ScenarioKind; peers: PeerKind[]; nodes: number }[];
  results: RunResult[];
  /** Reactions against messages in one busy room (absent from runs before it was part of the suite). */
  reactionStorm?: ReactionStormResult | { error: string };
  /** Parley alone: a thousand reads of one message against a thousand messages (issue 12). */
  receiptStorm?: ReceiptStormResult | { error: string };
  /** Parley alone: a bot's reply streamed against the same reply as separate messages (issue 14). */
  streamReply?: StreamReplyResult | { error: string };
  /** Parley alone: memory during a large upload, ping p99 during image uploads ÷ without (issue 13). */
  uploads?: UploadsResult | { error: string };
}

export const PEER_LABEL: Record<PeerKind, string> = {
  parley: 'Parley',
  'parley-naive': 'Parley, naive store',
  'parley-pglite': 'Parley, embedded store (PGlite)',
  socketio: 'Socket.IO 4',
  'uws-relay-batched': 'uWS relay, batched per turn',
  'uws-relay': 'uWS relay, unbatched',
};

/** A peer's run of a scenario on the scenario's own number of nodes. */
export function resultOf(report: BenchReport, scenario: string, peer: PeerKind): RunResult | undefined {
  const nodes = report.scenarios.find((s) => s.id === scenario)?.nodes;
  const r = report.results.find((x) => x.scenario === scenario && x.peer === peer && (nodes === undefined || x.nodes === nodes));
  return r && !r.error && !r.skipped ? r : undefined;
}

/** A multi-node scenario's baseline: its first peer run on one node with the same shape. */
export function oneNodeOf(report: BenchReport, scenario: string): RunResult | undefined {
  const s = report.scenarios.find((x) => x.id === scenario);
  if (!s || s.nodes === 1) return undefined;
  const r = report.results.find((x) => x.scenario === scenario && x.peer === s.peers[0] && x.nodes === 1);
  return r && !r.error && !r.skipped ? r : undefined;
}

/** How a result is named in a table: a multi-node scenario's one-node baseline says so. */
export function labelOf(report: BenchReport, r: RunResult): string {
  const nodes = report.scenarios.find((s) => s.id === r.scenario)?.nodes ?? r.nodes;
  return r.nodes !== nodes ? `${PEER_LABEL[r.peer]}, one node` : PEER_LABEL[r.peer];
}

/**
 * Send-to-delivery latency as a user feels it: from the scheduled send time in open loops (a late
 * generator or a stalled socket counts), from the send otherwise (and in results from before schedules).
 */
export function felt(p: PhaseMeasure): Percentiles {
  return p.schedule?.latency ?? p.latency;
}

/** Send-to-acknowledgement time, from the scheduled send time where there was one. */
export function feltCommit(p: PhaseMeasure): Percentiles {
  return p.schedule?.commit ?? p.commit;
}

/** Where p99 first passes the threshold along a knee curve. */
export interface Knee {
  /** Offered messages/s. */
  rate: number;
  /** at: interpolated between the last rate under and the first over; above: never passed up to `rate`; below: passed already at `rate`, the lowest offered. */
  bound: 'at' | 'above' | 'below';
}

/**
 * The knee of a curve: linear interpolation of p99 between the last offered rate at or under
 * `thresholdMs` and the first over it.
 */
export function kneeOf(curve: readonly PhaseMeasure[] | undefined, thresholdMs: number): Knee | undefined {
  const points = (curve ?? []).filter((p) => p.offeredRate !== undefined).sort((a, b) => a.offeredRate! - b.offeredRate!);
  if (points.length === 0) return undefined;
  const over = points.findIndex((p) => felt(p).p99 > thresholdMs);
  if (over === -1) return { rate: points[points.length - 1]!.offeredRate!, bound: 'above' };
  if (over === 0) return { rate: points[0]!.offeredRate!, bound: 'below' };
  const lo = points[over - 1]!;
  const hi = points[over]!;
  const [x0, y0, x1, y1] = [lo.offeredRate!, felt(lo).p99, hi.offeredRate!, felt(hi).p99];
  return { rate: x0 + ((thresholdMs - y0) / (y1 - y0)) * (x1 - x0), bound: 'at' };
}

/** Whether `r` is its scenario's first peer, whose saturation sets the others' same-load phase. */
function paceSetter(report: BenchReport, r: RunResult): boolean {
  return report.scenarios.find((s) => s.id === r.scenario)?.peers[0] === r.peer;
}

/** The phase at half of the peer's own saturation (older results have it only for the first peer). */
export function ownHalfOf(report: BenchReport, r: RunResult): PhaseMeasure | undefined {
  return r.ownHalf ?? (paceSetter(report, r) ? r.half : undefined);
}

/** The phase at half of the first peer's saturation: the same offered load for every peer. */
export function sameLoadOf(report: BenchReport, r: RunResult): PhaseMeasure | undefined {
  return r.half ?? (paceSetter(report, r) ? r.ownHalf : undefined);
}

/**
 * Whether a peer could carry a phase's offered load: an open loop above the peer's own saturation
 * rate grows a queue for the whole phase, and its latency then measures the phase's length.
 */
export function carried(r: RunResult, phase: PhaseMeasure | undefined): boolean {
  return phase?.offeredRate !== undefined && r.sat !== undefined && phase.offeredRate <= r.sat.msgsPerSec;
}

/** Stored messages per second of real time at saturation (older results: from the sending time they kept). */
export function storedPerSec(r: RunResult | undefined): number | undefined {
  return r?.sat ? ackedPerSecond(r.sat) : undefined;
}

/** a ÷ b, or undefined when either is missing or b is zero. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

export function fmtNum(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function fmtRatio(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : `${n >= 10 ? n.toFixed(0) : n.toFixed(2)}×`;
}

export function fmtMs(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}
