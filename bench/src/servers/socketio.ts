// The Socket.IO 4 peer: a chat relay with rooms and `io.to(room).emit`, WebSocket transport only,
// HS256 tokens checked at the namespace connect like Parley's hello. With REDIS_URL it uses the
// Redis adapter so that several nodes share rooms.
import { createAdapter } from '@socket.io/redis-adapter';
import jwt from 'jsonwebtoken';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const secret = process.env.BENCH_JWT_SECRET;
if (!secret) throw new Error('socketio peer: BENCH_JWT_SECRET is required');

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });

if (process.env.REDIS_URL) {
  const pub = createClient({ url: process.env.REDIS_URL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

io.use((socket, next) => {
  try {
    const claims = jwt.verify(String(socket.handshake.auth.token), secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    socket.data.user = claims.sub;
    next();
  } catch {
    next(new Error('unauthorized'));
  }
});

io.on('connection', (socket) => {
  socket.on('join', (room: string, ack?: () => void) => {
    void socket.join(room);
    socket.data.room = room;
    ack?.();
  });
  socket.on('msg', (body: string) => {
    const room = socket.data.room as string | undefined;
    if (room !== undefined) io.to(room).emit('msg', body);
  });
});

http.listen(Number(process.env.PORT ?? 0), '0.0.0.0', () => {
  process.stdout.write(`socketio listening on http://127.0.0.1:${(http.address() as AddressInfo).port}\n`);
});
