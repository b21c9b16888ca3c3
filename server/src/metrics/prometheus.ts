// The node's Prometheus metrics (prom-client), one registry per server. Counters on hot paths are
// pre-bound; gauges and broker counters are read from the node only when Prometheus scrapes.
import { CloseCode, ErrorCode } from '@parley/sdk/protocol';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BrokerStats } from '../broker/broker.js';
import type { Metrics } from '../core/metrics.js';
import { routeLabel } from '../http/routes.js';
import { BucketHistogram } from './bucket-histogram.js';
import { eventLoopDelayHistogram } from './event-loop-delay.js';

/** What the scrape-time gauges read. */
export interface NodeState {
  readonly connections: number;
  readonly users: number;
  readonly rooms: number;
  readonly draining: boolean;
  readonly brokerStats: BrokerStats;
  /** Room events delivered from storage because the broker had dropped them (several nodes). */
  readonly recovered: number;
  /** Upload requests that waited their turn to be read (the body per turn of the event loop was spent). */
  readonly uploadWaits: number;
  /** The SQL store's search indexer (absent with a stand-in store). */
  readonly searchIndexer?: SearchIndexerState | undefined;
}

/** What the search-indexer metrics read at scrape time. */
export interface SearchIndexerState {
  readonly counters: { readonly rounds: number; readonly failures: number };
  pending(): Promise<number>;
}

/** The Content-Type of the exposition format. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Close codes given their own label value; any other code a peer sends counts as "other" (bounded series). */
const KNOWN_CLOSE_CODES = [...new Set([...Object.values(CloseCode), 1000, 1001, 1005, 1006, 1009, 1011])];

let processRegistry: Registry | undefined;

