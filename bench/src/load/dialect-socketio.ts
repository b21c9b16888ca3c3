// Socket.IO 4 as the load generator speaks it, straight over engine.io's WebSocket transport: the
// namespace connect carries the token, `join` is acknowledged, a delivery is an EVENT packet ("42…").
import { exchange, type Dialect, type OutFrame } from './dialect.js';
import { WsOp, type RawWs } from './raw-ws.js';

const CH_4 = 0x34;
const CH_2 = 0x32;
const PONG: OutFrame = { opcode: WsOp.Text, payload: Buffer.from('3') };

function text(s: string): OutFrame {
  return { opcode: WsOp.Text, payload: Buffer.from(s) };
}

export const socketIoDialect: Dialect = {
  path: '/socket.io/?EIO=4&transport=websocket',

  async handshake(ws: RawWs, token: string, room: string | undefined): Promise<void> {
    // The server speaks first (engine.io OPEN, "0{…}"); then connect to the main namespace ("40").
    await exchange(ws, () => {}, (_op, p) => (p[0] === 0x30 ? true : undefined));
    const connect = text(`40${JSON.stringify({ token })}`);
    await exchange(ws, () => ws.send(connect.opcode, connect.payload), (_op, p) => {
      const s = p.toString();
      if (s.startsWith('44')) throw new Error(`socket.io refused: ${s}`);
      return s.startsWith('40') ? true : undefined;
    });
    if (room === undefined) return;
    const join = text(`421${JSON.stringify(['join', room])}`);
    await exchange(ws, () => ws.send(join.opcode, join.payload), (_op, p) => (p.toString().startsWith('431') ? true : undefined));
  },

  message(_room: string, body: string): OutFrame {
    return text(`42${JSON.stringify(['msg', body])}`);
  },

  isDelivery(opcode: number, payload: Buffer): boolean {
    return opcode === WsOp.Text && payload[0] === CH_4 && payload[1] === CH_2;
  },

  bodyOf(payload: Buffer): string {
    return (JSON.parse(payload.toString('utf8', 2)) as [string, string])[1];
  },

  answer(opcode: number, payload: Buffer): OutFrame | undefined {
    // engine.io heartbeat: the server pings ("2"), the client must pong ("3") or be dropped.
    return opcode === WsOp.Text && payload.length === 1 && payload[0] === CH_2 ? PONG : undefined;
  },
};
