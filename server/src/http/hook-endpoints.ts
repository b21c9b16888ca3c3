// Posting over HTTP (protocol section 27.1-27.2): an incoming webhook posts to its room as a named
// integration (`POST /v1/hooks/:id`, its token as the bearer), and a bot posts with its key
// (`POST /v1/bot/rooms/:room/messages`). Each is rate-limited per hook or key; bodies are bounded
// like `send`, and pass the room's checks like a `send` (moderation, then the moderation hook); a
// `cid` makes a retried post return the stored message instead of a second one.
import { ErrorCode, EventKind, Limits, RoomKind } from '@parley/sdk/protocol';
import { describeFailure } from '../core/errors.js';
import type { Hub } from '../core/hub.js';
import { checkPost } from '../core/message-requests.js';
import type { Actor } from '../core/moderation.js';
import { TokenBucket } from '../rate-limit.js';
import type { EventData } from '../store/store.js';
import { HOOK_USER_PREFIX } from '../store/webhooks.js';
import { roomIdParam, type HttpReply, type HttpRequest } from './api.js';
import { BOT_SEND_ROUTE, HOOK_ROUTE } from './routes.js';

const CID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_BUCKETS = 10_000;

const fail = (status: number, code: string, message: string, headers?: Record<string, string>): HttpReply => ({ status, body: { error: { code, message } }, headers });

/** The HTTP status of a refusal by the room's checks, by its protocol error code. */
const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.Held]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.BadFrame]: 400,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Unavailable]: 503,
};

/** A post the room's checks refused, as an HTTP error: status, the protocol's code, its message and reason (`filter`, `locked`, `muted`, `slow`, `hook`...). */
function refused(err: unknown, log: Actor['log']): HttpReply {
  const f = describeFailure(err);
  if (f.unexpected) log.error('http post failed', { err });
  const code = f.code === ErrorCode.BadFrame ? 'bad_request' : f.code;
  const headers = f.retryAfter !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(f.retryAfter / 1000))) } : undefined;
  return { status: STATUS[f.code] ?? 500, body: { error: { code, message: f.message, ...(f.reason && { reason: f.reason }) } }, headers };
}

/** A post's fields once checked. */
interface Post {
  body: string;
  cid: string;
  thread?: number;
  replyTo?: number;
}

