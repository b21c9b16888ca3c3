// Parley's own view of a phase, read from its Prometheus /metrics before and after: how many
// group-commit batches it wrote, how large, how long each took inside the server, how long messages
// waited for their batch, send to ack inside the server, and the event loop's delay. Set beside the
// load generator's send-to-ack times, it tells the database's share of a latency from queueing.

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
  queueWait: Histogram;
  sendAck: Histogram;
  loopDelay: Histogram;
}

/** One latency histogram over a phase: mean and bucket-bound quantiles, ms (zero without observations). */
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
  /** From a message handed to the store to the start of its batch. */
  queueWait: PhaseLatency;
  /** From a send arriving at the server to its ack (checks, queue wait, flush). */
  sendAck: PhaseLatency;
  /** How late the event loop ran a 10 ms timer. */
  loopDelay: PhaseLatency;
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
    const text = await res.text();
    return {
      commit: parseHistogram(text, 'parley_store_commit_seconds'),
      batch: parseHistogram(text, 'parley_store_batch_size'),
      queueWait: parseHistogram(text, 'parley_store_queue_wait_seconds'),
      sendAck: parseHistogram(text, 'parley_send_ack_seconds'),
      loopDelay: parseHistogram(text, 'parley_event_loop_delay_seconds'),
    };
  } catch {
    return undefined;
  }
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

/** What happened between two snapshots of one node. */
export function storeDiagnostics(before: StoreSnapshot, after: StoreSnapshot): StoreDiagnostics {
  const batches = after.commit.count - before.commit.count;
  const appends = after.batch.sum - before.batch.sum;
  return {
    batches,
    meanBatch: batches > 0 ? appends / batches : 0,
    commitMeanMs: batches > 0 ? ((after.commit.sum - before.commit.sum) / batches) * 1000 : 0,
    commitP50Ms: quantile(before.commit, after.commit, 0.5) * 1000,
    commitP99Ms: quantile(before.commit, after.commit, 0.99) * 1000,
    queueWait: latency(before.queueWait, after.queueWait),
    sendAck: latency(before.sendAck, after.sendAck),
    loopDelay: latency(before.loopDelay, after.loopDelay),
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
