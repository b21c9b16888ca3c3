// Private Redis and PostgreSQL servers for fault tests: each on a free port with its own temp data, so
// that killing and restarting them disturbs no other suite. PostgreSQL refuses to run as root: as
// root, its commands run as the `postgres` user over a directory that user owns.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './process.js';

const run = promisify(execFile);

/** Resolves once something accepts TCP connections on `port`; rejects after `ms`. */
export async function waitForPort(port: number, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on port ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server of our own, without persistence: a restart loses every key and subscription. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitForPort(this.port);
  }

  /** kill -9: connections reset, nothing saved. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }
}

/** Where initdb, pg_ctl and postgres live: PG_BIN, else the newest Debian-layout install, else PATH. */
function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  return '';
}

/** A PostgreSQL cluster of our own in a temp directory. */
export class PrivatePostgres {
  port = 0;
  private readonly bin = postgresBin();
  private dir = '';
  private readonly asRoot = process.getuid?.() === 0;

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Whether initdb can be found (a failure under CI is the caller's to raise). */
  get installed(): boolean {
    return this.bin !== '' ? existsSync(join(this.bin, 'initdb')) : false;
  }

  async init(): Promise<void> {
    this.port = await freePort();
    this.dir = mkdtempSync(join(tmpdir(), 'parley-pg-'));
    if (this.asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(this.dir, Number(stdout.trim()), Number(gid.trim()));
    }
    // --no-sync only skips flushing initdb's own files, before anything is stored: nothing durable rides on it.
    await this.pg('initdb', ['-D', join(this.dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  }

  /**
   * Starts the server with fsync on, as PostgreSQL runs in production, because the suites using it
   * test durability: a commit costs its WAL flush (which shapes group-commit batches and latency),
   * and crash recovery replays a flushed WAL. (A killed process cannot tell fsync off from on, only
   * a power loss can, which a test cannot stage; fsync off would still make the figures flattering.)
   */
  async start(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=200`;
    await this.pg('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', opts, '-w', '-t', '30', 'start']);
  }

  /** Stops without a clean shutdown (crash recovery at the next start), as a killed server would. */
  async crash(): Promise<void> {
    await this.pg('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    if (!this.dir) return;
    await this.pg('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async pg(tool: string, args: string[]): Promise<void> {
    const exe = this.bin ? join(this.bin, tool) : tool;
    const [cmd, argv] = this.asRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
    await run(cmd, argv, { cwd: this.dir });
  }
}
