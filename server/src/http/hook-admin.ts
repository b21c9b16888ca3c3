// The webhook part of the admin HTTP API (/admin/api/hooks/...): incoming and outgoing hooks (create,
// list, rotate, delete), dead deliveries (list, retry, delete) and rooms' moderation hooks. Admins
// reach every room; a room's owner, with their own JWT, reaches the hooks of the rooms they own.
import { Limits } from '@parley/sdk/protocol';
import type { Actor } from '../core/moderation-requests.js';
import { webhookUrlProblem } from '../outbound/webhook-post.js';
import type { WebhookStore } from '../store/webhooks.js';
import { roomIdParam, type HttpReply, type HttpRequest } from './api.js';
import { json } from './bot-admin.js';

const PREFIX = '/admin/api/hooks';
/** `/admin/api/hooks/<incoming|outgoing|dead>[/<id>[/<rotate|retry>]]` and `/admin/api/hooks/moderation/<room>`. */
const ROUTE = /^\/admin\/api\/hooks(?:\/(incoming|outgoing|dead|moderation)(?:\/([^/]+)(?:\/(rotate|retry))?)?)?$/;
const HOOK_ID = /^[0-9a-f]{16}$/;
const DELIVERY_ID = /^[0-9a-f]{16}\.\d{1,18}$/;

const reply = (status: number, body: unknown): HttpReply => ({ status, body, headers: { 'cache-control': 'no-store' } });
const fail = (status: number, code: string, message: string): HttpReply => reply(status, { error: { code, message } });
const notAllowed = (use: string) => fail(405, 'method_not_allowed', `use ${use}`);

export class HookAdmin {
  constructor(private readonly store: WebhookStore | undefined) {}

  handles(path: string): boolean {
    return path === PREFIX || path.startsWith(`${PREFIX}/`);
  }

  async handle(req: HttpRequest, actor: Actor): Promise<HttpReply> {
    if (!this.store) return fail(404, 'not_found', 'this server keeps no webhooks');
    const m = ROUTE.exec(req.path);
    if (!m) return fail(404, 'not_found', `no admin route for ${req.method} ${req.path}`);
    const [, what, rawId, verb] = m;
    let id: string | undefined;
    try {
      id = rawId === undefined ? undefined : decodeURIComponent(rawId);
    } catch {
      return fail(400, 'bad_request', 'the id in the path is not valid percent-encoding');
    }
    const body = json(req.body);
    switch (what) {
      case undefined:
        return req.method === 'GET' ? this.list(req, actor) : notAllowed('GET');
      case 'incoming':
      case 'outgoing':
        if (id === undefined) return req.method === 'POST' ? this.create(what, body, actor) : notAllowed('POST');
        if (!HOOK_ID.test(id)) return fail(404, 'not_found', `no ${what} hook "${id}"`);
        if (verb === 'rotate') return req.method === 'POST' ? this.rotate(what, id, actor) : notAllowed('POST');
        if (verb !== undefined) return fail(404, 'not_found', `no admin route for ${req.method} ${req.path}`);
        return req.method === 'DELETE' ? this.remove(what, id, actor) : notAllowed('DELETE');
      case 'dead':
        if (id === undefined) return req.method === 'GET' ? this.dead(req, actor) : notAllowed('GET');
        if (!DELIVERY_ID.test(id)) return fail(404, 'not_found', `no dead delivery "${id}"`);
        if (verb === 'retry') return req.method === 'POST' ? this.retry(id, actor) : notAllowed('POST');
        if (verb !== undefined) return fail(404, 'not_found', `no admin route for ${req.method} ${req.path}`);
        return req.method === 'DELETE' ? this.dropDead(id, actor) : notAllowed('DELETE');
      default: {
        const room = id === undefined ? null : roomIdParam(rawId!);
        if (room === null || verb !== undefined) return fail(400, 'bad_request', 'name a room: /admin/api/hooks/moderation/<room>');
        return this.moderation(req.method, room, body, actor);
      }
    }
  }

