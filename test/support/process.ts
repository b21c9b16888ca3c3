// Runs the real server binary (server/dist/main.js) as a child process, as `npm start` does.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

const MAIN = new URL('../../server/dist/main.js', import.meta.url).pathname;

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** A port that was free a moment ago (for a restart on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The child's environment: this process's, without its PARLEY_* variables (the server refuses names it
 * does not know, such as the test runner's PARLEY_FAULT, and a developer's shell must not leak in), then `env`.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PARLEY_')));
  return { ...inherited, PARLEY_LOG_LEVEL: 'warn', ...env };
}

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the server with `env` (and `args`) until it exits by itself; rejects if it is still running after `ms`. */
export function runToExit(env: Record<string, string>, args: string[] = [], ms = 30_000): Promise<Exited> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server was still running after ${ms} ms:\n${stdout}${stderr}`));
    }, ms);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What to run: by default this repository's build; an installed `parley-server` bin for the package tests. */
export interface Launch {
  command: string;
  args?: string[];
  cwd?: string;
}

export function startProcess(env: Record<string, string>, launch: Launch = { command: process.execPath, args: [MAIN] }): Promise<ServerProcess> {
  const child = spawn(launch.command, launch.args ?? [], {
    cwd: launch.cwd,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // nobody holds a handle to stop it otherwise
      reject(new Error(`server did not start within 30 s:\n${out}`));
    }, 30_000);
    const onData = () => {
      const m = /Parley listening on https?:\/\/[^:]+:(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        child,
        port: Number(m[1]),
        output: () => out,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
}
