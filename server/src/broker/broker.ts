// The Broker carries encoded room frames to every node (this one included). It is only a fast path:
// storage is the truth, and clients recover anything a broker drops through seq gaps and resume.

export interface Broker {
  /** Delivers `frame` to the room's subscribers on every node. May drop under failure. */
  publish(room: string, frame: Uint8Array): void;
  /** This node now has local subscribers of `room` (first one). */
  subscribe(room: string): void;
  /** This node no longer has local subscribers of `room` (last one left). */
  unsubscribe(room: string): void;
  /** Called for every frame published to a room this node subscribes to, from any node. */
  onFrame(handler: (room: string, frame: Uint8Array) => void): void;
  close(): Promise<void>;
}