  private async list(req: HttpRequest, actor: Actor): Promise<HttpReply> {
    const room = req.query.get('room') ?? undefined;
    const denied = await this.deny(actor, room);
    if (denied) return denied;
    const store = this.store!;
    const [incoming, outgoing] = await Promise.all([store.listIncoming(room), store.listOutgoing(room)]);
    return reply(200, { incoming, outgoing, ...(room !== undefined && { moderation: await store.moderationHook(room) }) });
  }

  private async create(what: 'incoming' | 'outgoing', body: Record<string, unknown> | null, actor: Actor): Promise<HttpReply> {
    const room = typeof body?.room === 'string' ? roomIdParam(encodeURIComponent(body.room)) : null;
    if (room === null) return fail(400, 'bad_request', `body must be JSON with "room": ${what === 'incoming' ? '{"room": "lobby", "name": "Alerts"}' : '{"room": "lobby", "url": "https://…", "command": "optional"}'}`);
    const denied = await this.deny(actor, room);
    if (denied) return denied;
    if (!(await actor.hub.store.getRoom(room))) return fail(404, 'not_found', `no room "${room}"`);
    const store = this.store!;
    if (what === 'incoming') {
      const name = typeof body!.name === 'string' ? body!.name.trim() : '';
      if (!name || name.length > Limits.maxName || /\p{Cc}/u.test(name)) return fail(400, 'bad_request', `"name" must be 1-${Limits.maxName} characters: it is shown as the author of the hook's messages`);
      const created = await store.createIncoming(room, name, actor.userId);
      await this.audit(actor, room, 'hook_in_create', created.hook.id, { name });
      return reply(201, created);
    }
    const { url, command } = body!;
    if (typeof url !== 'string') return fail(400, 'bad_request', '"url" must be the http(s) URL deliveries are POSTed to');
    if (command !== undefined && (typeof command !== 'string' || !/^[a-z][a-z0-9_-]{0,31}$/.test(command))) return fail(400, 'bad_request', '"command" must be a command name (a-z, 0-9, _ and -, at most 32)');
    const problem = await webhookUrlProblem(url, actor.hub.guard);
    if (problem) return fail(400, 'bad_request', problem);
    const created = await store.createOutgoing(room, url, (command as string | undefined) ?? null, actor.userId);
    await this.audit(actor, room, 'hook_out_create', created.hook.id, { url, command: command ?? null });
    actor.hub.wakeWebhooks?.(true);
    return reply(201, created);
  }

  private async rotate(what: 'incoming' | 'outgoing', id: string, actor: Actor): Promise<HttpReply> {
    const store = this.store!;
    const hook = what === 'incoming' ? await store.incoming(id) : await store.outgoing(id);
    const denied = hook ? await this.deny(actor, hook.room) : undefined;
    if (denied) return denied;
    const rotated = what === 'incoming' ? await store.rotateIncoming(id) : await store.rotateOutgoing(id);
    if (!rotated || !hook) return fail(404, 'not_found', `no live ${what} hook "${id}"`);
    await this.audit(actor, hook.room, `hook_${what === 'incoming' ? 'in' : 'out'}_rotate`, id);
    return reply(201, rotated);
  }

  private async remove(what: 'incoming' | 'outgoing', id: string, actor: Actor): Promise<HttpReply> {
    const store = this.store!;
    const hook = what === 'incoming' ? await store.incoming(id) : await store.outgoing(id);
    if (!hook) return fail(404, 'not_found', `no ${what} hook "${id}"`);
    const denied = await this.deny(actor, hook.room);
    if (denied) return denied;
    if (what === 'incoming') await store.revokeIncoming(id);
    else await store.deleteOutgoing(id);
    await this.audit(actor, hook.room, `hook_${what === 'incoming' ? 'in_revoke' : 'out_delete'}`, id);
    return reply(200, { [what === 'incoming' ? 'revoked' : 'deleted']: id });
  }

  private async dead(req: HttpRequest, actor: Actor): Promise<HttpReply> {
    const room = req.query.get('room') ?? undefined;
    const denied = await this.deny(actor, room);
    if (denied) return denied;
    const raw = req.query.get('limit') ?? '100';
    const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : 0;
    if (limit < 1 || limit > 500) return fail(400, 'bad_request', 'limit must be an integer in 1-500');
    return reply(200, { deliveries: await this.store!.dead(room, limit) });
  }

