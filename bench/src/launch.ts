// Starts the processes of a run, each pinned to its core with taskset when available: the servers
// under test (printing "listening on …:<port>") and the load generator (commands over IPC).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { LoadCommand } from './load/loadgen.js';

export const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
/** Installs a SIGUSR2 → gc() hook in servers, so memory is read after a full collection. */
const GC_HOOK = here('./servers/gc-hook.js');

export function pinned(core: number | undefined, args: string[]): [string, string[]] {
  if (core === undefined || !hasTaskset) return [process.execPath, args];
  return ['taskset', ['-c', String(core), process.execPath, ...args]];
}

/** Parley's per-connection abuse limits out of the way: the benchmarks measure the server, and every simulated client comes from this machine's one address. */
export const PARLEY_UNLIMITED: Readonly<Record<string, string>> = {
  PARLEY_SEND_RATE: '100000',
  PARLEY_FRAME_RATE: '100000',
  PARLEY_CONNECTIONS_PER_IP: '0',
  PARLEY_CONNECTIONS_PER_USER: '0',
  PARLEY_MAX_PENDING: '100000',
  PARLEY_LOG_LEVEL: 'error',
};

export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  /** Asks for a full garbage collection (best effort). */
  gc(): void;
  /** Resident bytes of V8's young generation as the last gc() left it (undefined until one reported). */
  youngBytes(): number | undefined;
  stop(): Promise<void>;
  /** The last lines the process wrote to stderr, for error reports. */
  readonly stderr: () => string;
}

/**
 * `startMs`: how long the server may take to print its port (the embedded store compiles PGlite and
 * creates its database first, which on a loaded core takes far longer than a server on PostgreSQL).
 */
export async function launchServer(script: string, env: Record<string, string>, core: number | undefined, startMs = 30_000): Promise<ServerProcess> {
  // BENCH_PROFILE_DIR: write a V8 CPU profile of every server into that directory (for finding hot paths).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const [cmd, args] = pinned(core, ['--expose-gc', '--import', GC_HOOK, ...profile, script]);
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let young: number | undefined;
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    for (const m of text.matchAll(/^bench-young (\d+)$/gm)) young = Number(m[1]);
    err = (err + text).slice(-4000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`server did not start within ${startMs / 1000} s`)), startMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${e.message}\n${err}`));
    };
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on \S*?:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
  });
  child.stdout!.resume();
  return {
    pid: child.pid!,
    port,
    gc: () => void child.kill('SIGUSR2'),
    youngBytes: () => young,
    stop: () => stopChild(child),
    stderr: () => err,
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await once(child, 'exit');
  clearTimeout(timer);
}

export interface LoadGenerator {
  readonly pid: number;
  call<T>(command: LoadCommand): Promise<T>;
  stop(): Promise<void>;
}

export function launchLoadGenerator(core: number | undefined): LoadGenerator {
  const [cmd, args] = pinned(core, [here('./load/loadgen.js')]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
    const w = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.error !== undefined) w?.reject(new Error(`load generator: ${msg.error}`));
    else w?.resolve(msg.result);
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`load generator exited with ${code}`));
    waiting.clear();
  });
  return {
    pid: child.pid!,
    call<T>(command: LoadCommand): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, ...command });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}
