// The ceiling: a bare uWebSockets.js relay on the same native binary as Parley. No auth, no
// storage, no decoding: a socket's first binary frame names its room, every later frame is published
// as is to that room's topic (the sender included, as the chat servers do).
import { loadUws } from '@parley/server';

interface SocketData {
  room?: string;
}

const uws = loadUws();
const app = uws.App();
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
    } else {
      app.publish(data.room, message, true);
    }
  },
});
app.listen('0.0.0.0', Number(process.env.PORT ?? 0), (socket) => {
  if (!socket) throw new Error('uws-relay: could not listen');
  process.stdout.write(`uws-relay listening on http://127.0.0.1:${uws.us_socket_local_port(socket as never)}\n`);
});
