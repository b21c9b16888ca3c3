// The admin HTTP API for bot accounts (ADR 0017): create bots, list them, add, rotate and revoke keys.
// At /v1/admin/bots: off unless PARLEY_ADMIN_TOKEN is set; every request carries it as
// `Authorization: Bearer <token>`. The same routes under /admin/api/bots take whatever the rest of the
// admin API takes (AdminApi checks it, then calls serve()).
import { createHash, timingSafeEqual } from 'node:crypto';
import { BotAdminError, type BotRegistry } from '../bots/registry.js';
import type { HttpReply, HttpRequest } from './api.js';

/** `/v1/admin/bots`, `/v1/admin/bots/:id/keys`, `/v1/admin/bots/:id/keys/:key[/rotate]` (or under `/admin/api/`). */
const ROUTE = /^\/(?:v1\/admin|admin\/api)\/bots(?:\/([^/]+)\/keys(?:\/([0-9a-f]{16})(\/rotate)?)?)?$/;

const reply = (status: number, body: unknown): HttpReply => ({ status, body, headers: { 'cache-control': 'no-store' } });
const fail = (status: number, code: string, message: string): HttpReply => reply(status, { error: { code, message } });

export class BotAdmin {
  private readonly tokenDigest: Buffer | undefined;

  constructor(
    private readonly bots: BotRegistry | undefined,
    adminToken: string | undefined,
    /** Closes this node's connections of revoked keys at once (other nodes notice within seconds). */
    private readonly revoked: () => Promise<void>,
  ) {
    this.tokenDigest = adminToken ? digest(adminToken) : undefined;
  }

  handles(path: string): boolean {
    return path.startsWith('/v1/admin/');
  }

  async handle(req: HttpRequest): Promise<HttpReply> {
    if (!this.tokenDigest || !this.bots) return fail(404, 'not_found', 'the admin API is off: set PARLEY_ADMIN_TOKEN to turn it on');
    const m = /^Bearer\s+(\S+)$/i.exec(req.authorization);
    if (!m || !timingSafeEqual(digest(m[1]!), this.tokenDigest)) return fail(401, 'unauthorized', 'send Authorization: Bearer <admin token>');
    return this.serve(req);
  }

  /** Answers a request its caller has already found to come from an admin. */
  async serve(req: HttpRequest): Promise<HttpReply> {
    if (!this.bots) return fail(404, 'not_found', 'bot accounts are off on this server');
    const route = ROUTE.exec(req.path);
    if (!route) return fail(404, 'not_found', `no route for ${req.method} ${req.path}`);
    const [, encodedBot, key, rotate] = route;
    let bot: string | undefined;
    try {
      bot = encodedBot === undefined ? undefined : decodeURIComponent(encodedBot);
    } catch {
      return fail(400, 'bad_request', 'the bot id in the path is not valid percent-encoding');
    }
    try {
      return await this.route(req, bot, key, rotate !== undefined);
    } catch (err) {
      if (err instanceof BotAdminError) return fail(err.status, err.code, err.message);
      throw err;
    }
  }

  private async route(req: HttpRequest, bot: string | undefined, key: string | undefined, rotate: boolean): Promise<HttpReply> {
    const bots = this.bots!;
    const { method } = req;
    if (bot === undefined) {
      if (method === 'GET') return reply(200, { bots: await bots.list() });
      if (method !== 'POST') return notAllowed();
      const body = json(req.body);
      if (!body || typeof body.name !== 'string') return fail(400, 'bad_request', 'body must be JSON: {"name": "WeatherBot", "rooms": ["lobby"]}');
      return reply(201, await bots.create(body.name, body.rooms as string[], body.scopes as string[] | undefined));
    }
    if (key === undefined) {
      if (method !== 'POST') return notAllowed();
      const body = json(req.body);
      if (!body) return fail(400, 'bad_request', 'body must be JSON: {"rooms": ["lobby"]}');
      return reply(201, { key: await bots.addKey(bot, body.rooms as string[], body.scopes as string[] | undefined) });
    }
    if (rotate) {
      if (method !== 'POST') return notAllowed();
      const issued = await bots.rotate(bot, key);
      await this.revoked();
      return reply(201, { key: issued });
    }
    if (method !== 'DELETE') return notAllowed();
    await bots.revoke(bot, key);
    await this.revoked();
    return reply(200, { revoked: key });
  }
}

/** The JSON object of a request body (empty: `{}`), or null when it is not one. */
export function json(body: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body || '{}');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function notAllowed(): HttpReply {
  return fail(405, 'method_not_allowed', 'method not allowed');
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
