// What one message costs the server on its socket path, counted rather than timed (timings are noise
// on a shared machine): the system calls per delivery (strace -c, attached only while the messages
// flow) and the CPU instructions per message (callgrind, collecting only while the messages flow).
// One server on PostgreSQL, `rooms` public rooms of `members`, `senders` of them sending with at
// most `window` sends unacknowledged each; the run ends when every member holds every message.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeServerFrame, encodeFrame, Op } from '@parley/sdk/protocol';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { PARLEY_UNLIMITED } from './launch.js';
import { dropSchema, scratchSchemaName } from './scratch-schema.js';

const USAGE = `usage: node bench/dist/wire-cost.js [--rooms=20] [--members=10] [--senders=2] [--messages=100] [--window=4] [--count=strace|callgrind|cpu]
  strace:    system calls of the server while the messages flow, per message and per delivery
  cpu:       CPU time of the server (user and system, from /proc) while they flow, per message; with
             BENCH_PROFILE_DIR set, a V8 CPU profile of the server is written there
  callgrind: instructions of the server (valgrind, node --predictable --single-threaded) while they flow, per message`;

interface Options {
  rooms: number;
  members: number;
  senders: number;
  messages: number;
  window: number;
  count: 'strace' | 'callgrind' | 'cpu';
}

const SECRET = 'wire-cost-secret-that-is-at-least-32-bytes-long';
const require = createRequire(import.meta.url);
const MAIN = join(dirname(require.resolve('@parley/server')), 'main.js');

function parse(argv: string[]): Options {
  const o: Options = { rooms: 20, members: 10, senders: 2, messages: 100, window: 4, count: 'strace' };
  for (const arg of argv) {
    const m = /^--(rooms|members|senders|messages|window|count)=(.+)$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}\n${USAGE}`);
    const [, key, value] = m as unknown as [string, keyof Options, string];
    if (key === 'count') {
      if (value !== 'strace' && value !== 'callgrind' && value !== 'cpu') throw new Error(`--count is strace, callgrind or cpu\n${USAGE}`);
      o.count = value;
    } else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${key} takes a positive integer\n${USAGE}`);
      o[key] = n;
    }
  }
  if (o.senders > o.members) throw new Error('--senders cannot exceed --members');
  return o;
}

interface Server {
  child: ChildProcess;
  port: number;
  /** The process that runs the JavaScript (under valgrind: the same pid). */
  pid: number;
}

