// Reaction storm against a message storm (issue 11): N members of one room each send one message
// within a second, then each reacts to one message within a second. Every event reaches all N, so
// both phases owe N² deliveries; what is compared is the server's CPU per delivery (from /proc).
// Part of `npm run bench` (run.ts); alone: node bench/dist/reaction-storm.js [--members=1000] [--seconds=1]
// (needs PostgreSQL).
import { encodeFrame, Op } from '@parley/sdk/protocol';
import jwt from 'jsonwebtoken';
import { unpack } from 'msgpackr';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { hasTaskset, launchServer, PARLEY_UNLIMITED } from './launch.js';
import { exchange } from './load/dialect.js';
import { RawWs, WsOp } from './load/raw-ws.js';
import { cpuSeconds } from './proc-stats.js';
import { dropSchema, scratchSchemaName } from './scratch-schema.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const SECRET = 'reaction-storm-secret-at-least-32-bytes!!';
const ROOM = 'storm';
const main = join(dirname(createRequire(import.meta.url).resolve('@parley/server')), 'main.js');

// Server frames are maps with `t` first: fixmap, fixstr "t", opcode.
const isEvent = (p: Buffer) => p.length > 3 && p[1] === 0xa1 && p[2] === 0x74 && p[3] === Op.Event;
const isError = (p: Buffer) => p.length > 3 && p[1] === 0xa1 && p[2] === 0x74 && p[3] === Op.Error;

export interface StormPhase {
  phase: string;
  events: number;
  deliveries: number;
  errors: number;
  wallSec: number;
  serverCpuSec: number;
  cpuUsPerDelivery: number;
}

export interface ReactionStormResult {
  members: number;
  seconds: number;
  pinned: boolean;
  phases: StormPhase[];
  /** Server CPU per delivery, reactions / messages. */
  ratio: number;
}

/** Connects `count` members (u0…), each signed in and subscribed to the storm room. */
export async function connectAll(port: number, count: number): Promise<RawWs[]> {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const out: RawWs[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, async (_, k) => {
      const ws = new RawWs({ port, path: '/ws' });
      await ws.open;
      const token = jwt.sign({ sub: `u${i + k}`, name: `User ${i + k}`, exp }, SECRET, { algorithm: 'HS256' });
      for (const [r, frame] of [
        [1, { t: Op.Hello, r: 1, v: 1, token }],
        [2, { t: Op.Subscribe, r: 2, room: ROOM }],
      ] as const) {
        await exchange(ws, () => ws.send(WsOp.Binary, Buffer.from(encodeFrame(frame))), (_op, p) => (p.includes(Buffer.from([0xa1, 0x72, r])) ? true : undefined));
      }
      ws.sink = { frame: () => undefined }; // nothing buffers between phases
      return ws;
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/**
 * The first `senders` members each send `frameOf(i)` once, spread evenly over `seconds`; resolves when
 * every delivery arrived (or they stall). A delivery is an `event` frame, each owed to every member,
 * unless `delivery` says otherwise (which frames count, and how many are owed in all).
 */
export async function phase(
  name: string,
  pid: number,
  members: RawWs[],
  senders: number,
  seconds: number,
  frameOf: (i: number) => object,
  delivery: { is: (p: Buffer) => boolean; owed: number } = { is: isEvent, owed: senders * members.length },
): Promise<StormPhase> {
  let deliveries = 0;
  let errors = 0;
  const { owed } = delivery;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  for (const ws of members) {
    ws.sink = {
      frame(_op, p) {
        if (delivery.is(p) && ++deliveries === owed) done();
        else if (isError(p) && errors++ < 3) console.error(`${name}: error frame`, unpack(p));
      },
    };
  }
  const frames = members.slice(0, senders).map((_, i) => Buffer.from(encodeFrame(frameOf(i))));
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const gap = (seconds * 1000) / senders;
  for (let i = 0; i < senders; i++) {
    members[i]!.send(WsOp.Binary, frames[i]!);
    const due = t0 + (i + 1) * gap;
    while (performance.now() < due - 1) await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  let last = -1;
  while (deliveries < owed && deliveries !== last) {
    last = deliveries;
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 3000))]);
  }
  const wallSec = (performance.now() - t0) / 1000;
  const serverCpuSec = cpuSeconds(pid) - cpu0;
  return { phase: name, events: senders, deliveries, errors, wallSec, serverCpuSec, cpuUsPerDelivery: (serverCpuSec * 1e6) / Math.max(1, deliveries) };
}

/** A fresh Parley on PostgreSQL (a scratch schema) whose storm room has `count` members, all connected and subscribed. */
export async function stormRoom<T>(
  options: { members: number; databaseUrl: string; schemaPrefix: string; env?: Record<string, string> },
  run: (pid: number, members: RawWs[], port: number) => Promise<T>,
): Promise<T> {
  const { members: count, databaseUrl } = options;
  const schema = scratchSchemaName(options.schemaPrefix);
  const server = await launchServer(
    main,
    {
      PARLEY_PORT: '0',
      PARLEY_JWT_SECRET: SECRET,
      DATABASE_URL: databaseUrl,
      PARLEY_DB_SCHEMA: schema,
      ...PARLEY_UNLIMITED,
      PARLEY_ROOMS: ROOM,
      ...options.env,
    },
    hasTaskset ? 0 : undefined,
  );
  const db = new pg.Client({ connectionString: databaseUrl });
  try {
    // Members beforehand, as a host application would add them: no join events to wait for.
    await db.connect();
    await db.query(`INSERT INTO ${schema}.members (room_id, user_id, role) SELECT $1, 'u' || g, 'member' FROM generate_series(0, $2::int - 1) g`, [ROOM, count]);
    const members = await connectAll(server.port, count);
    const result = await run(server.pid, members, server.port);
    for (const ws of members) ws.close();
    return result;
  } finally {
    await db.end().catch(() => undefined);
    await server.stop();
    await dropSchema(databaseUrl, schema);
  }
}

/** The storm room's id. */
export const STORM_ROOM = ROOM;

/** Runs both storms against a fresh Parley on PostgreSQL (a scratch schema) and returns what each cost. */
export async function runReactionStorm(options: { members: number; seconds: number; databaseUrl: string }): Promise<ReactionStormResult> {
  const { members: count, seconds } = options;
  return stormRoom({ ...options, schemaPrefix: 'bench_reactions' }, async (pid, members) => {
    // The message everyone reacts to: seq 2, after the `room` event PARLEY_ROOMS made the room with.
    await phase('target', pid, members, 1, seconds, () => ({ t: Op.Send, r: 3, room: ROOM, cid: 'target', body: 'react to me' }));
    const messages = await phase('messages', pid, members, members.length, seconds, (i) => ({ t: Op.Send, r: 4, room: ROOM, cid: `m${i}`, body: `message ${i} of the storm` }));
    const reactions = await phase('reactions', pid, members, members.length, seconds, () => ({ t: Op.React, r: 5, room: ROOM, seq: 2, emoji: '🔥', on: true }));
    return { members: count, seconds, pinned: hasTaskset, phases: [messages, reactions], ratio: reactions.cpuUsPerDelivery / messages.cpuUsPerDelivery };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runReactionStorm({
    members: arg('members', 1000),
    seconds: arg('seconds', 1),
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  });
  console.log(JSON.stringify(result, null, 2));
}
