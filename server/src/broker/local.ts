// In-process broker for a single node: a publish is delivered synchronously to this node's subscribers.
import type { Broker, BrokerStats } from './broker.js';

export class LocalBroker implements Broker {
  readonly stats: BrokerStats = { reconnects: 0, published: 0, received: 0 };
  private handler: (channel: string, frame: Uint8Array) => void = () => {};

  publish(channel: string, frame: Uint8Array): void {
    this.stats.published++;
    this.stats.received++;
    this.handler(channel, frame);
  }
  subscribe(): void {}
  unsubscribe(): void {}
  onFrame(handler: (channel: string, frame: Uint8Array) => void): void {
    this.handler = handler;
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
