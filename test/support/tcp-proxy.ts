// A TCP proxy a test can cut and restore, to take a service away from the server the way a network
// or a crash would (connections reset, new ones refused) and give it back, or make it lose answers
// (requests still arrive). Given several backends it is a round-robin load balancer that skips
// backends refusing connections (a killed node).
import type { Config, Logger } from '@parley/server';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freshStorage, PG_URL, startNode, type TestNode } from './server.js';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Open connections: the client's side and the backend's. */
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private targets: number[];
  private turn = 0;
  port = 0;

  constructor(
    target: number | readonly number[],
    private readonly targetHost = '127.0.0.1',
  ) {
    this.targets = typeof target === 'number' ? [target] : [...target];
  }

  /** Replaces the backends (e.g. a restarted node on a new port); open connections stay where they are. */
  setTargets(ports: readonly number[]): void {
    this.targets = [...ports];
  }

  /** Starts listening (on the previous port after a cut, so clients find it again). */
  async start(): Promise<void> {
    const server = createServer((client) => {
      client.pause(); // until a backend accepted: nothing read may be written to a refusing one
      this.track(client);
      this.pipeTo(client, this.turn++ % Math.max(1, this.targets.length), 0);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /**
   * From now on the backends' answers on open connections are dropped on the way back, while the
   * clients' bytes still reach them: the backend acts on a request whose reply is lost.
   */
  loseReplies(): void {
    for (const { client, upstream } of this.pairs) {
      upstream.unpipe(client);
      upstream.on('data', () => {}).resume();
    }
  }

  /** Resets every connection and stops accepting new ones. */
  async cut(): Promise<void> {
    for (const s of this.sockets) s.resetAndDestroy();
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private pipeTo(client: Socket, index: number, tried: number): void {
    if (client.destroyed) return;
    if (tried >= this.targets.length) return void client.resetAndDestroy();
    const upstream = connect(this.targets[index % this.targets.length]!, this.targetHost);
    upstream.once('error', () => {
      upstream.destroy();
      this.pipeTo(client, index + 1, tried + 1);
    });
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      if (client.destroyed) return void upstream.destroy();
      this.track(upstream);
      const pair = { client, upstream };
      this.pairs.add(pair);
      client.once('close', () => this.pairs.delete(pair));
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.resume();
    });
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => s.destroy());
  }
}

/** A PostgreSQL-backed node that reaches the database through a TcpProxy, so a test can cut it. */
export interface NodeBehindProxy {
  node: TestNode;
  proxy: TcpProxy;
  /** Restores the database (so the schema can be dropped), destroys the node, closes the proxy. */
  destroy(): Promise<void>;
}

export async function startNodeBehindProxy(overrides: Partial<Config> = {}, log?: Logger): Promise<NodeBehindProxy> {
  const pg = new URL(PG_URL);
  const proxy = new TcpProxy(Number(pg.port || 5432), pg.hostname);
  await proxy.start();
  pg.port = String(proxy.port);
  const node = await startNode('postgres', overrides, { ...freshStorage('postgres'), databaseUrl: pg.toString() }, log);
  return {
    node,
    proxy,
    async destroy() {
      await proxy.start().catch(() => {});
      await node.destroy();
      await proxy.cut();
    },
  };
}
