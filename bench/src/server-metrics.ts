// Parley's own view of a phase, read from its Prometheus /metrics before and after: how many
// group-commit batches it wrote, how large, how long each took inside the server and how long messages waited for one; its send-to-ack
// and fan-out times; and how long its event loop was blocked. Set beside the load generator's
// latencies, it tells the database's share of a latency from queueing. Figures a build does not
// export are left out.

/** Cumulative histogram: upper bounds (seconds or items) and counts at or below each. */
interface Histogram {
  bounds: number[];
  counts: number[];
  sum: number;
  count: number;
}

export interface StoreSnapshot {
  commit: Histogram;
  batch: Histogram;
  sendAck: Histogram;
  fanout: Histogram;
  /** An event-loop delay histogram (`parley_…event_loop…_seconds`), when the build exports one. */
  eventLoop?: Histogram & { name: string };
  /** prom-client's default event-loop figures, over the time since the previous scrape (it resets them on each). */
  lagGauges: { p99?: number; max?: number; mean?: number };
  queueWait: Histogram;
}

/** One latency histogram over a phase: mean and bucket-bound quantiles, ms. */
export interface PhaseLatency {
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface StoreDiagnostics {
  /** Group-commit batches written during the phase. */
  batches: number;
  /** Appends per batch, mean. */
  meanBatch: number;
  /** Time one batch took in the server (statement + commit round trip), mean and bucket-bound quantiles, ms. */
  commitMeanMs: number;
  commitP50Ms: number;
  commitP99Ms: number;
  /** From a send arriving to its ack, inside the server, bucket-bound quantile, ms (absent when none was timed). */
  sendAckP99Ms?: number;
  /** From the store's ack to the end of the publish, bucket-bound quantile, ms. */
  fanoutP99Ms?: number;
  /** Event-loop delay over the phase, ms, and where it was read (a histogram of the server's, or prom-client's monitor). */
  eventLoop?: { p99Ms: number; maxMs?: number; meanMs?: number; source: string };
  /** From a message handed to the store to the start of its batch (absent when the build does not time it). */
  queueWait?: PhaseLatency;
}

function parseHistogram(text: string, name: string): Histogram {
  const bounds: number[] = [];
  const counts: number[] = [];
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}_bucket{`)) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      if (le === undefined || le === '+Inf') continue;
      bounds.push(Number(le));
      counts.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
    } else if (line.startsWith(`${name}_sum `)) {
      sum = Number(line.slice(name.length + 5));
    } else if (line.startsWith(`${name}_count `)) {
      count = Number(line.slice(name.length + 7));
    }
  }
  return { bounds, counts, sum, count };
}

/** Reads the store histograms of a Parley node, or undefined when it has no /metrics to give. */
export async function storeSnapshot(port: number): Promise<StoreSnapshot | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return undefined;
    return parseSnapshot(await res.text());
  } catch {
    return undefined;
  }
}

/** The store, latency and event-loop figures of one /metrics text. */
export function parseSnapshot(text: string): StoreSnapshot {
  const loopName = /^(parley_\w*event_?loop\w*_seconds)_bucket\{/m.exec(text)?.[1];
  const gauge = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return {
    commit: parseHistogram(text, 'parley_store_commit_seconds'),
    batch: parseHistogram(text, 'parley_store_batch_size'),
    queueWait: parseHistogram(text, 'parley_store_queue_wait_seconds'),
    sendAck: parseHistogram(text, 'parley_send_ack_seconds'),
    fanout: parseHistogram(text, 'parley_fanout_seconds'),
    ...(loopName ? { eventLoop: { ...parseHistogram(text, loopName), name: loopName } } : {}),
    lagGauges: { p99: gauge('nodejs_eventloop_lag_p99_seconds'), max: gauge('nodejs_eventloop_lag_max_seconds'), mean: gauge('nodejs_eventloop_lag_mean_seconds') },
  };
}

/** The smallest bucket bound under which a share `q` of the observations between two snapshots fell. */
function quantile(before: Histogram, after: Histogram, q: number): number {
  const total = after.count - before.count;
  if (total <= 0) return 0;
  for (let i = 0; i < after.bounds.length; i++) {
    if (after.counts[i]! - (before.counts[i] ?? 0) >= q * total) return after.bounds[i]!;
  }
  return Infinity;
}

/** Event-loop delay between two snapshots: the server's own histogram where it has one, else prom-client's monitor. */
function eventLoopBetween(before: StoreSnapshot, after: StoreSnapshot): StoreDiagnostics['eventLoop'] {
  const h = after.eventLoop;
  if (h && before.eventLoop && h.count > before.eventLoop.count) {
    const n = h.count - before.eventLoop.count;
    return { p99Ms: quantile(before.eventLoop, h, 0.99) * 1000, maxMs: quantile(before.eventLoop, h, 1) * 1000, meanMs: ((h.sum - before.eventLoop.sum) / n) * 1000, source: h.name };
  }
  const g = after.lagGauges;
  if (g.p99 === undefined) return undefined;
  return { p99Ms: g.p99 * 1000, ...(g.max === undefined ? {} : { maxMs: g.max * 1000 }), ...(g.mean === undefined ? {} : { meanMs: g.mean * 1000 }), source: 'nodejs_eventloop_lag' };
}

/** What happened between two snapshots of one node. */
export function storeDiagnostics(before: StoreSnapshot, after: StoreSnapshot): StoreDiagnostics {
  const batches = after.commit.count - before.commit.count;
  const appends = after.batch.sum - before.batch.sum;
  const timed = (h: (s: StoreSnapshot) => Histogram) => (h(after).count > h(before).count ? { p99: quantile(h(before), h(after), 0.99) * 1000 } : undefined);
  const sendAck = timed((s) => s.sendAck);
  const fanout = timed((s) => s.fanout);
  const eventLoop = eventLoopBetween(before, after);
  return {
    ...(sendAck ? { sendAckP99Ms: sendAck.p99 } : {}),
    ...(fanout ? { fanoutP99Ms: fanout.p99 } : {}),
    ...(eventLoop ? { eventLoop } : {}),
    batches,
    meanBatch: batches > 0 ? appends / batches : 0,
    commitMeanMs: batches > 0 ? ((after.commit.sum - before.commit.sum) / batches) * 1000 : 0,
    commitP50Ms: quantile(before.commit, after.commit, 0.5) * 1000,
    commitP99Ms: quantile(before.commit, after.commit, 0.99) * 1000,
    ...(after.queueWait.count > before.queueWait.count ? { queueWait: latency(before.queueWait, after.queueWait) } : {}),
  };
}

function latency(before: Histogram, after: Histogram): PhaseLatency {
  const n = after.count - before.count;
  return {
    meanMs: n > 0 ? ((after.sum - before.sum) / n) * 1000 : 0,
    p50Ms: quantile(before, after, 0.5) * 1000,
    p99Ms: quantile(before, after, 0.99) * 1000,
  };
}
