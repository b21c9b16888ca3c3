// Compatibility (ADR 0011, protocol section 15): the SDK as released before the event model
// (test/fixtures/parley-sdk-1.0.x.tgz), installed in a project of its own, against the current server:
// it connects, joins, sends, receives and reads history, and events of kinds it does not know,
// appended through the store, live and through its history fill, only move its seq forward.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SqlStore } from '../server/src/store/index.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAvailable, startNode, userToken, type TestNode } from './support/server.js';

const fixture = fileURLToPath(new URL('./fixtures/parley-sdk-1.0.x.tgz', import.meta.url));
// npm run-script exports its own configuration to children: the consumer's npm starts clean.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

// Runs in the consumer project with the old SDK: two users in `lobby`; prints one JSON line per
// step and waits for a line on stdin between them, while the test appends events it cannot know.
const SCRIPT = `
import { ChatClient } from '@parley/sdk';
import WebSocket from 'ws';
import { createInterface } from 'node:readline';

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const until = async (fn, what) => {
  for (let i = 0; i < 500 && !fn(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!fn()) throw new Error('timed out waiting for ' + what);
};
const { PARLEY_URL: url, TOKEN_A, TOKEN_B } = process.env;
const errors = [];
const resets = [];
const make = (token) => {
  const c = new ChatClient({ url, token, WebSocket, gapFillDelayMs: 100 });
  c.on('error', ({ error }) => errors.push(error.message));
  c.on('reset', ({ head }) => resets.push(head));
  return c;
};
const a = make(TOKEN_A);
const b = make(TOKEN_B);
await a.connect();
await b.connect();
const ra = await a.join('lobby');
const rb = await b.join('lobby');
const got = [];
const events = [];
rb.on('message', ({ event }) => got.push(event.body));
rb.on('event', ({ event }) => events.push([event.seq, event.kind]));
const ack = await ra.send('hello from v1');
await until(() => got.includes('hello from v1'), 'the first message');
const page = await rb.history({ limit: 50 });
say({ step: 'sent', ack, lastSeq: rb.lastSeq, history: page.events.map((e) => [e.seq, e.kind, e.body ?? null]) });
await lines.next();
const ack2 = await ra.send('after the kinds v1 does not know');
await until(() => rb.lastSeq >= ack2.seq, 'the second message');
const later = await rb.history({ after: ack.seq });
const members = (await rb.members()).map((m) => [m.user, m.role]);
say({ step: 'done', ack2, lastSeq: rb.lastSeq, got, events, history: later.events.map((e) => [e.seq, e.kind]), members, errors, resets });
await Promise.all([a.close(), b.close()]);
process.exit(0);
`;

describe('an SDK of protocol v1 before ADR 0011, against this server', () => {
  let root: string;
  let node: TestNode;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'parley-compat-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'parley-v1-consumer', private: true, type: 'module' }));
    writeFileSync(join(root, 'chat.mjs'), SCRIPT);
    const [install, started] = await Promise.all([
      new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const child = spawn('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', fixture, 'ws@^8'], { cwd: root, env: cleanEnv });
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, output }));
      }),
      startNode((await postgresAvailable()) ? 'postgres' : 'pglite'),
    ]);
    node = started;
    if (install.code !== 0) throw new Error(`npm install of the v1 SDK failed:\n${install.output}`);
  }, 120_000);

  afterAll(async () => {
    await node?.destroy();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('connects, sends, receives and reads history, and steps over kinds it does not know', async () => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['chat.mjs'], {
      cwd: root,
      env: { ...cleanEnv, PARLEY_URL: node.url, TOKEN_A: userToken('ada'), TOKEN_B: userToken('bo') },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const steps = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const step = async (): Promise<Record<string, any>> => {
      const line = await Promise.race([steps.next(), exited.then((code) => ({ done: true, value: `exited with ${code}: ${stderr}` }))]);
      if (line.done) throw new Error(`the v1 script ${String(line.value)}`);
      return JSON.parse(line.value as string) as Record<string, any>;
    };

    const sent = await step();
    expect(sent.history.at(-1)).toEqual([sent.ack.seq, 'msg', 'hello from v1']);
    expect(sent.lastSeq).toBe(sent.ack.seq);

    // Events of kinds v1 never heard of, with fields it does not know; the middle one only in storage,
    // so v1 finds it through its history fill.
    const { store } = node.server.hub;
    const appended = [];
    for (const [kind, live, extra] of [
      ['reaction', true, { data: { target: sent.ack.seq, emoji: '👍', on: true } }],
      ['edit', false, { body: 'hello (edited)', data: { target: sent.ack.seq } }],
      ['poll', true, { body: 'lunch?', data: { options: 3, closes: Date.now() + 60_000 } }],
    ] as const) {
      const { event } = await store.append({ room: 'lobby', kind, by: 'ada', name: 'ada', ...extra });
      if (live) node.server.hub.publishEvent(event);
      appended.push(event);
    }
    // Bo becomes a moderator: v1 reads roles as a closed list, so its member list must still load.
    await (store as SqlStore).sql.query("UPDATE members SET role = 'moderator' WHERE room_id = 'lobby' AND user_id = 'bo'");
    child.stdin.write('go\n');

    const done = await step();
    const expectedSeqs = [sent.ack.seq + 1, sent.ack.seq + 2, sent.ack.seq + 3];
    expect(appended.map((e) => e.seq)).toEqual(expectedSeqs);
    expect(done.ack2.seq).toBe(sent.ack.seq + 4);
    // Every seq once, in order: the unknown kinds as they are, then the message after them.
    expect(done.events.filter(([seq]: [number]) => seq > sent.ack.seq)).toEqual([
      [expectedSeqs[0], 'reaction'],
      [expectedSeqs[1], 'edit'],
      [expectedSeqs[2], 'poll'],
      [done.ack2.seq, 'msg'],
    ]);
    expect(done.lastSeq).toBe(done.ack2.seq);
    expect(done.got).toEqual(['hello from v1', 'after the kinds v1 does not know']);
    expect(done.history).toEqual([...appended.map((e) => [e.seq, e.kind]), [done.ack2.seq, 'msg']]);
    expect(done.members).toEqual(expect.arrayContaining([['bo', 'member'], ['ada', 'member']]));
    expect(done.errors).toEqual([]);
    expect(done.resets).toEqual([]);
    expect(await exited).toBe(0);
  }, 30_000);
});
