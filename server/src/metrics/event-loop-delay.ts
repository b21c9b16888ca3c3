// The event loop's delay as a Prometheus histogram: how late a 10 ms timer runs. Measured here rather
// than read from perf_hooks.monitorEventLoopDelay, which keeps the same samples in an HdrHistogram but
// gives them back only as percentiles: turned into bucket counts they were off by a sample or two at
// low counts. Here each sample goes into its bucket as taken, so the counts are exact.
import { BucketHistogram } from './bucket-histogram.js';

const BOUNDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];
const INTERVAL_MS = 10;

/** Starts sampling; the timer is unref'd, so it never keeps the process alive. */
export function eventLoopDelayHistogram(): BucketHistogram {
  const h = new BucketHistogram(
    'parley_event_loop_delay_seconds',
    'How late the event loop ran a 10 ms timer: the time a frame, an ack or a commit answer may wait for the loop.',
    BOUNDS,
  );
  let due = performance.now() + INTERVAL_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    h.observe(Math.max(0, now - due) / 1000);
    due = now + INTERVAL_MS;
  }, INTERVAL_MS);
  timer.unref();
  return h;
}
