// The event loop's delay as a Prometheus histogram, from perf_hooks.monitorEventLoopDelay: a timer
// every 10 ms whose lateness Node records in an HdrHistogram. Each scrape moves what was recorded
// since the last one into cumulative buckets and resets the monitor. The monitor gives percentiles,
// not per-bucket counts: a bucket's count is the sample count times the highest percentile at or
// below its bound, exact to the monitor's percentile steps (fine near the tail, where they are dense).
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { BucketHistogram } from './bucket-histogram.js';

const BOUNDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];

export function eventLoopDelayHistogram(): BucketHistogram {
  const monitor = monitorEventLoopDelay({ resolution: 10 });
  monitor.enable();
  return new BucketHistogram(
    'parley_event_loop_delay_seconds',
    'How late the event loop ran a 10 ms timer (perf_hooks.monitorEventLoopDelay): time a frame, ack or commit answer may wait for the loop. Buckets follow the monitor\'s percentiles.',
    BOUNDS,
    (h) => drain(monitor, h),
  );
}

function drain(monitor: IntervalHistogram, h: BucketHistogram): void {
  const total = monitor.count;
  if (total === 0) return;
  const seconds = [...monitor.percentiles].map(([p, ns]) => [p, ns / 1e9] as const);
  const perBucket: number[] = [];
  let below = 0;
  for (const bound of h.upperBounds) {
    let p = 0;
    for (const [percentile, value] of seconds) if (value <= bound) p = percentile;
    const upTo = Math.round((total * p) / 100);
    perBucket.push(Math.max(0, upTo - below));
    below = Math.max(below, upTo);
  }
  perBucket.push(total - below);
  h.addCounts(perBucket, (monitor.mean / 1e9) * total);
  monitor.reset();
}
