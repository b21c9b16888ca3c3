// The admin HTTP API (/admin/api/...): the report queue, the audit log (read only), room rules and
// filters, and every moderator action, for the admin console or a site's own back office; the
// console's directory of rooms and users, figures and bots besides (admin-directory.ts). Opened by
// PARLEY_ADMIN_TOKEN, by the JWT of a server admin, or by a console session of a development server.
import { clientFrameSchemas, EventKind, Limits, Op, SchemaError } from '@parley/sdk/protocol';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthError } from '../auth.js';
import type { Hub } from '../core/hub.js';
import { moderate, moderatorDelete, type Actor } from '../core/moderation-requests.js';
import { describeFailure } from '../core/errors.js';
import type { ReportRecord } from '../store/moderation.js';
import { AdminDirectory } from './admin-directory.js';
import { roomIdParam, type HttpReply, type HttpRequest } from './api.js';
import type { BotAdmin } from './bot-admin.js';
import { ConsoleSessions, devSignInConfigured } from './console-sign-in.js';
import { HookAdmin } from './hook-admin.js';

const PREFIX = '/admin/api/';
const ROOM_ROUTE = /^\/admin\/api\/rooms\/([^/]+)\/(moderate|rules|filter)$/;
const REPORT_ROUTE = /^\/admin\/api\/reports\/(\d{1,18})\/resolve$/;
/** Held messages let through keep their author; a filter list this long is plenty for plain words. */
const MAX_WORD = 64;

const fail = (status: number, code: string, message: string): HttpReply => ({ status, body: { error: { code, message } } });
const STATUS: Record<string, number> = { forbidden: 403, not_found: 404, bad_frame: 400, too_large: 400, limit_reached: 409, conflict: 409, unavailable: 503 };

export class AdminApi {
  private readonly tokenDigest: Buffer | undefined;
  private readonly consoleSessions: ConsoleSessions;
  private readonly directory: AdminDirectory;
  private readonly hooks: HookAdmin;

  constructor(
    private readonly hub: Hub,
    private readonly bots: BotAdmin,
    /** This node's metrics exposition text (the console's figures). */
    scrape: () => Promise<string>,
    /** True when `origin` is one of this server's own pages (the dev sign-in checks it). */
    ownOrigin: (origin: string) => boolean = () => false,
  ) {
    const token = hub.config.adminToken;
    this.tokenDigest = token === undefined ? undefined : digest(token);
    this.consoleSessions = new ConsoleSessions(devSignInConfigured(hub.config), ownOrigin);
    this.hooks = new HookAdmin(hub.webhooks);
    const features = () => ({ bots: hub.bots !== undefined, webhooks: hub.webhooks !== undefined, devSignIn: this.consoleSessions.available });
    this.directory = new AdminDirectory(hub, features, scrape);
  }

  handles(path: string): boolean {
    return path.startsWith(PREFIX);
  }

  async handle(req: HttpRequest): Promise<HttpReply> {
    const reply = await this.answer(req);
    // Nothing of the admin API may sit in a cache: replies name users, addresses and tokens.
    return { ...reply, headers: { 'cache-control': 'no-store', ...reply.headers } };
  }