async function startServer(o: Options, schema: string, callgrindOut: string | undefined): Promise<Server> {
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const node = [process.execPath, ...(callgrindOut ? ['--predictable', '--single-threaded'] : profile), MAIN];
  const argv = callgrindOut
    ? ['valgrind', '--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${callgrindOut}`, ...node]
    : node;
  const env = {
    ...process.env,
    PARLEY_PORT: '0',
    PARLEY_HOST: '127.0.0.1',
    PARLEY_JWT_SECRET: SECRET,
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    PARLEY_DB_SCHEMA: schema,
    PARLEY_ROOMS: Array.from({ length: o.rooms }, (_, i) => `r${i}`).join(','),
    ...PARLEY_UNLIMITED,
  };
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on \S*?:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}\n${err}`)));
  });
  child.stdout!.resume();
  return { child, port, pid: child.pid! };
}

/** An error frame that answered no request: the run stops with it (and still stops the server). */
let failure: Error | undefined;

interface Client {
  ws: WebSocket;
  /** Events received. */
  events: number;
  pending: Map<number, (error?: Error) => void>;
  next: number;
}

async function connect(port: number, user: number, room: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  ws.binaryType = 'nodebuffer';
  const c: Client = { ws, events: 0, pending: new Map(), next: 1 };
  ws.on('message', (data: Buffer) => {
    const f = decodeServerFrame(new Uint8Array(data)) as { t: number; r?: number; code?: string; message?: string };
    if (f.t === Op.Event) c.events++;
    else if (f.t === Op.Error) {
      const error = new Error(`server refused: ${f.code}: ${f.message}`);
      if (f.r !== undefined && c.pending.has(f.r)) c.pending.get(f.r)!(error);
      else failure ??= error;
    } else if (f.r !== undefined) c.pending.get(f.r)?.();
  });
  await once(ws, 'open');
  const token = jwt.sign({ sub: `u${user}`, name: `User ${user}`, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, { algorithm: 'HS256' });
  await request(c, { t: Op.Hello, v: 1, token });
  await request(c, { t: Op.Join, room });
  return c;
}

function request(c: Client, frame: Record<string, unknown>): Promise<void> {
  const r = c.next++;
  return new Promise((resolve, reject) => {
    c.pending.set(r, (error) => {
      c.pending.delete(r);
      if (error) reject(error);
      else resolve();
    });
    c.ws.send(encodeFrame({ ...frame, r }));
  });
}

async function until(test: () => boolean, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (failure) throw failure;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Each sender sends `messages` with at most `window` unacknowledged; resolves when every member holds every message. */
async function traffic(o: Options, rooms: Client[][], timeoutMs: number): Promise<void> {
  const before = rooms.flat().reduce((n, c) => n + c.events, 0);
  const sender = async (c: Client, room: string, who: number) => {
    let sent = 0;
    const lane = async () => {
      while (sent < o.messages) {
        const n = sent++;
        await request(c, { t: Op.Send, room, cid: `w${who}-${n}-${c.next}`, body: `message ${n} from ${who}, about as long as a chat line` });
      }
    };
    await Promise.all(Array.from({ length: o.window }, lane));
  };
  await Promise.all(rooms.flatMap((members, i) => members.slice(0, o.senders).map((c, k) => sender(c, `r${i}`, i * o.members + k))));
  const expected = o.rooms * o.senders * o.messages * o.members;
  await until(() => rooms.flat().reduce((n, c) => n + c.events, 0) - before >= expected, 'deliveries', timeoutMs);
}

function straceSummary(file: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line);
    if (m && m[2] !== 'total') calls.set(m[2]!, Number(m[1]));
  }
  return calls;
}

/** User and system CPU seconds of process `pid` so far (Linux /proc). */
function cpuSeconds(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const schema = scratchSchemaName('wirecost');
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const dir = mkdtempSync(join(tmpdir(), 'wire-cost-'));
  const callgrind = o.count === 'callgrind';
  if (callgrind && spawnSync('valgrind', ['--version']).status !== 0) throw new Error('valgrind is not installed');
  const server = await startServer(o, schema, callgrind ? join(dir, 'callgrind.out') : undefined);
  const slow = callgrind ? 60 : 1;
  try {
    const rooms: Client[][] = [];
    for (let i = 0; i < o.rooms; i++) {
      const members: Client[] = [];
      for (let k = 0; k < o.members; k++) members.push(await connect(server.port, i * o.members + k, `r${i}`));
      rooms.push(members);
    }
    // Warm up (JIT, statement cache), then settle: joins and warm-up deliveries stay out of the count.
    // Under callgrind the warm-up is as long as the runs: with 20 messages V8 was still optimising
    // during the counted windows (200 messages gave 0.48M instructions each, 400 gave 1.06M).
    await traffic({ ...o, messages: callgrind ? o.messages * 2 : Math.min(o.messages, 20) }, rooms, 600_000 * slow);
    await new Promise((r) => setTimeout(r, 500));
    const messages = o.rooms * o.senders * o.messages;
    const deliveries = messages * o.members;
    if (callgrind) {
      // Two windows, of `messages` and of twice as many: their difference is the cost of `messages` more,
      // free of what the window itself costs (timers, the flush at its end).
      const counts: number[] = [];
      for (const factor of [1, 2]) {
        spawnSync('callgrind_control', ['--zero', String(server.pid)]);
        spawnSync('callgrind_control', ['--instr=on', String(server.pid)]);
        await traffic({ ...o, messages: o.messages * factor }, rooms, 600_000 * slow);
        spawnSync('callgrind_control', ['--instr=off', String(server.pid)]);
        spawnSync('callgrind_control', ['--dump', String(server.pid)]);
        const dumps = readdirSync(dir).filter((f) => f.startsWith('callgrind.out')).sort();
        const last = readFileSync(join(dir, dumps.at(-1)!), 'utf8');
        // `totals`: the events of this dump (its `summary` line stays 0 for a dump taken on request).
        const m = /^totals:\s+(\d+)/m.exec(last);
        counts.push(Number(m?.[1] ?? NaN));
      }
      const perMessage = (counts[1]! - counts[0]!) / messages;
      console.log(`${messages} messages: ${counts[0]} instructions; ${messages * 2}: ${counts[1]}`);
      console.log(`instructions per message: ${Math.round(perMessage)} (per delivery ${Math.round(perMessage / o.members)})`);
    } else if (o.count === 'cpu') {
      const before = cpuSeconds(server.pid);
      await traffic(o, rooms, 120_000);
      const used = cpuSeconds(server.pid);
      const user = used.user - before.user;
      const system = used.system - before.system;
      console.log(`${messages} messages, ${deliveries} deliveries: server CPU ${((user + system) * 1e6 / messages).toFixed(1)} µs/message (user ${(user * 1e6 / messages).toFixed(1)}, system ${(system * 1e6 / messages).toFixed(1)})`);
    } else {
      const out = join(dir, 'strace.txt');
      const strace = spawn('strace', ['-c', '-f', '-p', String(server.pid), '-o', out], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 500)); // attached
      await traffic(o, rooms, 120_000);
      strace.kill('SIGINT');
      await once(strace, 'exit');
      const calls = straceSummary(out);
      const show = (name: string) => `${name} ${calls.get(name) ?? 0} (${((calls.get(name) ?? 0) / deliveries).toFixed(3)}/delivery)`;
      console.log(`${messages} messages, ${deliveries} deliveries over ${o.rooms} rooms of ${o.members}, ${o.senders} senders each, window ${o.window}`);
      console.log(['sendto', 'writev', 'write', 'recvfrom', 'read', 'epoll_wait'].map(show).join('; '));
      const all = [...calls.values()].reduce((a, b) => a + b, 0);
      const top = [...calls].sort((a, b) => b[1] - a[1]).slice(0, 8);
      console.log(`most made: ${top.map(([k, v]) => `${k} ${v}`).join(', ')}`);
      console.log(`all system calls: ${all} (${(all / messages).toFixed(2)}/message, ${(all / deliveries).toFixed(3)}/delivery)`);
    }
    for (const c of rooms.flat()) c.ws.terminate();
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    await dropSchema(url, schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
