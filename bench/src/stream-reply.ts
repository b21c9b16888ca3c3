// A streamed reply against separate messages (issue 14): one bot writes a reply of N tokens at R
// tokens per second to a room of M subscribed members, once as a stream (one `stream_write` per
// token; the server fans the text out coalesced, at most once per flush interval, and stores it once)
// and once as N separate messages at the same pace. What is compared is the server's CPU for each
// (from /proc), in the same run. Part of `npm run bench` (`--only=stream`); alone:
// node bench/dist/stream-reply.js [--members=1000] [--tokens=2000] [--rate=50] (needs PostgreSQL).
import { encodeFrame, Op } from '@parley/sdk/protocol';
import { fileURLToPath } from 'node:url';
import { hasTaskset } from './launch.js';
import { exchange } from './load/dialect.js';
import { RawWs, WsOp } from './load/raw-ws.js';
import { cpuSeconds } from './proc-stats.js';
import { STORM_ROOM, stormRoom } from './reaction-storm.js';

const ADMIN = 'stream-bench-admin-token-0123456789abcdef';
const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
// Server frames are maps with `t` first: fixmap, fixstr "t", opcode.
const opOf = (p: Buffer) => (p.length > 3 && p[1] === 0xa1 && p[2] === 0x74 ? p[3] : undefined);

export interface StreamPhase {
  phase: string;
  /** Frames the bot sent: writes, or messages. */
  sent: number;
  /** Frames the members received for it (stream text and the final message, or the messages). */
  deliveries: number;
  wallSec: number;
  serverCpuSec: number;
}

export interface StreamReplyResult {
  members: number;
  tokens: number;
  rate: number;
  pinned: boolean;
  phases: StreamPhase[];
  /** Server CPU, stream written as the SDK writes it ÷ separate messages. */
  ratio: number;
  /** Server CPU, stream with one write per token ÷ separate messages. */
  perTokenRatio: number;
}

/** Signs the bench bot in on a raw socket, a member of the room. */
async function botSocket(port: number): Promise<RawWs> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/admin/bots`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: 'StreamBot', rooms: [STORM_ROOM] }) });
  const { key } = ((await res.json()) as { key: { key: string } }).key;
  const ws = new RawWs({ port, path: '/ws' });
  await ws.open;
  for (const [r, frame] of [
    [1, { t: Op.Hello, r: 1, v: 1, token: key }],
    [2, { t: Op.Join, r: 2, room: STORM_ROOM }],
  ] as const) {
    await exchange(ws, () => ws.send(WsOp.Binary, Buffer.from(encodeFrame(frame))), (_op, p) => (p.includes(Buffer.from([0xa1, 0x72, r])) ? true : undefined));
  }
  ws.sink = { frame: () => undefined };
  return ws;
}

/** Sends `count` frames from `bot`, `rate` per second, then waits until every member saw its end (`ends`, one per member), or deliveries stall. */
async function paced(name: string, pid: number, members: RawWs[], bot: RawWs, count: number, rate: number, frameOf: (i: number) => object, ends: () => (op: number | undefined) => boolean): Promise<StreamPhase> {
  let deliveries = 0;
  let ended = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  for (const ws of members) {
    const end = ends();
    ws.sink = {
      frame(_op, p) {
        const op = opOf(p);
        if (op === Op.Event || op === Op.Stream) deliveries++;
        if (end(op) && ++ended === members.length) done();
      },
    };
  }
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    bot.send(WsOp.Binary, Buffer.from(encodeFrame(frameOf(i))));
    const due = t0 + ((i + 1) * 1000) / rate;
    while (performance.now() < due - 1) await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  let last = -1;
  while (ended < members.length && deliveries !== last) {
    last = deliveries;
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 3000))]);
  }
  return { phase: name, sent: count, deliveries, wallSec: (performance.now() - t0) / 1000, serverCpuSec: cpuSeconds(pid) - cpu0 };
}

export async function runStreamReply(options: { members: number; tokens: number; rate: number; databaseUrl: string }): Promise<StreamReplyResult> {
  const { members: count, tokens, rate } = options;
  // One write per token, as a bot that does not buffer would send them: the server's flush interval does the coalescing.
  const env = { PARLEY_ADMIN_TOKEN: ADMIN, PARLEY_STREAM_WRITE_RATE: String(Math.max(20, rate * 2)) };
  return stormRoom({ members: count, databaseUrl: options.databaseUrl, schemaPrefix: 'bench_stream', env }, async (pid, members, port) => {
    const bot = await botSocket(port);
    const start = () =>
      new Promise<string>((resolve) => {
        bot.sink = { frame: (_op, p) => void (p.includes(Buffer.from('st_')) && resolve(/st_[A-Za-z0-9_-]+/.exec(p.toString('latin1'))![0])) };
        bot.send(WsOp.Binary, Buffer.from(encodeFrame({ t: Op.StreamStart, r: 3, room: STORM_ROOM })));
      }).finally(() => (bot.sink = { frame: () => undefined }));
    const word = (i: number) => `tok${i % 1000} `;
    const streamed = async (name: string, perWrite: number, length = tokens): Promise<StreamPhase> => {
      const id = await start();
      const writes = Math.ceil(length / perWrite);
      const text = (i: number) => Array.from({ length: Math.min(perWrite, length - i * perWrite) }, (_, k) => word(i * perWrite + k)).join('');
      // The last write is followed by the end: the phase is over when every member has the stored message.
      return paced(name, pid, members, bot, writes + 1, rate / perWrite, (i) => (i < writes ? { t: Op.StreamWrite, r: 10 + i, stream: id, text: text(i) } : { t: Op.StreamEnd, r: 9, stream: id }), () => (op) => op === Op.StreamDone);
    };
    // Not measured: the server's code paths run hot (JIT) before the first measured phase, as before the others.
    await streamed('warm-up', 1, Math.min(tokens, 250));
    // As `bot.stream()` writes: what came in during one flush interval (100 ms), in one frame.
    const stream = await streamed('stream (SDK: one write per 100 ms)', Math.max(1, Math.round(rate / 10)));
    // A bot that writes each token as it comes: the server's flush interval does the coalescing.
    const perToken = await streamed('stream (one write per token)', 1);
    const messages = await paced('messages', pid, members, bot, tokens, rate, (i) => ({ t: Op.Send, r: 10 + tokens + i, room: STORM_ROOM, cid: `m${i}`, body: word(i).trim() }), () => {
      let seen = 0;
      return (op) => op === Op.Event && ++seen === tokens;
    });
    bot.close();
    return {
      members: count,
      tokens,
      rate,
      pinned: hasTaskset,
      phases: [stream, perToken, messages],
      ratio: stream.serverCpuSec / messages.serverCpuSec,
      perTokenRatio: perToken.serverCpuSec / messages.serverCpuSec,
    };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runStreamReply({ members: arg('members', 1000), tokens: arg('tokens', 2000), rate: arg('rate', 50), databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
  console.log(JSON.stringify(result, null, 2));
}
