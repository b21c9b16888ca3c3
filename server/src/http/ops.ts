// Operations endpoints: liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics).
// Readiness fails while the node drains and whenever storage or the broker cannot be reached.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpReply, HttpRequest } from './api.js';

export interface OpsDeps {
  /** Storage; readiness pings it. */
  store: { ping(): Promise<void> };
  /** Broker; readiness pings it. */
  broker: { ping(): Promise<void> };
  /** True once the node has begun its graceful stop. */
  draining: () => boolean;
  /** Exposition text and its Content-Type. */
  metrics: { scrape(): Promise<string>; readonly contentType: string };
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** Longest wait for one dependency in a readiness check, ms. Default 2000. */
  checkTimeoutMs?: number;
}

const PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export class OpsEndpoints {
  private readonly tokenDigest: Buffer | undefined;

  constructor(private readonly deps: OpsDeps) {
    this.tokenDigest = deps.metricsToken === undefined ? undefined : digest(deps.metricsToken);
  }

  handles(path: string): boolean {
    return PATHS.has(path);
  }

  async handle(req: HttpRequest): Promise<HttpReply> {
    if (req.method !== 'GET') return { status: 405, body: { error: { code: 'method_not_allowed', message: 'method not allowed' } } };
    if (req.path === '/healthz') return { status: 200, body: { ok: true } };
    if (req.path === '/readyz') return this.readiness();
    return this.metrics(req);
  }

  /** This node's exposition text, whoever asks (callers check who may see it). */
  scrape(): Promise<string> {
    return this.deps.metrics.scrape();
  }

  private async readiness(): Promise<HttpReply> {
    if (this.deps.draining()) return notReady('draining', { store: 'skipped', broker: 'skipped' });
    const timeout = this.deps.checkTimeoutMs ?? 2000;
    const [store, broker] = await Promise.all([check(this.deps.store.ping(), timeout), check(this.deps.broker.ping(), timeout)]);
    // Draining may have begun while the checks ran.
    if (this.deps.draining()) return notReady('draining', { store, broker });
    if (store !== 'ok') return notReady(`store unreachable: ${store}`, { store, broker });
    if (broker !== 'ok') return notReady(`broker unreachable: ${broker}`, { store, broker });
    return { status: 200, body: { ready: true, checks: { store, broker } } };
  }

  private async metrics(req: HttpRequest): Promise<HttpReply> {
    if (this.tokenDigest && !this.authorized(req.authorization)) {
      return {
        status: 401,
        body: { error: { code: 'unauthorized', message: 'send Authorization: Bearer <metrics token>' } },
        headers: { 'www-authenticate': 'Bearer realm="metrics"' },
      };
    }
    return { status: 200, body: await this.deps.metrics.scrape(), headers: { 'content-type': this.deps.metrics.contentType } };
  }

  private authorized(header: string): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    // Digests have one length, so the comparison is constant-time whatever was sent.
    return m !== null && timingSafeEqual(digest(m[1]!), this.tokenDigest!);
  }
}

function notReady(reason: string, checks: Record<string, string>): HttpReply {
  return { status: 503, body: { ready: false, reason, checks }, headers: { 'retry-after': '1' } };
}

/** 'ok', or why the dependency did not answer within `timeoutMs`. */
async function check(ping: Promise<void>, timeoutMs: number): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)));
  try {
    return await Promise.race([ping.then(() => 'ok'), timedOut]);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
