// In-process broker for a single node: a publish is delivered synchronously to this node's subscribers.
import type { Broker } from './broker.js';

export class LocalBroker implements Broker {
  private handler: (channel: string, frame: Uint8Array) => void = () => {};

  publish(channel: string, frame: Uint8Array): void {
    this.handler(channel, frame);
  }
  subscribe(): void {}
  unsubscribe(): void {}
  onFrame(handler: (channel: string, frame: Uint8Array) => void): void {
    this.handler = handler;
  }
  async close(): Promise<void> {}
}
