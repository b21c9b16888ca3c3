// Broker over Redis pub/sub for several nodes: one Redis channel per room or user topic under a
// prefix, subscribed only while this node has local subscribers. A fast path that may drop: storage
// is the truth, and the hub's catch-up delivers what a lost connection missed (see onResync).
import { createClient } from 'redis';
import type { Logger } from '../log.js';
import type { Broker, BrokerStats } from './broker.js';

export interface RedisBrokerOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Prepended to every channel, so that several deployments (or test runs) can share one Redis. */
  prefix: string;
  log: Logger;
  /** Longest wait between reconnect attempts, ms. Default 2000. */
  maxBackoffMs?: number;
}

type Client = ReturnType<typeof createClient>;

export class RedisBroker implements Broker {
  readonly stats: BrokerStats = { reconnects: 0, published: 0, received: 0 };
  /** Commands (publish, presence) go here; the subscriber connection is in pub/sub mode and cannot. */
  readonly commands: Client;
  private readonly subscriber: Client;
  private readonly prefix: string;
  private readonly log: Logger;
  /** Channels with local subscribers (unprefixed): what the subscriber connection must listen to. */
  private readonly wanted = new Set<string>();
  private handler: (channel: string, frame: Uint8Array) => void = () => {};
  private readonly resyncHandlers: (() => void)[] = [];
  private subscriberWasReady = false;
  private lostSince: number | undefined;
  private closed = false;

  constructor(options: RedisBrokerOptions) {
    this.prefix = options.prefix;
    this.log = options.log;
    const maxBackoff = options.maxBackoffMs ?? 2000;
    const socket = {
      // Exponential from 50 ms with jitter, capped: quick after a blip, gentle on a Redis that is down.
      reconnectStrategy: (retries: number) => Math.min(maxBackoff, 50 * 2 ** Math.min(retries, 10)) * (0.75 + Math.random() / 2),
      connectTimeout: 5000,
    };
    // A publish while disconnected fails at once instead of queueing without bound: dropped frames
    // are recovered from storage; a memory-hungry queue replayed late would help no one.
    this.commands = createClient({ url: options.url, socket, disableOfflineQueue: true });
    this.subscriber = createClient({ url: options.url, socket });
    this.commands.on('error', (err: unknown) => this.onError('commands', err));
    this.subscriber.on('error', (err: unknown) => this.onError('subscriber', err));
    this.subscriber.on('ready', () => this.onSubscriberReady());
  }

  /**
   * Starts connecting both connections without waiting: a node whose Redis is down still starts and
   * serves (its readiness says why not ready), and keeps retrying with backoff.
   */
  start(): void {
    for (const client of [this.commands, this.subscriber]) {
      client.connect().catch((err: unknown) => {
        if (!this.closed) this.log.error('redis connection abandoned', { err });
      });
    }
  }

  publish(channel: string, frame: Uint8Array): void {
    this.stats.published++;
    if (!this.commands.isReady) return; // dropped: the catch-up recovers events from storage
    // Same-tick publishes leave in one socket write (node-redis pipelines automatically).
    this.commands.publish(this.prefix + channel, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)).catch(() => {});
  }

  subscribe(channel: string): void {
    this.wanted.add(channel);
    this.subscriber.subscribe(this.prefix + channel, this.onMessage, true).catch((err: unknown) => {
      // Re-attempted for every wanted channel when the connection is back (onSubscriberReady).
      this.log.debug('redis subscribe failed', { channel, err });
    });
  }

  unsubscribe(channel: string): void {
    this.wanted.delete(channel);
    this.subscriber.unsubscribe(this.prefix + channel, this.onMessage, true).catch(() => {});
  }

  onFrame(handler: (channel: string, frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  /** `handler` runs after the subscriber connection came back from a loss and listens again: frames published meanwhile were missed. */
  onResync(handler: () => void): void {
    this.resyncHandlers.push(handler);
  }

  async ping(): Promise<void> {
    if (!this.commands.isReady || !this.subscriber.isReady) throw new Error('redis is not connected');
    await this.commands.ping();
  }

  /** True while both connections are up. */
  get connected(): boolean {
    return this.commands.isReady && this.subscriber.isReady;
  }

  async close(): Promise<void> {
    this.closed = true;
    // close() sends what is already queued (the last presence and drain frames) before quitting.
    await Promise.all([this.commands, this.subscriber].map((c) => (c.isOpen ? c.close().catch(() => c.destroy()) : undefined)));
  }

  private readonly onMessage = (message: Buffer, channel: Buffer): void => {
    this.stats.received++;
    const name = channel.toString('utf8').slice(this.prefix.length);
    this.handler(name, new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
  };

  private onSubscriberReady(): void {
    // A first connection after a failed start missed frames too: nothing could be subscribed.
    const missed = this.subscriberWasReady || this.lostSince !== undefined;
    if (this.subscriberWasReady) this.stats.reconnects++;
    if (missed) this.log.warn('redis reachable again', { downMs: this.lostSince === undefined ? 0 : Date.now() - this.lostSince });
    this.subscriberWasReady = true;
    this.lostSince = undefined;
    // node-redis re-subscribes the channels it had confirmed; a subscribe that failed mid-outage it
    // forgot. Asking again for every wanted channel costs nothing for the ones it already has.
    if (this.wanted.size > 0) {
      const channels = [...this.wanted].map((c) => this.prefix + c);
      this.subscriber.subscribe(channels, this.onMessage, true).then(
        () => missed && this.resync(),
        (err: unknown) => this.log.warn('redis re-subscribe failed', { err }),
      );
    } else if (missed) {
      this.resync();
    }
  }

  private resync(): void {
    for (const h of this.resyncHandlers) h();
  }

  private onError(which: string, err: unknown): void {
    if (this.lostSince === undefined) {
      this.lostSince = Date.now();
      if (!this.closed) this.log.warn('redis connection lost; retrying', { connection: which, err });
    }
  }
}
