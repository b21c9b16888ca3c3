// Assembles a Parley node: store, auth, broker, hub, transport; and takes it down gracefully.
import { CloseCode, Op } from '@parley/sdk/protocol';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Authenticator, type AuthConfig } from './auth.js';
import { BotRegistry } from './bots/registry.js';
import type { Broker } from './broker/broker.js';
import { LocalBroker } from './broker/local.js';
import { RedisBroker } from './broker/redis.js';
import { RedisPresence } from './broker/redis-presence.js';
import { ConfigError, type Config } from './config.js';
import { Hub } from './core/hub.js';
import { Notifications } from './core/notifications.js';
import { LocalBlobStore, type BlobStore } from './files/blob-store.js';
import { Files } from './files/files.js';
import { S3BlobStore } from './files/s3-blob-store.js';
import { uploadIntake } from './files/slabs.js';
import { LinkPreviews } from './outbound/link-previews.js';
import { loadVapidKeys, PushSender } from './outbound/web-push.js';
import { WebhookQueue } from './outbound/webhook-queue.js';
import { WebhookStore } from './store/webhooks.js';
import { guestSecret } from './guest-secret.js';
import { HttpApi } from './http/api.js';
import { OpsEndpoints } from './http/ops.js';
import { Site } from './http/site.js';
import { createLogger, type Logger } from './log.js';
import { PrometheusMetrics } from './metrics/prometheus.js';
import { openStore, type SqlStore, type Store } from './store/index.js';
import { checkAuthConfig, databaseStartError, prepareDataDir, readPublicKey, withAuthVariables } from './startup-checks.js';
import { checkPortFree } from './transport/listen-failure.js';
import { UwsTransport } from './transport/uws.js';