  private async retry(id: string, actor: Actor): Promise<HttpReply> {
    const denied = await this.deny(actor, await this.deliveryRoom(id));
    if (denied) return denied;
    if (!(await this.store!.retryDead(id, Date.now()))) return fail(404, 'not_found', `no dead delivery "${id}"`);
    actor.hub.wakeWebhooks?.(true);
    return reply(200, { retrying: id });
  }

  private async dropDead(id: string, actor: Actor): Promise<HttpReply> {
    const denied = await this.deny(actor, await this.deliveryRoom(id));
    if (denied) return denied;
    if (!(await this.store!.deleteDead(id))) return fail(404, 'not_found', `no dead delivery "${id}"`);
    return reply(200, { deleted: id });
  }

  private async moderation(method: string, room: string, body: Record<string, unknown> | null, actor: Actor): Promise<HttpReply> {
    const denied = await this.deny(actor, room);
    if (denied) return denied;
    const store = this.store!;
    const hooks = actor.hub.moderationHooks;
    if (method === 'GET') return reply(200, { moderation: await store.moderationHook(room) });
    if (method === 'DELETE') {
      const had = await store.clearModerationHook(room);
      hooks.invalidate(room);
      if (had) await this.audit(actor, room, 'moderation_hook_clear', undefined);
      return had ? reply(200, { moderation: null }) : fail(404, 'not_found', `room "${room}" has no moderation hook`);
    }
    if (method !== 'PUT') return notAllowed('GET, PUT or DELETE');
    const max = actor.hub.config.moderationHookMaxMs;
    const bot = body?.bot;
    const timeoutMs = body?.timeoutMs ?? 500;
    const failMode = body?.fail ?? 'open';
    if (typeof bot !== 'string') return fail(400, 'bad_request', 'body must be JSON: {"bot": "bot:filter", "timeoutMs": 500, "fail": "open"}');
    if (!Number.isInteger(timeoutMs) || (timeoutMs as number) < 50 || (timeoutMs as number) > max) return fail(400, 'bad_request', `"timeoutMs" must be an integer in 50-${max}`);
    if (failMode !== 'open' && failMode !== 'closed') return fail(400, 'bad_request', '"fail" must be open (let messages through when the bot does not answer) or closed (refuse them)');
    if (!(await actor.hub.store.getRoom(room))) return fail(404, 'not_found', `no room "${room}"`);
    const keys = (await actor.hub.bots?.list())?.find((b) => b.id === bot)?.keys ?? [];
    if (!keys.some((k) => !k.revoked && k.scopes.includes('moderate') && k.rooms.includes(room))) {
      return fail(409, 'conflict', `${bot} has no live key with the moderate scope for "${room}": give it one first (POST /v1/admin/bots/:id/keys with "scopes": ["moderate"])`);
    }
    const config = { room, bot, timeoutMs: timeoutMs as number, fail: failMode as 'open' | 'closed' };
    await store.setModerationHook(config);
    hooks.invalidate(room);
    await this.audit(actor, room, 'moderation_hook_set', bot, { timeoutMs, fail: failMode });
    return reply(200, { moderation: config });
  }

  private async deliveryRoom(id: string): Promise<string | undefined> {
    const hook = await this.store!.outgoing(id.split('.')[0]!);
    return hook?.room;
  }

  /** Refuses a room's owner anything beyond the rooms they own (a missing room reads as not theirs). */
  private async deny(actor: Actor, room: string | undefined): Promise<HttpReply | undefined> {
    if (actor.admin) return undefined;
    if (room === undefined) return fail(403, 'forbidden', 'name a room you own (?room=…): only server admins see every room\'s hooks');
    const member = await actor.hub.store.getMember(room, actor.userId);
    return member?.role === 'owner' ? undefined : fail(403, 'forbidden', `only the owner of "${room}" or a server admin manages its hooks`);
  }

  private async audit(actor: Actor, room: string, action: string, target: string | undefined, data?: Record<string, unknown>): Promise<void> {
    await actor.hub.store.moderation.record({ room, actor: actor.userId, action, target: target ?? null, reason: '', seq: null, data: data ?? null });
  }
}
