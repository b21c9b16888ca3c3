// A broker that loses chosen publishes, and two nodes of which one loses them, for tests of what
// storage recovers when the fast path drops.
import { configWith, RedisBroker, silentLogger, startServer, type Broker, type ParleyServer } from '@parley/server';
import { REDIS_URL, uniquePrefix } from './redis.js';
import { dropStorage, freshStorage, startNode, type TestNode } from './server.js';

/** Passes everything to a Redis broker except the publishes `drop` picks: a fan-out lost on the way. */
export class DroppingBroker implements Broker {
  constructor(
    readonly inner: RedisBroker,
    readonly drop: (channel: string) => boolean,
  ) {}
  get stats() {
    return this.inner.stats;
  }
  publish(channel: string, frame: Uint8Array): void {
    if (!this.drop(channel)) this.inner.publish(channel, frame);
  }
  subscribe(channel: string): void {
    this.inner.subscribe(channel);
  }
  unsubscribe(channel: string): void {
    this.inner.unsubscribe(channel);
  }
  onFrame(handler: (channel: string, frame: Uint8Array) => void): void {
    this.inner.onFrame(handler);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Two nodes on one PostgreSQL schema and Redis prefix, catching up every 100 ms; `lossy` drops what `drop` picks. */
export interface LossyPair {
  a: TestNode;
  lossy: ParleyServer;
  /** Stops both nodes and removes the storage. */
  stop(): Promise<void>;
}

export async function lossyPair(drop: (channel: string) => boolean): Promise<LossyPair> {
  const storage = freshStorage('postgres');
  const prefix = uniquePrefix();
  const broker = new RedisBroker({ url: REDIS_URL, prefix, log: silentLogger });
  broker.start();
  const a = await startNode('postgres', { redisUrl: REDIS_URL, redisPrefix: prefix, catchUpMs: 100 }, storage);
  const lossy = await startServer(configWith({ ...a.config, port: 0 }), { log: silentLogger, broker: new DroppingBroker(broker, drop) });
  return {
    a,
    lossy,
    async stop() {
      await lossy.close();
      await a.stop();
      await dropStorage(storage);
    },
  };
}