export interface ParleyServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  readonly hub: Hub;
  readonly store: Store;
  /** Open WebSocket connections. */
  readonly connections: number;
  /** True when serving https:// and wss://. */
  readonly secure: boolean;
  /** True once close() began: /readyz answers 503. */
  readonly draining: boolean;
  /**
   * Graceful stop: /readyz fails at once; after drainDelayMs new connections are refused, in-flight
   * requests finish (up to drainTimeoutMs), sockets close with 4007, storage is flushed.
   */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Use this store instead of opening one from the configuration (tests). */
  store?: Store;
  broker?: Broker;
  /** How often the outgoing-webhook queue is polled besides wakes, ms (tests: a long poll shows the wake). */
  webhookPollMs?: number;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<ParleyServer> {
  const log = options.log ?? createLogger({ level: config.logLevel });
  const transport = new UwsTransport(config, log.child({ component: 'transport' })); // first: fail fast without the native binary or a bad certificate
  // A taken port is known before the store takes seconds to open (PGlite) only to be closed again.
  if (!config.reusePort && config.port !== 0) await checkPortFree(config.host, config.port);
  if (!config.databaseUrl) prepareDataDir(config.dataDir);
  const signIn = authConfig(config);
  checkAuthConfig(signIn);
  const store = options.store ?? (await openConfiguredStore(config));
  await store.init();
  // Without guests the key is never used, but the Authenticator wants one: a throwaway.
  const guestKey = signIn.guests
    ? await guestSecret(config.guestSecret, store, options.store || config.databaseUrl ? undefined : config.dataDir, log)
    : randomBytes(32).toString('base64url');
  const auth = withAuthVariables(() => new Authenticator({ ...signIn, guestSecret: guestKey }));
  for (const id of config.rooms) {
    await store.createRoom({ id, name: id, kind: 'public', owner: null, creator: { id: 'parley', name: 'Parley' }, members: [], server: true });
  }
  const broker = options.broker ?? openBroker(config, log);
  const clustered = !(broker instanceof LocalBroker);
  let closing: Promise<void> | undefined;
  const draining = () => closing !== undefined;
  const searchIndexer = 'sql' in store ? (store as SqlStore).searchIndexer : undefined;
  // Read at scrape time only, when `hub` exists.
  const metrics = new PrometheusMetrics({
    searchIndexer,
    get connections() {
      return transport.connectionCount;
    },
    get users(): number {
      return hub.presence.userCount;
    },
    get rooms(): number {
      return hub.roomCount;
    },
    get draining() {
      return draining();
    },
    brokerStats: broker.stats,
    get recovered(): number {
      return (hub.catchUp?.recovered ?? 0) + (hub.userCatchUp?.recovered ?? 0);
    },
    get uploadWaits(): number {
      return uploadIntake.waits;
    },
  });
  store.observeCommits((batch) => {
    metrics.commit(batch.size, batch.flushSeconds, batch.ok);
    for (const wait of batch.queueSeconds) metrics.queueWait(wait);
  });
  const storeLog = log.child({ component: 'store' });
  // While storage is unreachable the outage has its own two lines; the indexer's rounds fail with it.
  let storeDown = false;
  store.observeOutages((change) => {
    storeDown = change.down;
    if (change.down) storeLog.warn('storage unreachable: requests that need it answer `unavailable` until it is back', { reason: change.reason });
    else storeLog.info('storage reachable again', { downMs: change.downMs });
  });
  if (searchIndexer) {
    // Once per run of failed rounds, not per round (one every SEARCH_INDEX_MS while it lasts), and not
    // for a run that began during a storage outage, which is already logged (the failures counter
    // still counts those rounds); its end is logged only when its start was.
    const indexLog = log.child({ component: 'search-index' });
    let warned = false;
    searchIndexer.onHealth = (change) => {
      if (change.failing) {
        if (storeDown) return;
        warned = true;
        indexLog.warn('search indexer rounds failing: searches read the unindexed events row by row until a round succeeds', { err: change.err });
      } else if (warned) {
        warned = false;
        indexLog.info('search indexer rounds succeed again', { failedRounds: change.failures });
      }
    };
  }
  // Bot accounts live in the SQL store's tables (every store this server opens; a test's stand-in may have none).
  const bots = 'sql' in store ? new BotRegistry((store as SqlStore).sql) : undefined;
  const webhooks = 'sql' in store ? new WebhookStore((store as SqlStore).sql) : undefined;
  const hub: Hub = new Hub({ store, broker, auth, config, log, publisher: transport, clustered, metrics, ...(bots && { bots }), ...(webhooks && { webhooks }) });
  // Outgoing webhooks: every node drains the shared queue; a row is claimed by one node at a time.
  const webhookQueue = webhooks
    ? new WebhookQueue({
        store: webhooks,
        guard: hub.guard,
        log: log.child({ component: 'webhooks' }),
        attempts: config.webhookAttempts,
        retryMs: config.webhookRetryMs,
        timeoutMs: config.webhookTimeoutMs,
        pollMs: options.webhookPollMs ?? WEBHOOK_POLL_MS,
        // The embedded store has no other writer: this node's wakes see every message and hook change.
        ...((store as SqlStore).sql.driver !== 'pg' && { idleMs: Math.max(options.webhookPollMs ?? 0, WEBHOOK_IDLE_MS) }),
        ca: config.outboundCa ? readFileSync(config.outboundCa) : undefined,
      })
    : undefined;
  webhookQueue?.start();
  if (webhookQueue) hub.wakeWebhooks = (force) => webhookQueue.wake(force);
  if (broker instanceof RedisBroker) joinCluster(hub, broker, config, log);
  hub.notifications = await openNotifications(hub, store, config, log);
  hub.files = await openFiles(store, config, log);
  hub.files?.start();
  const ops = new OpsEndpoints({ store, broker, draining, metrics, metricsToken: config.metricsToken });
  const site = new Site(config.widgetDir);
  if (!existsSync(join(site.widgetDir, 'widget.js'))) {
    log.warn('the widget is not built: /widget.js will answer 404 (run `npm run build`, or set PARLEY_WIDGET_DIR)', { dir: site.widgetDir });
  }
  transport.attach(hub, new HttpApi(hub, (o) => transport.originAllowed(o), ops, site, (o) => transport.ownOrigin(o)));
  const port = await transport.listen();
  if (!config.origins) log.warn('PARLEY_ORIGINS is not set: browsers from any origin may connect');
  else if (config.publicUrls.length === 0) {
    log.warn('PARLEY_PUBLIC_URL is not set: of this server\'s own pages (the demo page) only those opened at localhost may connect; set it to the URL browsers use, e.g. PARLEY_PUBLIC_URL=https://chat.example.com');
  }

  return {
    port,
    hub,
    store,
    secure: transport.secure,
    get connections() {
      return transport.connectionCount;
    },
    get draining() {
      return draining();
    },
    close() {
      closing ??= (async () => {
        // Readiness already fails (closing is set): give load balancers drainDelayMs to stop sending
        // new clients here while everything still works, then refuse new connections.
        if (config.drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
        transport.stopAccepting();
        await hub.whenIdle(config.drainTimeoutMs);
        transport.closeAll(CloseCode.Reconnect, 'server restarting');
        await webhookQueue?.close();
        await hub.close();
        await hub.files?.close();
        await broker.close();
        if (!options.store) await store.close();
      })();
      return closing;
    },
  };
}

/** The store the configuration names; failures to reach PostgreSQL are said in terms of DATABASE_URL. */
async function openConfiguredStore(config: Config): Promise<Store> {
  try {
    return await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      schema: config.dbSchema,
      maxInFlight: config.dbPipeline,
      sharedBuffers: config.pgliteSharedBuffers,
      searchLanguage: config.searchLanguage,
    });
  } catch (err) {
    throw (config.databaseUrl && databaseStartError(config.databaseUrl, err)) || err;
  }
}

