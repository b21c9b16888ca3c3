#!/usr/bin/env node
// What one connection flooding room_create does to everyone else: other users' send→ack latency and
// ping round trip, and the server's resident memory, before, during and after the flood, per store.
//
//   node bench/dist/store-flood.js [--store=pglite,postgres] [--rooms=40] [--members=100]
//     [--victims=20] [--rate=5] [--idle-ms=4000] [--flood-ms=12000] [--server=<main.js>] [--env=K=V …]
//     [--data-dir=<dir>]   (PGlite: use and keep this data directory, e.g. to measure a restarted node)
//
// The server runs on core 0 (taskset, when available); run this script on core 1 (`taskset -c 1`).
import { decodeServerFrame, encodeFrame, ErrorCode, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import jwt from 'jsonwebtoken';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { launchServer, type ServerProcess } from './launch.js';

const SECRET = 'store-flood-secret-that-is-at-least-32-bytes';
const require = createRequire(import.meta.url);

interface Options {
  stores: ('pglite' | 'postgres')[];
  rooms: number;
  members: number;
  victims: number;
  /** Messages per second each victim sends. */
  rate: number;
  idleMs: number;
  floodMs: number;
  server: string;
  env: Record<string, string>;
  /** PGlite data directory to use and keep; default a fresh temporary one, removed afterwards. */
  dataDir: string | undefined;
  databaseUrl: string;
}

type Reply = { t: number; r?: number; code?: string; retryAfter?: number; data?: unknown };

/** One signed-in raw connection that matches replies to requests by `r`. */
class Conn {
  private nextR = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  /** The close code, once the server closed the connection. */
  closedWith: number | undefined;

  private constructor(private readonly ws: WebSocket) {
    // A closed connection answers whatever is still waiting, so that no loop waits forever.
    ws.on('close', (code) => {
      this.closedWith = code;
      for (const done of this.waiting.values()) done({ t: Op.Error, code: `closed ${code}` });
      this.waiting.clear();
    });
    ws.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(new Uint8Array(data)) as Reply;
      if ((frame.t === Op.Result || frame.t === Op.Error || frame.t === Op.Welcome) && frame.r !== undefined) {
        const done = this.waiting.get(frame.r);
        this.waiting.delete(frame.r);
        done?.(frame);
      }
    });
  }

  static async open(url: string, user: string): Promise<Conn> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const conn = new Conn(ws);
    const token = jwt.sign({ sub: user, name: user }, SECRET, { algorithm: 'HS256', expiresIn: 3600 });
    const welcome = await conn.request({ t: Op.Hello, v: PROTOCOL_VERSION, token });
    if (welcome.t !== Op.Welcome) throw new Error(`hello refused: ${welcome.code}`);
    return conn;
  }

  request(frame: Record<string, unknown>): Promise<Reply> {
    const r = this.nextR++;
    if (this.closedWith !== undefined) return Promise.resolve({ t: Op.Error, code: `closed ${this.closedWith}` });
    return new Promise((resolve) => {
      this.waiting.set(r, resolve);
      this.ws.send(encodeFrame({ ...frame, r }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Samples of one quantity in one phase. */
class Samples {
  readonly values: number[] = [];
  add(v: number): void {
    this.values.push(v);
  }
  summary(): string {
    if (this.values.length === 0) return 'no samples';
    const s = [...this.values].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
    return `p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${s[s.length - 1]!.toFixed(1)} ms (n=${s.length})`;
  }
}

type PhaseName = 'idle' | 'flood' | 'after';

function rssMiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runStore(store: 'pglite' | 'postgres', o: Options): Promise<void> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-flood-'));
  const schema = `flood_${Date.now().toString(36)}`;
  const env: Record<string, string> = {
    PARLEY_PORT: '0',
    PARLEY_HOST: '127.0.0.1',
    PARLEY_JWT_SECRET: SECRET,
    PARLEY_LOG_LEVEL: 'error',
    PARLEY_DATA_DIR: dataDir,
    // The victims send at their own pace; only the flooder meets the limits under test.
    ...(store === 'postgres' ? { DATABASE_URL: o.databaseUrl, PARLEY_DB_SCHEMA: schema } : {}),
    ...o.env,
  };
  const started = performance.now();
  const server: ServerProcess = await launchServer(o.server, env, 0);
  const startMs = performance.now() - started;
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const phases: Record<PhaseName, { ack: Samples; ping: Samples }> = {
    idle: { ack: new Samples(), ping: new Samples() },
    flood: { ack: new Samples(), ping: new Samples() },
    after: { ack: new Samples(), ping: new Samples() },
  };
  let phase: PhaseName = 'idle';
  let running = true;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(server.pid).rss)), 100);
  try {
    const victims = await Promise.all(Array.from({ length: o.victims }, (_, i) => Conn.open(url, `victim-${i}`)));
    for (const v of victims) await v.request({ t: Op.Join, room: 'lobby' });
    const loops = victims.map(async (v, i) => {
      let n = 0;
      await sleep((1000 / o.rate) * (i / o.victims)); // spread the victims over one interval
      while (running) {
        const p = phase;
        const t0 = performance.now();
        const reply = await v.request({ t: Op.Send, room: 'lobby', cid: `v${i}-${n++}`, body: `hello ${n}` });
        if (reply.t === Op.Result) phases[p].ack.add(performance.now() - t0);
        await sleep(1000 / o.rate);
      }
    });
    const pinger = await Conn.open(url, 'pinger');
    const pings = (async () => {
      while (running) {
        const p = phase;
        const t0 = performance.now();
        await pinger.request({ t: Op.Ping });
        phases[p].ping.add(performance.now() - t0);
        await sleep(50);
      }
    })();

    await sleep(o.idleMs);
    server.gc();
    await sleep(200);
    const idle = rssMiB(server.pid);

    // The flood: every room_create at once; then, one at a time, each refused one again after the
    // retryAfter it was given (the most a client that follows the rules gets through).
    phase = 'flood';
    const flooder = await Conn.open(url, 'flooder');
    const floodEnds = performance.now() + o.floodMs;
    const outcome = { created: 0, rateLimited: 0, other: new Map<string, number>(), lastReplyMs: 0 };
    const floodStart = performance.now();
    const run = Date.now().toString(36); // new rooms and users on every run, also on a kept data directory
    const create = async (k: number): Promise<Reply> => {
      const members = Array.from({ length: o.members }, (_, i) => `m-${run}-${k}-${i}`);
      const reply = await flooder.request({ t: Op.RoomCreate, kind: 'private', id: `flood-${run}-${k}`, name: `flood ${k}`, members });
      outcome.lastReplyMs = performance.now() - floodStart;
      if (reply.t === Op.Result) outcome.created++;
      else if (reply.code === ErrorCode.RateLimited) outcome.rateLimited++;
      else outcome.other.set(reply.code ?? '?', (outcome.other.get(reply.code ?? '?') ?? 0) + 1);
      return reply;
    };
    const first = await Promise.all(Array.from({ length: o.rooms }, (_, k) => create(k)));
    const refused = first.flatMap((r, k) => (r.code === ErrorCode.RateLimited ? [{ k, wait: r.retryAfter ?? 1000 }] : []));
    while (refused.length > 0 && flooder.closedWith === undefined) {
      const next = refused[0]!;
      if (performance.now() + next.wait > floodEnds) break;
      await sleep(next.wait);
      const reply = await create(next.k);
      if (reply.code === ErrorCode.RateLimited) next.wait = reply.retryAfter ?? 1000;
      else refused.shift();
    }
    const remaining = floodEnds - performance.now();
    if (remaining > 0) await sleep(remaining);
    const floodPeak = peakRss;

    phase = 'after';
    await sleep(o.idleMs);
    server.gc();
    await sleep(200);
    const after = rssMiB(server.pid);
    running = false;
    await Promise.all([...loops, pings]);
    for (const c of [...victims, pinger, flooder]) c.close();

    const other = [...outcome.other].map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
    const lines = [
      `store ${store}: started in ${(startMs / 1000).toFixed(1)} s; ${o.victims} victims × ${o.rate} msg/s; flood of ${o.rooms} room_create × ${o.members} members`,
      `  flooder: ${outcome.created} rooms created (${outcome.created * (o.members + 2)} log events), ${outcome.rateLimited} rate_limited, other errors: ${other}; last reply at ${(outcome.lastReplyMs / 1000).toFixed(1)} s${flooder.closedWith === undefined ? '' : `; closed with ${flooder.closedWith}`}`,
      ...(['idle', 'flood', 'after'] as const).flatMap((p) => [
        `  ${p.padEnd(5)} send→ack: ${phases[p].ack.summary()}`,
        `  ${p.padEnd(5)} ping    : ${phases[p].ping.summary()}`,
      ]),
      `  RSS: idle ${idle.rss.toFixed(0)} MiB, peak during flood ${floodPeak.toFixed(0)} MiB, after ${after.rss.toFixed(0)} MiB (high-water mark ${after.hwm.toFixed(0)} MiB)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    running = false;
    clearInterval(sampler);
    await server.stop();
    if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (store === 'postgres') await dropSchema(o.databaseUrl, schema);
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (name: string, def: number) => {
    const v = value(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${v}"`);
    return n;
  };
  const stores = (value('store') ?? 'pglite,postgres').split(',');
  for (const s of stores) if (s !== 'pglite' && s !== 'postgres') throw new Error(`--store: pglite or postgres, got "${s}"`);
  const env: Record<string, string> = {};
  for (const a of argv.filter((x) => x.startsWith('--env='))) {
    const [k, ...v] = a.slice('--env='.length).split('=');
    env[k!] = v.join('=');
  }
  return {
    stores: stores as Options['stores'],
    rooms: num('rooms', 40),
    members: num('members', 100),
    victims: num('victims', 20),
    rate: num('rate', 5),
    idleMs: num('idle-ms', 4000),
    floodMs: num('flood-ms', 12_000),
    server: value('server') ?? join(dirname(require.resolve('@parley/server')), 'main.js'),
    env,
    dataDir: value('data-dir'),
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
}

const options = parseArgs(process.argv.slice(2));
for (const store of options.stores) await runStore(store, options);
