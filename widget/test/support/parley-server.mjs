// Starts a real Parley node (server/dist, embedded PGlite in a temp dir, port 0) for the widget's
// browser tests and screenshots, mints user tokens and seeds rooms with SDK clients.
import { ChatClient } from '@parley/sdk';
import { configWith, silentLogger, startServer } from '@parley/server';
import jwt from 'jsonwebtoken';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const SECRET = 'widget-test-secret-that-is-at-least-32-bytes';

/** A running node: `http` is its base URL; `stop()` closes it and removes its data. */
export async function startParley() {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-widget-'));
  const server = await startServer(
    configWith({ host: '127.0.0.1', port: 0, jwtSecret: SECRET, guests: true, guestSecret: `${SECRET}-guest`, rooms: ['lobby'], dataDir, drainTimeoutMs: 500 }),
    { log: silentLogger },
  );
  const http = `http://127.0.0.1:${server.port}`;
  return {
    http,
    ws: `ws://127.0.0.1:${server.port}/ws`,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An HS256 token for user `sub`, valid for 10 minutes. */
export function tokenFor(sub, name = sub) {
  return jwt.sign({ sub, name }, SECRET, { algorithm: 'HS256', expiresIn: 600 });
}

/** A connected SDK client for `sub` (a bot in tests). */
export async function connectAs(ws, sub, name = sub) {
  const client = new ChatClient({ url: ws, token: tokenFor(sub, name), WebSocket });
  await client.connect();
  return client;
}
