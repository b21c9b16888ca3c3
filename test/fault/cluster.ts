// The system under fault: server node processes (server/dist/main.js) behind a round-robin TCP load
// balancer, over a private Redis and a private PostgreSQL, with the faults a scenario injects.
import pg from 'pg';
import { startProcess, type ServerProcess } from '../support/process.js';
import { scrape } from '../support/prometheus.js';
import { TEST_SECRET } from '../support/server.js';
import { PrivatePostgres, PrivateRedis } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';

export interface ClusterOptions {
  nodes: number;
  /** Public rooms every node creates at start-up. */
  rooms: string[];
  /** PARLEY_PRESENCE_TTL_MS of the nodes. */
  presenceTtlMs: number;
  /** PARLEY_CATCHUP_MS of the nodes. */
  catchUpMs: number;
  /** PARLEY_SEND_RATE and PARLEY_FRAME_RATE of the nodes; absent: the server's defaults. */
  rates?: { send: number; frame: number };
}

export interface StoredEvent {
  room: string;
  seq: number;
  id: string;
  kind: string;
  author: string;
  body: string | null;
}

export class FaultCluster {
  readonly redis = new PrivateRedis();
  readonly postgres = new PrivatePostgres();
  readonly nodes: (ServerProcess | undefined)[] = [];
  balancer!: TcpProxy;
  private db!: pg.Pool;

  constructor(readonly options: ClusterOptions) {}

  /** The load balancer's WebSocket URL: clients reconnecting through it land on any live node. */
  get url(): string {
    return `ws://127.0.0.1:${this.balancer.port}/ws`;
  }

  /** A node's own WebSocket URL (a client pinned to it). */
  nodeUrl(i: number): string {
    return `ws://127.0.0.1:${this.nodes[i]!.port}/ws`;
  }

  async start(): Promise<void> {
    await this.postgres.init();
    await Promise.all([this.postgres.start(), this.redis.start()]);
    this.db = new pg.Pool({ connectionString: this.postgres.url, max: 2 });
    this.db.on('error', () => {}); // idle connections die when PostgreSQL is restarted
    // One at a time: the first migrates, the others find the schema ready.
    for (let i = 0; i < this.options.nodes; i++) this.nodes.push(await this.spawn());
    this.balancer = new TcpProxy(this.livePorts());
    await this.balancer.start();
  }

  async stop(): Promise<void> {
    await this.balancer?.cut();
    await Promise.all(this.nodes.map((n) => n?.stop()));
    await this.db?.end().catch(() => {});
    await this.redis.kill();
    await this.postgres.destroy();
  }

  /** kill -9 of node `i`: no drain, no goodbye to Redis. */
  async killNode(i: number): Promise<void> {
    const node = this.nodes[i]!;
    const exited = new Promise((resolve) => node.child.once('exit', resolve));
    node.child.kill('SIGKILL');
    await exited;
    this.nodes[i] = undefined;
    this.balancer.setTargets(this.livePorts());
  }

  async restartNode(i: number): Promise<void> {
    this.nodes[i] = await this.spawn();
    this.balancer.setTargets(this.livePorts());
  }

  /** Redis is killed and comes back empty after `downMs`. */
  async restartRedis(downMs: number): Promise<void> {
    await this.redis.kill();
    await new Promise((r) => setTimeout(r, downMs));
    await this.redis.start();
  }

  /** PostgreSQL crashes (immediate stop) and comes back after `downMs`. */
  async restartPostgres(downMs: number): Promise<void> {
    await this.postgres.crash();
    await new Promise((r) => setTimeout(r, downMs));
    await this.postgres.start();
  }

  /** The network between clients and nodes goes: open connections are reset, new ones refused. */
  cutNetwork(): Promise<void> {
    return this.balancer.cut();
  }

  /** The network is back, on the same address. */
  restoreNetwork(): Promise<void> {
    return this.balancer.start();
  }

  /** A counter of every live node (from its /metrics), by node port. */
  async counter(name: string, labels: Record<string, string>): Promise<Map<number, number>> {
    const ports = this.livePorts();
    const values = await Promise.all(ports.map(async (port) => (await scrape(`http://127.0.0.1:${port}/metrics`)).value(name, labels) ?? 0));
    return new Map(ports.map((port, i) => [port, values[i]!]));
  }

  /** The room's stored log, in seq order (retrying while the database is coming back). */
  async log(room: string): Promise<StoredEvent[]> {
    const { rows } = await this.query<StoredEvent>(
      'SELECT room_id AS room, seq::int, id, kind, author, body FROM parley.events WHERE room_id = $1 ORDER BY seq',
      [room],
    );
    return rows;
  }

  async heads(rooms: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.query<{ id: string; head: number }>('SELECT id, head_seq::int AS head FROM parley.rooms WHERE id = ANY($1)', [rooms]);
    return new Map(rows.map((r) => [r.id, r.head]));
  }

  private async query<R extends pg.QueryResultRow>(text: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.query<R>(text, params);
      } catch (err) {
        if (attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private livePorts(): number[] {
    return this.nodes.filter((n): n is ServerProcess => n !== undefined).map((n) => n.port);
  }

  private spawn(): Promise<ServerProcess> {
    const { rates } = this.options;
    return startProcess({
      PARLEY_HOST: '127.0.0.1',
      PARLEY_PORT: '0',
      DATABASE_URL: this.postgres.url,
      REDIS_URL: this.redis.url,
      PARLEY_REDIS_PREFIX: 'fault:',
      PARLEY_JWT_SECRET: TEST_SECRET,
      PARLEY_GUESTS: 'false',
      PARLEY_ROOMS: this.options.rooms.join(','),
      // The fast profile sets the per-connection limits far above its traffic, requests in progress too.
      ...(rates && { PARLEY_SEND_RATE: String(rates.send), PARLEY_FRAME_RATE: String(rates.frame), PARLEY_MAX_PENDING: '1000' }),
      PARLEY_MAX_BACKPRESSURE: '65536',
      // After a long network cut every client's backlog lands at once (thousands of events a room)
      // while some clients are still waiting out their reconnect delay: they must resume, not reset.
      PARLEY_RESUME_LIMIT: '50000',
      PARLEY_CATCHUP_MS: String(this.options.catchUpMs),
      PARLEY_PRESENCE_TTL_MS: String(this.options.presenceTtlMs),
      PARLEY_DRAIN_TIMEOUT_MS: '1000',
      PARLEY_LOG_LEVEL: 'error',
    });
  }
}
