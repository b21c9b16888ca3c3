// The store-alone harness (`npm run bench:store`) at a small rate against the real PostgreSQL: it stores
// everything it offers, gaplessly, runs with the commit setting it claims, and refuses bad options.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { StoreAloneResult } from '../src/store-alone.js';

const SCRIPT = fileURLToPath(new URL('../dist/store-alone.js', import.meta.url));
const run = (args: string[]) => promisify(execFile)(process.execPath, [SCRIPT, ...args], { timeout: 60_000 });

async function storeAlone(args: string[]): Promise<StoreAloneResult> {
  const { stdout } = await run(['--json', ...args]);
  return JSON.parse(stdout) as StoreAloneResult;
}

describe('store-alone harness', () => {
  it('stores every append it offers into several rooms, with gapless seqs, and times each commit', async () => {
    const r = await storeAlone(['--rate=400', '--rooms=3', '--seconds=0.5']);
    // An open loop at 400/s for 0.5 s offers about 200 appends (the last millisecond tick may fall short).
    expect(r.offered).toBeGreaterThanOrEqual(190);
    expect(r.offered).toBeLessThanOrEqual(200);
    expect(r.failed).toBe(0);
    expect(r.stored).toBe(r.offered);
    expect(r.gapless).toBe(true);
    expect(r.wait.count).toBe(r.stored);
    expect(r.wait.p50).toBeGreaterThan(0);
    expect(r.wait.p99).toBeGreaterThanOrEqual(r.wait.p50);
    expect(r.batches).toBeGreaterThan(0);
    expect(r.meanBatch * r.batches).toBeCloseTo(r.stored, 6);
    // Real time runs at least to the last offer, made (offered - 1) / 400 s after the first, and then
    // waits for its commit: the rate in real time cannot exceed offered over that span.
    expect(r.storedPerSec).toBeGreaterThan(0);
    expect(r.storedPerSec).toBeLessThanOrEqual(r.offered / ((r.offered - 1) / 400));
    expect(r.settings.synchronousCommit).toBe('on');
    // CPU of this process and of the store's PostgreSQL backend (local here, so readable from /proc;
    // the backend's ticks are 10 ms, so a short run may read zero of them).
    expect(r.cpuPerAppend.client).toBeGreaterThan(0);
    expect(r.cpuPerAppend.postgres).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('runs the store with synchronous_commit off when asked, which Parley itself never does', async () => {
    const r = await storeAlone(['--rate=200', '--seconds=0.3', '--synchronous-commit=off', '--in-flight=1']);
    expect(r.settings.synchronousCommit).toBe('off');
    expect(r.options).toMatchObject({ inFlight: 1, synchronousCommit: 'off' });
    expect(r.stored).toBe(r.offered);
    expect(r.gapless).toBe(true);
  }, 60_000);

  it('refuses options it cannot run with exit code 2 and says which', async () => {
    const cases = [
      [['--rate=abc'], '--rate takes a number from 1 to 1000000, not "abc"'],
      [['--rooms=0'], '--rooms takes a number from 1 to 10000, not "0"'],
      [['--synchronous-commit=local'], '--synchronous-commit takes on or off, not "local"'],
      [['--rte=5'], 'unknown option --rte'],
    ] as const;
    const failures = await Promise.all(cases.map(([args]) => run([...args]).then(() => undefined, (e: { code?: number; stderr?: string }) => e)));
    cases.forEach(([args, message], i) => {
      expect(failures[i]?.code, args.join(' ')).toBe(2);
      expect(failures[i]?.stderr).toContain(message);
      expect(failures[i]?.stderr).toContain('usage: npm run bench:store');
    });
  }, 60_000);
});
