// Server instructions per connection, counted by callgrind so that the machine's other work cannot
// move the figure: the server runs under valgrind twice, once for K and once for 2K connections,
// each of them `hello` (and, with rooms, `join` + `subscribe`), and the difference over K is the
// cost of one connection. Usage: node dist/connect-cost.js [--connections=200] [--rooms=20]
// [--returning] [--keep=<dir>] [--profile=<dir>] [--server=<main.js>] [--concurrency=2] (rooms 0: hello only, as the connection storm does).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { Unpackr } from 'msgpackr';
import { encodeFrame, Op } from '@parley/sdk/protocol';
import { PARLEY_UNLIMITED } from './launch.js';
import { exchange } from './load/dialect.js';
import { RawWs, WsOp } from './load/raw-ws.js';
import { dropSchema, scratchSchemaName } from './scratch-schema.js';

const SECRET = 'connect-cost-secret-connect-cost-secret';
const MAIN = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url));
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

interface Options {
  connections: number;
  rooms: number;
  /** Connect every user once before the counted run, so that hello finds them stored (a reconnect). */
  returning: boolean;
  databaseUrl: string;
  keep: string | undefined;
  /** Instead of counting: one run of 2K connections without valgrind, writing a V8 CPU profile into this directory. */
  profile: string | undefined;
  /** The server's entry point; default this checkout's server/dist/main.js (another build's, to compare). */
  server: string;
  /** Connections set up at once. Low by default: under valgrind the server is ~50 times slower, and a busy pool's wait for a connection (5 s) must not run out. */
  concurrency: number;
}

function parse(argv: string[]): Options {
  const arg = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  return {
    connections: Number(arg('connections') ?? 200),
    rooms: Number(arg('rooms') ?? 20),
    returning: argv.includes('--returning'),
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    keep: arg('keep'),
    profile: arg('profile'),
    server: arg('server') ?? MAIN,
    concurrency: Number(arg('concurrency') ?? 2),
  };
}

interface Reply {
  t: number;
  r?: number;
  code?: string;
  message?: string;
  data?: { room?: { head?: number } };
}

async function request(ws: RawWs, frame: { r: number } & Record<string, unknown>): Promise<Reply> {
  return exchange(
    ws,
    () => ws.send(WsOp.Binary, Buffer.from(encodeFrame(frame))),
    (opcode, payload) => {
      if (opcode !== WsOp.Binary) return undefined;
      const f = unpackr.unpack(payload) as Reply;
      if (f.t === Op.Error && (f.r === frame.r || f.r === undefined)) throw new Error(`refused: ${f.code}: ${f.message}`);
      return f.r === frame.r && (f.t === Op.Welcome || f.t === Op.Result) ? f : undefined;
    },
    600_000,
  );
}

/** One connection as a client opens it: hello, then join + subscribe of its room when there is one. */
async function open(port: number, token: string, room: string | undefined): Promise<RawWs> {
  const ws = new RawWs({ port, path: '/ws' });
  await ws.open;
  await request(ws, { t: Op.Hello, r: 1, v: 1, token });
  if (room !== undefined) {
    const joined = await request(ws, { t: Op.Join, r: 2, room });
    await request(ws, { t: Op.Subscribe, r: 3, room, after: joined.data?.room?.head ?? 0 });
  }
  return ws;
}

async function openAll(port: number, tokens: string[], rooms: number, concurrency: number): Promise<RawWs[]> {
  const out: RawWs[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const i = next++;
      out.push(await open(port, tokens[i]!, rooms > 0 ? `r${i % rooms}` : undefined));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** Starts the server under callgrind, opens `n` connections, stops it; returns the instructions it executed. */
async function counted(n: number, o: Options, dir: string): Promise<number> {
  // Returning users: both runs first sign in all 2K users once, so that only the counted connections differ.
  const users = o.returning ? 2 * o.connections : n;
  const schema = scratchSchemaName('connect_cost');
  const out = join(dir, `callgrind.out.${n}${o.rooms ? `.rooms${o.rooms}` : ''}${o.returning ? '.returning' : ''}`);
  const env = {
    ...process.env,
    ...PARLEY_UNLIMITED,
    PARLEY_PORT: '0',
    PARLEY_HOST: '127.0.0.1',
    PARLEY_JWT_SECRET: SECRET,
    DATABASE_URL: o.databaseUrl,
    PARLEY_DB_SCHEMA: schema,
    PARLEY_ROOMS: o.rooms > 0 ? Array.from({ length: o.rooms }, (_, i) => `r${i}`).join(',') : 'lobby',
  };
  const node = [process.execPath, '--predictable', '--single-threaded', o.server];
  const [cmd, ...args] = o.profile
    ? [process.execPath, '--cpu-prof', `--cpu-prof-dir=${o.profile}`, o.server]
    : ['valgrind', '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, ...node];
  const child = spawn(cmd!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /listening on \S*?:(\d+)/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}\n${err}`)));
    });
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const tokens = Array.from({ length: users }, (_, i) => jwt.sign({ sub: `u${i}`, name: `User ${i}`, exp }, SECRET, { algorithm: 'HS256' }));
    if (o.returning) for (const ws of await openAll(port, tokens, o.rooms, o.concurrency)) ws.close();
    const open = await openAll(port, tokens.slice(0, n), o.rooms, o.concurrency);
    child.kill('SIGTERM');
    await once(child, 'exit');
    for (const ws of open) ws.close();
    if (o.profile) return 0;
    const text = readFileSync(out, 'utf8');
    const m = /^(?:summary|totals): (\d+)/m.exec(text);
    if (!m) throw new Error(`no totals in ${out}`);
    return Number(m[1]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await dropSchema(o.databaseUrl, schema);
  }
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const dir = o.keep ?? mkdtempSync(join(tmpdir(), 'connect-cost-'));
  const what = `${o.rooms > 0 ? `hello + join + subscribe (${o.rooms} rooms)` : 'hello only'}${o.returning ? ', returning users' : ', new users'}`;
  const k = o.connections;
  if (o.profile) {
    await counted(2 * k, o, dir);
    process.stdout.write(`${what}: CPU profile of ${2 * k} connections written to ${o.profile}\n`);
    return;
  }
  const one = await counted(k, o, dir);
  const two = await counted(2 * k, o, dir);
  const per = (two - one) / k;
  process.stdout.write(`${what}: ${k} connections ${(one / 1e9).toFixed(3)}G, ${2 * k} connections ${(two / 1e9).toFixed(3)}G instructions; ${(per / 1e6).toFixed(2)}M per connection\n`);
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
}

await main();