/**
 * Process metrics (CPU, memory, event loop, GC) once per process: they describe the process, not a
 * node, and each collector keeps observers alive for good, so several nodes in one process share one.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    eventLoopDelayHistogram().registerIn(processRegistry);
  }
  return processRegistry;
}

const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];

export class PrometheusMetrics implements Metrics {
  private readonly registry = new Registry();
  /** This node's metrics and the process metrics, as one scrape. */
  private readonly exposed: Registry;
  readonly contentType = METRICS_CONTENT_TYPE;
  private readonly messagesIn: Counter;
  private readonly deliveries: Counter;
  private readonly fanout: Histogram;
  private readonly sendAckSeconds: BucketHistogram;
  private readonly queueWaitSeconds: BucketHistogram;
  private readonly commitSeconds: Histogram;
  private readonly batchSize: Histogram;
  private readonly commitFailures: Counter;
  private readonly errorsByCode: Record<string, Counter.Internal>;
  private readonly closesByCode = new Map<number, Counter.Internal>();
  private readonly otherCloses: Counter.Internal;
  private readonly slowConsumerCloses: Counter.Internal;
  private readonly http: Counter<'route' | 'status'>;

  constructor(node: NodeState) {
    const registers = [this.registry];

    new Gauge({ name: 'parley_connections', help: 'Open WebSocket connections.', registers, collect() { this.set(node.connections); } });
    new Gauge({ name: 'parley_users', help: 'Signed-in users with at least one connection on this node.', registers, collect() { this.set(node.users); } });
    new Gauge({ name: 'parley_rooms', help: 'Rooms with at least one local subscriber.', registers, collect() { this.set(node.rooms); } });
    new Gauge({ name: 'parley_draining', help: '1 while the node drains for shutdown (readiness fails), else 0.', registers, collect() { this.set(node.draining ? 1 : 0); } });

    this.messagesIn = new Counter({ name: 'parley_messages_in_total', help: 'Messages accepted and stored (sends acked; retried duplicates excluded).', registers });
    this.deliveries = new Counter({ name: 'parley_messages_out_total', help: 'Frames fanned out to local subscribers (room events, presence, typing): each publish times its local subscribers.', registers });
    this.fanout = new Histogram({ name: 'parley_fanout_seconds', help: 'From the store acking a message to the end of its publish (with the in-process broker: delivery to every local subscriber).', buckets: LATENCY_BUCKETS, registers });
    this.sendAckSeconds = new BucketHistogram(
      'parley_send_ack_seconds',
      'From a send arriving to its ack: checks, ordering behind the connection\'s earlier messages, the wait for a batch and the store commit.',
      LATENCY_BUCKETS,
    ).registerIn(this.registry);
    this.queueWaitSeconds = new BucketHistogram(
      'parley_store_queue_wait_seconds',
      'From a message being handed to the store to the start of its group-commit batch: the wait for a free commit slot and for the event loop.',
      LATENCY_BUCKETS,
    ).registerIn(this.registry);
    this.commitSeconds = new Histogram({ name: 'parley_store_commit_seconds', help: 'Flush time of one group-commit batch of appends (one transaction): from handing it to the database to its answer, a pipelined batch\'s wait behind the one ahead included.', buckets: COMMIT_BUCKETS, registers });
    this.batchSize = new Histogram({ name: 'parley_store_batch_size', help: 'Appends per group-commit batch.', buckets: BATCH_BUCKETS, registers });
    this.commitFailures = new Counter({ name: 'parley_store_commit_failures_total', help: 'Group-commit batches that failed (storage unavailable).', registers });

    const errors = new Counter({ name: 'parley_errors_total', help: 'Error frames sent to clients, by protocol error code.', labelNames: ['code'], registers });
    this.errorsByCode = Object.fromEntries(Object.values(ErrorCode).map((code) => [code, errors.labels(code)]));
    // Every known series exists from the start, at 0, so that rate() and dashboards see the first error.
    for (const child of Object.values(this.errorsByCode)) child.inc(0);
    const closes = new Counter({
      name: 'parley_ws_closes_total',
      help: 'WebSocket closes by close code (4xxx: Parley codes; "slow_consumer": aborted for not reading, seen as 1006 by the client; "other": any code a peer made up).',
      labelNames: ['code'],
      registers,
    });
    for (const code of KNOWN_CLOSE_CODES) this.closesByCode.set(code, closes.labels(String(code)));
    this.otherCloses = closes.labels('other');
    this.slowConsumerCloses = closes.labels('slow_consumer');
    for (const child of [...this.closesByCode.values(), this.otherCloses, this.slowConsumerCloses]) child.inc(0);
    this.http = new Counter({ name: 'parley_http_requests_total', help: 'HTTP requests by route and status.', labelNames: ['route', 'status'], registers });

    // Counters kept by the node's parts, read when Prometheus scrapes.
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    const broker = (name: string, help: string, read: (s: BrokerStats) => number) => counter(name, help, () => read(node.brokerStats));
    broker('parley_broker_reconnects_total', 'Times the connection to the broker was re-established after a loss.', (s) => s.reconnects);
    broker('parley_broker_published_total', 'Frames handed to the broker.', (s) => s.published);
    broker('parley_broker_received_total', 'Frames received from the broker.', (s) => s.received);
    counter(
      'parley_catchup_recovered_total',
      'Room events and user-log notices delivered to local subscribers from storage because the broker dropped them (several nodes).',
      () => node.recovered,
    );
    counter(
      'parley_upload_intake_waits_total',
      'Upload requests paused to wait their turn: the body all uploads of the node may take in per turn of the event loop was spent (chat frames are not held behind uploads).',
      () => node.uploadWaits,
    );
    const indexer = node.searchIndexer;
    if (indexer) {
      counter('parley_search_index_rounds_total', 'Search indexer rounds completed on this node (each applies the events stored since the last one).', () => indexer.counters.rounds);
      counter('parley_search_index_failures_total', 'Search indexer rounds that failed on this node (retried at the next tick).', () => indexer.counters.failures);
      new Gauge({
        name: 'parley_search_index_pending_events',
        help: 'Messages and deletes stored but not yet applied to the search table (the whole database; searches read them row by row meanwhile).',
        registers,
        async collect() {
          // A scrape while storage is away still answers, with NaN here rather than a stale figure.
          try {
            this.set(await indexer.pending());
          } catch {
            this.set(Number.NaN);
          }
        },
      });
    }
    this.exposed = Registry.merge([this.registry, processMetrics()]);
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  scrape(): Promise<string> {
    return this.exposed.metrics();
  }

  messageIn(): void {
    this.messagesIn.inc();
  }

  fannedOut(subscribers: number): void {
    if (subscribers > 0) this.deliveries.inc(subscribers);
  }

  fanoutLatency(seconds: number): void {
    this.fanout.observe(seconds);
  }

  sendAck(seconds: number): void {
    this.sendAckSeconds.observe(seconds);
  }

  errorFrame(code: ErrorCode): void {
    this.errorsByCode[code]?.inc();
  }

  socketClosed(code: number): void {
    (this.closesByCode.get(code) ?? this.otherCloses).inc();
  }

  slowConsumerDropped(): void {
    this.slowConsumerCloses.inc();
  }

  httpRequest(path: string, status: number): void {
    this.http.labels(routeLabel(path), String(status)).inc();
  }

  queueWait(seconds: number): void {
    this.queueWaitSeconds.observe(seconds);
  }

  commit(size: number, seconds: number, ok: boolean): void {
    this.batchSize.observe(size);
    this.commitSeconds.observe(seconds);
    if (!ok) this.commitFailures.inc();
  }
}
