// The Broker carries encoded frames on named channels (a room's, a user's) to every node, this one
// included. It is only a fast path: storage is the truth, and clients recover anything a broker drops
// through seq gaps and resume.

export interface Broker {
  /** Delivers `frame` to the channel's subscribers on every node. May drop under failure. */
  publish(channel: string, frame: Uint8Array): void;
  /** This node now has local subscribers of `channel` (first one). */
  subscribe(channel: string): void;
  /** This node no longer has local subscribers of `channel` (last one left). */
  unsubscribe(channel: string): void;
  /** Called for every frame published to a channel this node subscribes to, from any node. */
  onFrame(handler: (channel: string, frame: Uint8Array) => void): void;
  /** Resolves when the broker is reachable now; rejects with the reason otherwise (readiness). */
  ping(): Promise<void>;
  /** Counters since start, read by /metrics. */
  readonly stats: BrokerStats;
  close(): Promise<void>;
}

export interface BrokerStats {
  /** Times the connection to the broker was re-established after a loss. */
  reconnects: number;
  /** Frames handed to publish(). */
  published: number;
  /** Frames received from the broker. */
  received: number;
}
