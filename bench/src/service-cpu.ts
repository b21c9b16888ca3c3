// CPU time of the services a server under test leans on, read from /proc around each phase: the
// PostgreSQL backends of the server's own connections (found by their application_name), PostgreSQL's
// shared writers (WAL writer, checkpointer, background writer) and the Redis server. Added to the
// server's own CPU it gives what a delivery costs the whole system, not only the server process.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createClient } from 'redis';
import { cpuSeconds } from './proc-stats.js';

/** CPU seconds per process id of one service at one moment. */
type Reading = Map<number, number>;

export interface ServiceSample {
  postgres?: Reading;
  redis?: Reading;
}

/** CPU seconds each service used between two samples; a service absent was not used or could not be read. */
export interface ServiceCpu {
  postgres?: number;
  redis?: number;
}

// Background processes whose work the server's writes cause (and, on a shared machine, everyone else's).
const SHARED_POSTGRES = ['walwriter', 'checkpointer', 'background writer'];

export interface ServiceWatchOptions {
  /** PostgreSQL the server uses, and the application_name its connections carry (PGAPPNAME). */
  postgres?: { url: string; appName: string };
  /** Redis the server uses. */
  redisUrl?: string;
}

export class ServiceWatch {
  private pgClient: pg.Client | undefined;
  private redisPid: number | undefined;

  private constructor(private readonly options: ServiceWatchOptions) {}

  /** Connects to the services to find their processes; a service that is not local is left out. */
  static async open(options: ServiceWatchOptions): Promise<ServiceWatch> {
    const watch = new ServiceWatch(options);
    if (options.postgres) {
      const client = new pg.Client({ connectionString: options.postgres.url, connectionTimeoutMillis: 3000 });
      client.on('error', () => undefined);
      await client.connect();
      watch.pgClient = client;
    }
    if (options.redisUrl) watch.redisPid = await redisProcess(options.redisUrl);
    return watch;
  }

  async sample(): Promise<ServiceSample> {
    const out: ServiceSample = {};
    if (this.pgClient && this.options.postgres) {
      // The probe's own backend has another application_name, so it is not counted.
      const { rows } = await this.pgClient.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1 OR backend_type = ANY($2)',
        [this.options.postgres.appName, SHARED_POSTGRES],
      );
      out.postgres = read(rows.map((r) => r.pid), 'postgres');
    }
    if (this.redisPid !== undefined) out.redis = read([this.redisPid], 'redis-server');
    return out;
  }

  async close(): Promise<void> {
    await this.pgClient?.end().catch(() => undefined);
    this.pgClient = undefined;
  }
}

/** The CPU each service used between `before` and `after`. */
export function serviceCpuBetween(before: ServiceSample, after: ServiceSample): ServiceCpu {
  const out: ServiceCpu = {};
  for (const service of ['postgres', 'redis'] as const) {
    const a = before[service];
    const b = after[service];
    if (!a || !b) continue;
    let sum = 0;
    // A process that appeared during the phase (a pool growing) used all of its CPU within it; one that
    // exited during the phase took its last CPU with it, which is not counted.
    for (const [pid, seconds] of b) sum += seconds - (a.get(pid) ?? 0);
    out[service] = Math.max(0, sum);
  }
  return out;
}

/**
 * CPU seconds of the given processes, or undefined when none of them can be read as a process of
 * that name on this machine (the service runs elsewhere, in another pid namespace, or /proc is closed).
 */
function read(pids: number[], command: string): Reading | undefined {
  const reading: Reading = new Map();
  for (const pid of pids) {
    try {
      if (commandOf(pid) !== command) continue;
      reading.set(pid, cpuSeconds(pid));
    } catch {
      // exited between the query and the read
    }
  }
  return reading.size > 0 ? reading : undefined;
}

function commandOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
}

async function redisProcess(url: string): Promise<number | undefined> {
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const pid = /process_id:(\d+)/.exec(await client.info('server'))?.[1];
    return pid === undefined ? undefined : Number(pid);
  } catch {
    return undefined;
  } finally {
    await client.quit().catch(() => undefined);
  }
}