export class HookEndpoints {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly hub: Hub) {}

  handles(path: string): boolean {
    return HOOK_ROUTE.test(path) || BOT_SEND_ROUTE.test(path);
  }

  async handle(req: HttpRequest): Promise<HttpReply> {
    if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'use POST');
    const token = /^Bearer\s+(\S+)$/i.exec(req.authorization)?.[1];
    if (!token) return fail(401, 'unauthorized', 'send Authorization: Bearer <hook token or bot key>', { 'www-authenticate': 'Bearer' });
    const hook = HOOK_ROUTE.exec(req.path);
    return hook ? this.incoming(hook[1]!, token, req.body) : this.botSend(BOT_SEND_ROUTE.exec(req.path)![1]!, token, req.body);
  }

  private async incoming(id: string, token: string, raw: string): Promise<HttpReply> {
    const store = this.hub.webhooks;
    const hook = store ? await store.verifyIncoming(id, token) : null;
    if (!hook) return fail(401, 'unauthorized', 'this hook token is wrong, rotated or revoked', { 'www-authenticate': 'Bearer' });
    const post = parsePost(raw);
    if (typeof post === 'string') return fail(400, 'bad_request', post);
    if (!this.take(`h/${id}`)) return fail(429, 'rate_limited', `this hook posts at most ${this.hub.config.hookRate} messages a second`, { 'retry-after': '1' });
    const by = `${HOOK_USER_PREFIX}${hook.id}`;
    return this.append(hook.room, this.actor(by, hook.name, { hook: hook.id }), post, { moderator: false, bot: false }, { hook: hook.id });
  }

  private async botSend(encodedRoom: string, token: string, raw: string): Promise<HttpReply> {
    const grant = await this.hub.bots?.verify(token);
    if (!grant) return fail(401, 'unauthorized', 'this bot key is unknown or revoked', { 'www-authenticate': 'Bearer' });
    const room = roomIdParam(encodedRoom);
    if (room === null) return fail(400, 'bad_request', 'the room id in the path is not a valid room id');
    if (!grant.rooms.has(room)) return fail(403, 'forbidden', `this bot's key is not scoped to room "${room}"`);
    const post = parsePost(raw);
    if (typeof post === 'string') return fail(400, 'bad_request', post);
    if (!this.take(`k/${grant.keyId}`)) return fail(429, 'rate_limited', `one bot key posts at most ${this.hub.config.hookRate} messages a second over HTTP`, { 'retry-after': '1' });
    const { store } = this.hub;
    // Like a guest's first send, a bot joins a public room by posting; a private room needs an invite.
    const actor = this.actor(grant.id, grant.name, { bot: grant.id });
    let role = (await store.getMember(room, grant.id))?.role;
    if (!role) {
      const found = await store.getRoom(room);
      if (found?.kind !== RoomKind.Public) return fail(404, 'not_found', `no room "${room}" (a private room needs an invite of the bot)`);
      // A bot banned from the room does not become a member by posting.
      const m = await this.hub.moderation.state(room);
      try {
        if (m) this.hub.moderation.checkBan(actor, m);
      } catch (err) {
        return refused(err, actor.log);
      }
      const joined = await store.join(room, { id: grant.id, name: grant.name }, 'member');
      if (joined) this.hub.publishEvent(joined);
      role = 'member';
    }
    return this.append(room, actor, post, { moderator: role === 'owner' || role === 'moderator', bot: true });
  }

  private async append(room: string, by: Actor, post: Post, who: { moderator: boolean; bot: boolean }, extra?: EventData): Promise<HttpReply> {
    const { store } = this.hub;
    if (!(await store.getRoom(room))) return fail(404, 'not_found', `no room "${room}"`);
    let checked: Awaited<ReturnType<typeof checkPost>>;
    try {
      checked = await checkPost(this.hub, by, { room, ...post }, who);
    } catch (err) {
      return refused(err, by.log);
    }
    let data: EventData | undefined = extra;
    if (post.replyTo !== undefined) data = { ...data, replyTo: post.replyTo };
    if (post.thread !== undefined) data = { ...data, thread: post.thread };
    if (checked.redactedBy) data = { ...data, redacted: checked.redactedBy };
    const { event, duplicate } = await store.append({ room, kind: EventKind.Message, by: by.userId, name: by.userName, cid: post.cid, body: checked.body, ...(data && { data }) });
    if (!duplicate) this.hub.publishEvent(event);
    return { status: duplicate ? 200 : 201, body: { id: event.id, seq: event.seq, ts: event.ts, duplicate } };
  }

  /** A poster over HTTP as the room's checks see them: never a guest nor an admin, no device. */
  private actor(id: string, name: string, fields: Record<string, string>): Actor {
    return { userId: id, userName: name, admin: false, guest: false, device: undefined, firstSeen: undefined, log: this.hub.log.child(fields) };
  }

  private take(key: string): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
      const rate = this.hub.config.hookRate;
      this.buckets.set(key, (bucket = new TokenBucket(rate, rate * 10)));
    }
    return bucket.take();
  }
}

/** The fields of a post, or what is wrong with them in words. */
function parsePost(raw: string): Post | string {
  let b: unknown;
  try {
    b = JSON.parse(raw || 'null');
  } catch {
    return 'body must be JSON: {"body": "text", "cid": "optional-id"}';
  }
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return 'body must be a JSON object: {"body": "text"}';
  const { body, cid, thread, replyTo } = b as Record<string, unknown>;
  if (typeof body !== 'string' || !/\S/.test(body)) return '"body" must be a text that is not empty';
  if (body.length > Limits.maxBody) return `"body" is longer than ${Limits.maxBody} characters`;
  if (cid !== undefined && (typeof cid !== 'string' || !CID.test(cid))) return '"cid" must be 1-64 letters, digits, _ or -';
  for (const [k, v] of [['thread', thread], ['replyTo', replyTo]] as const) {
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) > 0)) return `"${k}" must be the seq of a message`;
  }
  const post: Post = { body, cid: (cid as string | undefined) ?? `http-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}` };
  if (thread !== undefined) post.thread = thread as number;
  if (replyTo !== undefined) post.replyTo = replyTo as number;
  return post;
}