  private async answer(req: HttpRequest): Promise<HttpReply> {
    if (req.path === '/admin/api/sign-in') {
      // The only route without a token: a development server's one-click sign-in (ADR 0023).
      if (req.method === 'GET') return { status: 200, body: { devSignIn: this.consoleSessions.available } };
      if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'use GET or POST');
      const issued = this.consoleSessions.issue(req);
      return typeof issued === 'string' ? fail(403, 'forbidden', issued) : { status: 201, body: issued };
    }
    const hooks = this.hooks.handles(req.path);
    // A room's owner manages the hooks of their rooms with their own JWT (the hook admin checks the room).
    const actor = this.admin(req, hooks);
    if ('status' in actor) return actor;
    try {
      return await (hooks ? this.hooks.handle(req, actor) : this.route(req, actor));
    } catch (err) {
      const f = describeFailure(err);
      if (f.unexpected) throw err;
      return fail(STATUS[f.code] ?? 400, f.code, f.message);
    }
  }

  private async route(req: HttpRequest, actor: Actor): Promise<HttpReply> {
    const { method, path, query } = req;
    const { moderation } = this.hub.store;
    if (path === '/admin/api/sign-out') {
      if (method !== 'POST') return fail(405, 'method_not_allowed', 'use POST');
      this.consoleSessions.revoke(bearer(req.authorization) ?? '');
      return { status: 200, body: { signedOut: true } };
    }
    if (path === '/admin/api/bots' || path.startsWith('/admin/api/bots/')) return this.bots.serve(req);
    const answered = await this.directory.handle(req, actor);
    if (answered) return answered;
    if (path === '/admin/api/audit') {
      // The audit log is append-only: no method here changes it.
      if (method !== 'GET') return fail(405, 'method_not_allowed', 'the audit log is append-only: it can only be read');
      const limit = pageLimit(query);
      if (limit === null) return fail(400, 'bad_request', 'limit must be an integer in 1-500');
      const before = query.get('before') ?? undefined;
      if (before !== undefined && !/^\d{1,18}$/.test(before)) return fail(400, 'bad_request', 'before must be an entry id');
      const action = query.get('action') || undefined;
      if (action !== undefined && !/^[a-z_]{1,32}$/.test(action)) return fail(400, 'bad_request', 'action must be an action name such as ban or report_dismiss');
      return { status: 200, body: { entries: await moderation.audit({ room: query.get('room') || undefined, action, before, limit }) } };
    }
    if (path === '/admin/api/reports') {
      if (method !== 'GET') return fail(405, 'method_not_allowed', 'list reports with GET; resolve one with POST /admin/api/reports/:id/resolve');
      const limit = pageLimit(query);
      const status = query.get('status') ?? 'open';
      const after = query.get('after') ?? undefined;
      if (limit === null || (status !== 'open' && status !== 'resolved') || (after !== undefined && !/^\d{1,18}$/.test(after))) {
        return fail(400, 'bad_request', 'status must be open or resolved, limit 1-500, after a report id');
      }
      const reports = await moderation.reports({ status, room: query.get('room') ?? undefined, after, limit });
      return { status: 200, body: { reports: await Promise.all(reports.map((r) => this.withMessage(r))) } };
    }
    const r = REPORT_ROUTE.exec(path);
    if (r) return method === 'POST' ? this.resolve(r[1]!, req, actor) : fail(405, 'method_not_allowed', 'use POST');
    const m = ROOM_ROUTE.exec(path);
    if (!m) return fail(404, 'not_found', `no admin route for ${method} ${path}`);
    const room = roomIdParam(m[1]!);
    if (room === null) return fail(400, 'bad_request', 'the room id in the path is not a valid room id');
    const body = json(req.body);
    switch (m[2]) {
      case 'rules': {
        if (method !== 'GET') return fail(405, 'method_not_allowed', 'use GET');
        const found = await moderation.rules(room);
        return found ? { status: 200, body: found } : fail(404, 'not_found', `no room "${room}"`);
      }
      case 'filter':
        if (method !== 'PUT') return fail(405, 'method_not_allowed', 'use PUT');
        return this.filter(room, body, actor);
      default: {
        if (method !== 'POST') return fail(405, 'method_not_allowed', 'use POST');
        if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return fail(400, 'bad_request', 'body must be a JSON object');
        let frame;
        try {
          frame = clientFrameSchemas[Op.Moderate].parse({ ...body, t: Op.Moderate, r: 0, room }, 'body');
        } catch (err) {
          if (err instanceof SchemaError) return fail(400, 'bad_request', err.message);
          throw err;
        }
        return { status: 200, body: await moderate(actor, frame) };
      }
    }
  }

  /** A report with the reported message as it is now (author, name, text), so that a moderator sees what it is about. */
  private async withMessage(r: ReportRecord): Promise<ReportRecord & { message?: { by: string; name: string; body: string | null; deleted: boolean } }> {
    if (r.seq === null) return r;
    const m = await this.hub.store.message(r.room, r.seq);
    if (!m) return r;
    const user = await this.hub.store.getUser(m.by);
    return { ...r, message: { by: m.by, name: user?.name ?? m.by, body: m.deleted ? null : (m.body ?? null), deleted: m.deleted } };
  }

  /** Replaces a room's filter: plain words (a trailing `*` matches any ending), and what a match does. */
  private async filter(room: string, body: unknown, actor: Actor): Promise<HttpReply> {
    const b = body as { words?: unknown; action?: unknown } | undefined;
    const words = b?.words;
    const action = b?.action ?? 'block';
    if (!Array.isArray(words) || words.length > Limits.maxFilterWords || !words.every((w) => typeof w === 'string' && w.trim().length > 0 && w.length <= MAX_WORD)) {
      return fail(400, 'bad_request', `words must be a list of at most ${Limits.maxFilterWords} words of 1-${MAX_WORD} characters`);
    }
    if (action !== 'block' && action !== 'hold') return fail(400, 'bad_request', 'action must be block or hold');
    if (!(await this.hub.store.getRoom(room))) return fail(404, 'not_found', `no room "${room}"`);
    const clean = [...new Set(words.map((w: string) => w.trim().toLowerCase()))];
    await this.hub.moderate(
      { room, actor: { id: actor.userId, name: actor.userName }, action: 'filter', reason: '', rules: { words: clean, filterAction: action }, data: { words: clean.length, action } },
      { action: 'filter' },
    );
    return { status: 200, body: { words: clean, action } };
  }

  /** Resolves a report: `dismiss`, `delete` (the reported message) or, for a held message, `approve` (it is posted as its author sent it). */
  private async resolve(id: string, req: HttpRequest, actor: Actor): Promise<HttpReply> {
    const resolution = (json(req.body) as { resolution?: unknown } | undefined)?.resolution;
    if (resolution !== 'dismiss' && resolution !== 'delete' && resolution !== 'approve') return fail(400, 'bad_request', 'resolution must be dismiss, delete or approve');
    const { moderation } = this.hub.store;
    const [open] = (await moderation.reports({ status: 'open', after: String(BigInt(id) - 1n), limit: 1 })).filter((x) => x.id === id);
    if (!open) return fail(404, 'not_found', `no open report ${id}`);
    if (resolution === 'delete') {
      if (open.seq === null) return fail(400, 'bad_request', 'a held message is not in the log: dismiss it instead');
      const message = await this.hub.store.message(open.room, open.seq);
      if (message && !message.deleted) await moderatorDelete(actor, open.room, open.seq, message.by, undefined);
    }
    if (resolution === 'approve') {
      if (open.kind !== 'held' || open.author === null || open.body === null) return fail(400, 'bad_request', 'only a held message can be approved');
      const { event } = await this.hub.store.append({ room: open.room, kind: EventKind.Message, by: open.author, name: open.authorName ?? open.author, cid: `held-${id}`, body: open.body });
      this.hub.publishEvent(event);
    }
    const done = await moderation.resolve(id, actor.userId, resolution);
    return done ? { status: 200, body: { report: done } } : fail(409, 'conflict', `report ${id} was resolved meanwhile`);
  }

  /** The admin behind the request: the admin token, or a JWT of a server admin. */
  private admin(req: HttpRequest, owners = false): Actor | HttpReply {
    const token = bearer(req.authorization);
    if (token === undefined) return { ...fail(401, 'unauthorized', 'send Authorization: Bearer <admin token or an admin JWT>'), headers: { 'www-authenticate': 'Bearer' } };
    if (this.tokenDigest && timingSafeEqual(digest(token), this.tokenDigest)) return { hub: this.hub, userId: 'admin', userName: 'Admin', admin: true };
    if (this.consoleSessions.valid(token)) return { hub: this.hub, userId: 'admin', userName: 'Admin', admin: true };
    try {
      const who = this.hub.auth.verify(token);
      const admin = !who.guest && (who.admin || this.hub.config.admins.includes(who.id));
      if (!admin && !(owners && !who.guest)) return fail(403, 'forbidden', 'this token is not a server admin\'s');
      return { hub: this.hub, userId: who.id, userName: who.name, admin };
    } catch (err) {
      if (err instanceof AuthError) return fail(401, 'unauthorized', `token rejected: ${err.reason}`);
      throw err;
    }
  }
}

function bearer(header: string): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function json(body: string): unknown {
  try {
    return body ? JSON.parse(body) : undefined;
  } catch {
    return undefined;
  }
}

function pageLimit(q: URLSearchParams): number | null {
  const raw = q.get('limit');
  if (raw === null || raw === '') return 100;
  const n = Number(raw);
  return /^\d{1,3}$/.test(raw) && n >= 1 && n <= 500 ? n : null;
}
