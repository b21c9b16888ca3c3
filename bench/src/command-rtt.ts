// Command round trip at light load (issue 14): a member sends `/echo <n>`, a bot (the SDK bot
// framework) answers, and the member sees the answer; time from send to seeing it, per command. The
// same bot answering plain messages (`onMessage`, no command routing) runs alongside as the baseline. The
// server runs as its own process on core 0 (PostgreSQL), the bot and the member share core 1. Light
// load: one command every 120 ms, under the default send rate of one connection (10/s).
//   node bench/dist/command-rtt.js [--commands=500] [--interval-ms=240] [--store=postgres|pglite]
import { ChatClient } from '@parley/sdk';
import { createBot, text } from '@parley/sdk/bot';
import jwt from 'jsonwebtoken';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { hasTaskset, launchServer } from './launch.js';
import { COMMAND_RTT_HEADING, commandRttSection, type CommandRttResult } from './report/command-rtt.js';

const SECRET = 'bench-secret-that-is-at-least-32-bytes-long';
const ADMIN = 'bench-admin-token-0123456789abcdef';
const main = join(dirname(createRequire(import.meta.url).resolve('@parley/server')), 'main.js');

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const commands = Number(arg('commands', '500'));
const intervalMs = Number(arg('interval-ms', '240'));
const store = arg('store', 'postgres');
const pgUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const RESULT = fileURLToPath(new URL('../results/command-rtt.json', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function percentiles(xs: number[]): CommandRttResult['command'] {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

/** Puts this run's section at the end of docs/benchmarks.md, as the report generator would. */
function replaceSection(result: CommandRttResult): void {
  const doc = readFileSync(DOC, 'utf8');
  const at = doc.indexOf(COMMAND_RTT_HEADING);
  const before = (at >= 0 ? doc.slice(0, at) : doc).replace(/\n+$/, '\n\n');
  writeFileSync(DOC, before + commandRttSection(result).join('\n') + '\n');
}

async function run(): Promise<void> {
  if (hasTaskset) spawnPin();
  const schema = `bench_cmd_${process.pid}`;
  const dataDir = store === 'pglite' ? mkdtempSync(join(tmpdir(), 'parley-bench-')) : undefined;
  const storage: Record<string, string> = dataDir ? { PARLEY_DATA_DIR: dataDir } : { DATABASE_URL: pgUrl, PARLEY_DB_SCHEMA: schema };
  const server = await launchServer(main, { PARLEY_PORT: '0', PARLEY_HOST: '127.0.0.1', PARLEY_JWT_SECRET: SECRET, PARLEY_ADMIN_TOKEN: ADMIN, PARLEY_LOG_LEVEL: 'error', ...storage }, 0);
  const http = `http://127.0.0.1:${server.port}`;
  const url = `ws://127.0.0.1:${server.port}/ws`;
  try {
    const res = await fetch(`${http}/v1/admin/bots`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: 'EchoBot', rooms: ['lobby'] }) });
    const { key } = ((await res.json()) as { key: { key: string } }).key;
    const bot = createBot({ url, key, WebSocket })
      .command('echo', { description: 'Echo', args: { words: text() } }, (ctx) => ctx.reply(ctx.args.words))
      .onMessage(/^plain /, (ctx) => ctx.reply((ctx.event.body ?? '').slice('plain '.length)));
    await bot.start();
    const token = jwt.sign({ sub: 'member', name: 'Member' }, SECRET, { algorithm: 'HS256', expiresIn: 3600 });
    const member = new ChatClient({ url, token, WebSocket });
    await member.connect();
    const room = await member.join('lobby');
    const sentAt = new Map<string, number>();
    const rtts = { command: [] as number[], plain: [] as number[] };
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    room.on('message', ({ event }) => {
      const body = event.body ?? '';
      const started = event.by === 'bot:echobot' ? sentAt.get(body) : undefined;
      if (started === undefined) return;
      rtts[body.startsWith('c') ? 'command' : 'plain'].push(performance.now() - started);
      if (rtts.command.length + rtts.plain.length === 2 * commands) done();
    });
    const warmup = 20;
    // Commands and plain messages alternate, so both see the same moments of the machine.
    for (let i = 0; i < commands + warmup; i++) {
      for (const [prefix, text] of [['c', '/echo'], ['p', 'plain']] as const) {
        const body = `${prefix}${i}`;
        if (i >= warmup) sentAt.set(body, performance.now());
        void room.send(`${text} ${body}`);
        await new Promise((r) => setTimeout(r, intervalMs / 2));
      }
    }
    await all;
    await bot.stop();
    await member.close();
    const f = (n: number) => n.toFixed(1);
    const line = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return `p50 ${f(percentile(sorted, 50))} ms, p95 ${f(percentile(sorted, 95))} ms, p99 ${f(percentile(sorted, 99))} ms, max ${f(sorted.at(-1)!)} ms`;
    };
    console.log(`${commands} commands and ${commands} plain messages, one every ${intervalMs / 2} ms (${store}; server on core 0, bot and member on core 1${hasTaskset ? '' : ' — taskset missing, not pinned'}):`);
    console.log(`  command round trip (send /echo → bot answers → member sees it): ${line(rtts.command)}`);
    console.log(`  plain message round trip (the same bot through onMessage):     ${line(rtts.plain)}`);
    const result: CommandRttResult = {
      date: new Date().toISOString().slice(0, 10),
      store,
      commands,
      intervalMs,
      pinned: hasTaskset,
      loadAverage: loadavg()[0]!,
      command: percentiles(rtts.command),
      plain: percentiles(rtts.plain),
    };
    writeFileSync(RESULT, JSON.stringify(result, null, 2) + '\n');
    replaceSection(result);
    console.log(`results: ${RESULT}; section "${COMMAND_RTT_HEADING.slice(3)}" of docs/benchmarks.md updated`);
  } finally {
    await server.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    else {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }
}

/** The bot and the member run here, on core 1, away from the server. */
function spawnPin(): void {
  try {
    // Pins this process after the fact; the server is started pinned to core 0 by launchServer.
    createRequire(import.meta.url)('node:child_process').spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]);
  } catch {
    // Not pinned: the figures still hold, with more noise.
  }
}

await run();
