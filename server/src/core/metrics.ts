// What the node reports to its metrics (the Prometheus exporter in ../metrics implements it). Calls sit
// on hot paths, so an implementation must be a few additions: no allocation, no string building.
import type { ErrorCode } from '@parley/sdk/protocol';

export interface Metrics {
  /** A send was stored as a new message (retried duplicates are not counted). */
  messageIn(): void;
  /** One frame was handed to `subscribers` local sockets (fan-out deliveries = their sum). */
  fannedOut(subscribers: number): void;
  /** Seconds from the store's ack of a message to the end of its publish (with the in-process broker: local delivery). */
  fanoutLatency(seconds: number): void;
  /** Seconds from a send's arrival to its ack (stored), as its author waits for it. */
  sendAck(seconds: number): void;
  /** An error frame with `code` was sent to a client. */
  errorFrame(code: ErrorCode): void;
  /** A WebSocket closed with `code` (either side). */
  socketClosed(code: number): void;
  /** A WebSocket was aborted because its client did not read what was sent to it (a slow consumer). */
  slowConsumerDropped(): void;
  /** An HTTP request to `path` was answered with `status`. */
  httpRequest(path: string, status: number): void;
  /** A message waited `seconds` in the store's queue before its group-commit batch started. */
  queueWait(seconds: number): void;
  /** A group-commit batch of `size` appends took `seconds` to flush; `ok` false when it failed. */
  commit(size: number, seconds: number, ok: boolean): void;
}

/** Metrics that go nowhere (embedders and unit tests that do not need them). */
export const noMetrics: Metrics = {
  messageIn() {},
  fannedOut() {},
  fanoutLatency() {},
  sendAck() {},
  errorFrame() {},
  socketClosed() {},
  slowConsumerDropped() {},
  httpRequest() {},
  queueWait() {},
  commit() {},
};