/** Catch-up after Redis reconnects, and presence over every node. */
function joinCluster(hub: Hub, broker: RedisBroker, config: Config, log: Logger): void {
  broker.onResync(() => {
    void hub.catchUp?.resync();
    void hub.userCatchUp?.resync();
  });
  const directory = new RedisPresence({
    client: broker.commands,
    prefix: config.redisPrefix,
    ttlMs: config.presenceTtlMs,
    log,
    announce: (room, user, name, state) => hub.publishRoom(room, { t: Op.Presence, room, user, name, state }),
    snapshot: () => hub.announcer.snapshot(),
    rewritten: () => hub.announcer.reannounce(),
    nodeId: hub.nodeId,
    gone: (node) => hub.calls.nodeGone(node),
  });
  hub.announcer.use(directory);
}

/** Redis when configured (several nodes), else the in-process broker. */
function openBroker(config: Config, log: Logger): Broker {
  if (!config.redisUrl) return new LocalBroker();
  if (!config.databaseUrl) {
    log.warn('REDIS_URL is set without DATABASE_URL: each node keeps its own embedded store, so nodes will not share rooms or history');
  }
  const broker = new RedisBroker({ url: config.redisUrl, prefix: config.redisPrefix, log });
  broker.start();
  return broker;
}

/** How often each node looks at the outgoing-webhook queue, ms: the delay of a delivery at rest. */
const WEBHOOK_POLL_MS = 250;
/** With the embedded store, the longest wait between looks while nothing is queued, ms (a safety net: wakes and retry times drive it). */
const WEBHOOK_IDLE_MS = 30_000;

/** The sign-in settings; `guestSecret` is the configured one ('' when the store is to provide it). */
function authConfig(config: Config): AuthConfig {
  const hostKey = Boolean(config.jwtSecret || config.jwtPublicKey);
  return {
    secret: config.jwtSecret,
    publicKey: readPublicKey(config.jwtPublicKey),
    algorithms: config.jwtAlgorithms,
    audience: config.jwtAudience,
    issuer: config.jwtIssuer,
    clockToleranceSec: config.jwtClockTolerance,
    guests: config.guests ?? !hostKey,
    guestSecret: config.guestSecret ?? '',
    guestTtlSec: config.guestTtl,
  };
}

/** Web Push with the deployment's VAPID keys (made on first start) and link previews (ADR 0016). */
/** Uploads and downloads (protocol section 24), unless PARLEY_UPLOAD_MAX_BYTES is 0. */
async function openFiles(store: Store, config: Config, log: Logger): Promise<Files | undefined> {
  if (config.uploadMaxBytes === 0) return undefined;
  const dir = config.fileDir ?? join(config.dataDir, 'files');
  let blobs: BlobStore;
  if (config.fileStore === 's3') {
    if (!config.s3Bucket) throw new ConfigError('PARLEY_FILE_STORE=s3 needs PARLEY_S3_BUCKET (and usually PARLEY_S3_ENDPOINT and keys)');
    blobs = new S3BlobStore({
      bucket: config.s3Bucket,
      region: config.s3Region,
      endpoint: config.s3Endpoint,
      pathStyle: config.s3PathStyle,
      accessKey: config.s3AccessKey,
      secretKey: config.s3SecretKey,
    });
  } else {
    blobs = new LocalBlobStore(dir);
  }
  // Signed download URLs must verify on every node: one key, kept in the store.
  const key = Buffer.from(await store.sharedSetting('file_url_key', randomBytes(32).toString('base64url')), 'base64url');
  return new Files(store, blobs, config, log.child({ component: 'files' }), key, join(dir, 'staging'));
}

async function openNotifications(hub: Hub, store: Store, config: Config, log: Logger): Promise<Notifications> {
  const ca = config.outboundCa ? readFileSync(config.outboundCa) : undefined;
  const https = config.publicUrls.find((u) => u.startsWith('https:'));
  const sender = new PushSender({ keys: await loadVapidKeys(store), subject: config.vapidSubject ?? https ?? 'mailto:postmaster@localhost', guard: hub.guard, ca });
  const previewLog = log.child({ component: 'link-previews' });
  const previews = config.linkPreviews
    ? new LinkPreviews(store.notify, { guard: hub.guard, ca }, (url, reason) => previewLog.info('link not previewed', { url, reason }))
    : undefined;
  return new Notifications({
    store,
    announcer: hub.announcer,
    connectedHere: (user) => hub.sessionsOf(user).size > 0,
    sender,
    previews,
    log: log.child({ component: 'push' }),
  });
}
