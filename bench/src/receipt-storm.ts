// Receipt storm against a message storm (issue 12): N members of one room each send one message within
// a second (every message owed to all N), then all N read the room's last message within a second.
// A read is a position, not an event: it goes to the reader's own connections only (the room is far
// past receiptRoomSize). What is compared is the server's CPU for the whole phase, from /proc.
// Part of `npm run bench` (run.ts); alone: node bench/dist/receipt-storm.js [--members=1000] [--seconds=1]
// (needs PostgreSQL).
import { Op } from '@parley/sdk/protocol';
import { fileURLToPath } from 'node:url';
import { hasTaskset } from './launch.js';
import { phase, stormRoom, STORM_ROOM, type StormPhase } from './reaction-storm.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);

// Server frames are maps with `t` first: fixmap, fixstr "t", opcode.
const isReadState = (p: Buffer) => p.length > 3 && p[1] === 0xa1 && p[2] === 0x74 && p[3] === Op.ReadState;

export interface ReceiptStormResult {
  members: number;
  seconds: number;
  pinned: boolean;
  phases: StormPhase[];
  /** Server CPU of the whole phase, reads / messages (the target: below 1). */
  ratio: number;
}

export async function runReceiptStorm(options: { members: number; seconds: number; databaseUrl: string }): Promise<ReceiptStormResult> {
  const { members: count, seconds } = options;
  return stormRoom({ ...options, schemaPrefix: 'bench_receipts' }, async (pid, members) => {
    const messages = await phase('messages', pid, members, members.length, seconds, (i) => ({ t: Op.Send, r: 4, room: STORM_ROOM, cid: `m${i}`, body: `message ${i} of the storm` }));
    // The room event PARLEY_ROOMS made the room with, then the storm: the last message is the head.
    const last = 1 + members.length;
    // Each reader's one connection is told its new position: one read_state per read is owed.
    const reads = await phase('reads', pid, members, members.length, seconds, () => ({ t: Op.Read, r: 5, room: STORM_ROOM, seq: last }), { is: isReadState, owed: members.length });
    return { members: count, seconds, pinned: hasTaskset, phases: [messages, reads], ratio: reads.serverCpuSec / messages.serverCpuSec };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runReceiptStorm({
    members: arg('members', 1000),
    seconds: arg('seconds', 1),
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  });
  console.log(JSON.stringify(result, null, 2));
}
