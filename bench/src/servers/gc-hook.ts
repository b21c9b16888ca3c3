// Preloaded into every server under test (with --expose-gc): SIGUSR2 runs a full garbage collection,
// so the harness reads resident memory without garbage the process has not collected yet.
const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => gc?.());
