// Parley's protocol as the load generator speaks it: hello with a token, subscribe (the harness made
// every user a member beforehand, as a host application would; or join, with the embedded store), send; a delivery is an `event` frame,
// recognised by its leading bytes {t: 67 …}, and a store acknowledgement is a `result`.
import { encodeFrame, Op } from '@parley/sdk/protocol';
import { Unpackr } from 'msgpackr';
import { exchange, type Dialect, type OutFrame } from './dialect.js';
import { WsOp, type RawWs } from './raw-ws.js';

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

// The server encodes frames as maps with `t` first: fixmap header, fixstr "t", fixint opcode.
const T_KEY = 0x74;
const FIXSTR_1 = 0xa1;
const isFrameOf = (payload: Buffer, op: number) =>
  payload.length > 3 && payload[1] === FIXSTR_1 && payload[2] === T_KEY && payload[3] === op && (payload[0]! & 0xf0) === 0x80;

interface Reply {
  t: number;
  r?: number;
  code?: string;
  message?: string;
  e?: { body?: string };
}

function binary(frame: object): OutFrame {
  return { opcode: WsOp.Binary, payload: Buffer.from(encodeFrame(frame)) };
}

/** hello, then `op` for the room (subscribe for a member, join to become one): both answer with a result. */
function handshakeWith(op: typeof Op.Subscribe | typeof Op.Join) {
  return async (ws: RawWs, token: string, room: string | undefined): Promise<void> => {
    const replyTo = (r: number) => (opcode: number, payload: Buffer) => {
      if (opcode !== WsOp.Binary) return undefined;
      const f = unpackr.unpack(payload) as Reply;
      if (f.t === Op.Error && (f.r === r || f.r === undefined)) throw new Error(`parley refused: ${f.code}: ${f.message}`);
      return (f.t === Op.Welcome || f.t === Op.Result) && f.r === r ? true : undefined;
    };
    const hello = binary({ t: Op.Hello, r: 1, v: 1, token });
    await exchange(ws, () => ws.send(hello.opcode, hello.payload), replyTo(1));
    if (room === undefined) return;
    const enter = binary({ t: op, r: 2, room });
    await exchange(ws, () => ws.send(enter.opcode, enter.payload), replyTo(2));
  };
}

export const parleyDialect: Dialect = {
  path: '/ws',
  handshake: handshakeWith(Op.Subscribe),
  message(room: string, body: string, n: number): OutFrame {
    // Request ids 1 and 2 were the handshake's.
    return binary({ t: Op.Send, r: n + 2, room, cid: `c${n}`, body });
  },

  isDelivery(opcode: number, payload: Buffer): boolean {
    return opcode === WsOp.Binary && isFrameOf(payload, Op.Event);
  },

  bodyOf(payload: Buffer): string {
    return (unpackr.unpack(payload) as Reply).e?.body ?? '';
  },

  ackOf(payload: Buffer): number | undefined {
    if (!isFrameOf(payload, Op.Result)) return undefined;
    const r = (unpackr.unpack(payload) as Reply).r;
    return r === undefined ? undefined : r - 2;
  },
};

/**
 * For a store the harness cannot provision from outside (the embedded one, which one process opens at
 * a time): each connection joins its public room, which makes it a member and subscribes it. The join
 * events are setup traffic, drained before measuring.
 */
export const parleyJoiningDialect: Dialect = { ...parleyDialect, handshake: handshakeWith(Op.Join) };
