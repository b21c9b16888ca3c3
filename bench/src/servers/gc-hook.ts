// Preloaded into every server under test (with --expose-gc): SIGUSR2 runs a full garbage collection,
// so the harness reads resident memory without garbage the process has not collected yet. After it,
// the young generation's resident size goes to stderr (`bench-young <bytes>`): V8 grows that space
// with the allocation rate, up to 32 MiB, whatever the number of connections, and the idle scenario
// leaves it out of memory per connection.
import { getHeapSpaceStatistics } from 'node:v8';

const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (young) process.stderr.write(`bench-young ${young.physical_space_size}\n`);
});
