// Shared test setup: a fake server and clients wired to it with short timings, all closed after each test.
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import { ChatClient, type ClientEvents, type ClientOptions } from '../src/index.js';
import { FakeServer, type FakeServerOptions } from './fake-server.js';

const servers: FakeServer[] = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

export async function startServer(options?: FakeServerOptions): Promise<FakeServer> {
  const server = await FakeServer.start(options);
  servers.push(server);
  return server;
}

export function makeClient(server: FakeServer, options: Partial<ClientOptions> = {}): ChatClient {
  const client = new ChatClient({
    url: server.url,
    token: 'alice',
    WebSocket,
    requestTimeoutMs: 1000,
    reconnect: { minDelayMs: 10, maxDelayMs: 40 },
    gapFillDelayMs: 50,
    ...options,
  });
  clients.push(client);
  return client;
}

/** Records every `name` event of `client` into an array. */
export function record<K extends keyof ClientEvents>(client: ChatClient, name: K): ClientEvents[K][] {
  const seen: ClientEvents[K][] = [];
  client.on(name, (ctx) => seen.push(ctx));
  return seen;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Seqs of the recorded room events, in delivery order. */
export const seqs = (events: ClientEvents['event'][]): number[] => events.map(({ event }) => event.seq);
