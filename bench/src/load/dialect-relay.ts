// The bare uWebSockets.js relays' protocol (both publishing modes): the first binary frame names the
// room (answered with a text "joined"); every later frame is published as is to that room; every
// binary frame is a delivery.
import { exchange, type Dialect, type OutFrame } from './dialect.js';
import { WsOp, type RawWs } from './raw-ws.js';

export const relayDialect: Dialect = {
  path: '/',

  async handshake(ws: RawWs, _token: string, room: string | undefined): Promise<void> {
    if (room === undefined) return;
    await exchange(ws, () => ws.send(WsOp.Binary, Buffer.from(room)), (op) => (op === WsOp.Text ? true : undefined));
  },

  message(_room: string, body: string): OutFrame {
    return { opcode: WsOp.Binary, payload: Buffer.from(body) };
  },

  isDelivery(opcode: number): boolean {
    return opcode === WsOp.Binary;
  },

  bodyOf(payload: Buffer): string {
    return payload.toString();
  },
};
