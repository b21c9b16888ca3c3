// Two bare uWebSockets.js relays on the same native binary as Parley, the peers without auth,
// storage or decoding: a socket's first binary frame names its room, every later frame goes as is to
// that room's topic (the sender included, as the chat servers do). BENCH_RELAY_BATCHING picks how:
//   unset  unbatched: each frame is published from its message callback, as it arrives;
//   turn   batched: a room's frames of one event-loop turn are collected and published together once
//          the turn's reads are done, so uWS queues them for each member at once and writes them in
//          one go (far fewer socket writes per delivery in a busy room; bench/README.md has figures).
// Neither bounds Parley from above: Parley publishes a whole group-commit batch at once.
import { loadUws } from '@parley/server';

interface SocketData {
  room?: string;
}

const batching = process.env.BENCH_RELAY_BATCHING ?? '';
if (batching !== '' && batching !== 'turn') throw new Error(`uws-relay: BENCH_RELAY_BATCHING must be unset or "turn", not "${batching}"`);

const uws = loadUws();
const app = uws.App();

/** Frames received in this loop turn, per room, in arrival order (batched relay only). */
const pending = new Map<string, Buffer[]>();
let flushQueued = false;

function flushTurn(): void {
  flushQueued = false;
  // Published back to back, a room's frames reach each member's queue together, and uWS writes that
  // queue in one go.
  for (const [room, frames] of pending) for (const frame of frames) app.publish(room, frame, true);
  pending.clear();
}

function relayBatched(room: string, message: ArrayBuffer): void {
  // uWS reclaims `message` when the callback returns: keep a copy, not a view.
  const frame = Buffer.from(new Uint8Array(message));
  const frames = pending.get(room);
  if (frames) frames.push(frame);
  else pending.set(room, [frame]);
  if (!flushQueued) {
    flushQueued = true;
    // setImmediate runs after the poll phase, so every read of this turn has been handled by then.
    setImmediate(flushTurn);
  }
}

app.ws<SocketData>('/*', {
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 1024 * 1024,
  closeOnBackpressureLimit: 1,
  idleTimeout: 120,
  sendPingsAutomatically: true,
  upgrade: (res, req, context) => {
    res.upgrade<SocketData>(
      {},
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  message: (ws, message) => {
    const data = ws.getUserData();
    if (data.room === undefined) {
      data.room = Buffer.from(message).toString();
      ws.subscribe(data.room);
      ws.send('joined', false);
    } else if (batching === 'turn') {
      relayBatched(data.room, message);
    } else {
      app.publish(data.room, message, true);
    }
  },
});
app.listen('0.0.0.0', Number(process.env.PORT ?? 0), (socket) => {
  if (!socket) throw new Error('uws-relay: could not listen');
  const name = batching === 'turn' ? 'uws-relay (batched per loop turn)' : 'uws-relay';
  process.stdout.write(`${name} listening on http://127.0.0.1:${uws.us_socket_local_port(socket as never)}\n`);
});
