// The strongest check that close() leaves nothing running: a real Node process (a bot) connects,
// sends, gets stuck reconnecting with a long backoff, closes — and must exit on its own right away.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { Op } from '../src/protocol/index.js';
import { startServer } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside node_modules so that the compiled SDK resolves `msgpackr` and `ws` like an installed package.
const out = `${root}node_modules/.cache/parley-sdk-exit-test`;

const BOT = `
import { WebSocket } from 'ws';
import { ChatClient } from './index.js';
const client = new ChatClient({ url: process.env.URL, token: 'bot', WebSocket, pingIntervalMs: 20,
  reconnect: { minDelayMs: 8000, maxDelayMs: 8000 } });
await client.connect();
const room = await client.join('lobby');
await room.send('hello from a bot');
room.typing(true);
const stuck = room.send('never acknowledged').catch((err) => err.name);
await new Promise((resolve) => client.on('state', ({ newState }) => newState === 'reconnecting' && resolve()));
await client.close();
console.log('closed', await stuck);
`;

beforeAll(() => {
  mkdirSync(out, { recursive: true });
  const tsc = spawnSync(process.execPath, [
    `${root}node_modules/typescript/bin/tsc`, '-p', `${root}sdk`, '--outDir', out,
    '--composite', 'false', '--declaration', 'false', '--sourceMap', 'false', '--incremental', 'false',
  ], { encoding: 'utf8' });
  expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  writeFileSync(`${out}/bot.mjs`, BOT);
});

it('lets a Node process exit as soon as close() resolves, even mid-reconnect with work pending', async () => {
  const server = await startServer();
  server.createRoom('lobby');
  server.intercept((frame, conn) => {
    if (frame.t !== Op.Send || frame.body !== 'never acknowledged') return false;
    // Kill the connection while the send waits: the client is left with a retry timer of 8 s.
    conn.terminate();
    return true;
  });

  const child = spawn(process.execPath, [`${out}/bot.mjs`], { env: { ...process.env, URL: server.url } });
  let output = '';
  let closedAt = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
    if (output.includes('closed')) closedAt ||= Date.now();
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill(), 7000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve(status);
    });
  });

  expect(output.trim()).toBe('closed ClientClosedError');
  expect(code).toBe(0);
  expect(Date.now() - closedAt).toBeLessThan(1500);
  expect(server.connections[0]!.sent(Op.Typing)).toHaveLength(1);
});
