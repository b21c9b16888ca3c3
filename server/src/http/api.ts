// The small HTTP API: health, guest sign-in, public rooms and room history, then the site's files
// (demo page, widget build). Transport-agnostic: the transport hands in a parsed request and writes the reply.
import { Limits, RoomIdShape, RoomKind, SchemaError } from '@parley/sdk/protocol';
import { AuthError, validateDisplayName, type Identity } from '../auth.js';
import type { Hub } from '../core/hub.js';
import { decodeCursor, roomPage } from '../core/room-list.js';
import { noRoom, summary } from '../core/room-state.js';
import { TokenBucket } from '../rate-limit.js';
import { StoreUnavailableError } from '../store/store.js';
import { AdminApi } from './admin-api.js';
import { BotAdmin } from './bot-admin.js';
import { HookEndpoints } from './hook-endpoints.js';
import type { OpsEndpoints } from './ops.js';
import { ROOM_EVENTS } from './routes.js';
import type { Site } from './site.js';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string;
  origin: string;
  ip: string;
  body: string;
  /** Request headers used for static files ('' when absent). */
  acceptEncoding: string;
  ifNoneMatch: string;
}

export interface HttpReply {
  status: number;
  /** A string or bytes are sent as they are; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Guest sign-ins per IP: a burst of 10, then one every 5 s. */
const GUEST_RATE = 0.2;
const GUEST_BURST = 10;
const MAX_TRACKED_IPS = 10_000;

const fail = (status: number, code: string, message: string, headers?: Record<string, string>): HttpReply => ({
  status,
  body: { error: { code, message } },
  headers,
});

export class HttpApi {
  private readonly guestBuckets = new Map<string, TokenBucket>();
  private readonly admin: AdminApi;
  private readonly botAdmin: BotAdmin;
  private readonly hooks: HookEndpoints;

  constructor(
    private readonly hub: Hub,
    private readonly originAllowed: (origin: string) => boolean,
    private readonly ops: OpsEndpoints,
    private readonly site?: Site,
    /** True when `origin` is one of this server's own pages (transport/own-origin.ts). */
    ownOrigin?: (origin: string) => boolean,
  ) {
    this.botAdmin = new BotAdmin(hub.bots, hub.config.adminToken, () => hub.closeRevokedBots());
    this.admin = new AdminApi(hub, this.botAdmin, () => ops.scrape(), ownOrigin);
    this.hooks = new HookEndpoints(hub);
  }

  async handle(req: HttpRequest): Promise<HttpReply> {
    let reply: HttpReply;
    try {
      reply = await this.route(req);
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      reply = fail(503, 'unavailable', 'storage unavailable; retry later', { 'retry-after': '1' });
    }
    return { ...reply, headers: { ...this.cors(req.origin), ...reply.headers } };
  }

  private async route(req: HttpRequest): Promise<HttpReply> {
    const { method, path } = req;
    if (method === 'OPTIONS') return { status: 204, headers: { 'access-control-max-age': '600' } };
    if (this.ops.handles(path)) return this.ops.handle(req);
    if (this.admin.handles(path)) return this.admin.handle(req);
    if (this.botAdmin.handles(path)) return this.botAdmin.handle(req);
    if (this.hooks.handles(path)) return this.hooks.handle(req);
    if (path === '/v1/guest') return method === 'POST' ? this.guest(req) : notAllowed();
    if (path === '/v1/rooms') return method === 'GET' ? this.rooms(req) : notAllowed();
    const m = ROOM_EVENTS.exec(path);
    if (m) {
      if (method !== 'GET') return notAllowed();
      const room = roomIdParam(m[1]!);
      return room === null ? fail(400, 'bad_request', 'the room id in the path is not a valid room id') : this.events(req, room);
    }
    const file = await this.site?.reply(req);
    if (file) return file;
    return fail(404, 'not_found', `no route for ${method} ${path}`);
  }

  private async guest(req: HttpRequest): Promise<HttpReply> {
    if (!this.takeGuestToken(req.ip)) return fail(429, 'rate_limited', 'too many guest sign-ins; try again later', { 'retry-after': '5' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body || '{}');
    } catch {
      return fail(400, 'bad_request', 'body must be JSON: {"name": "..."}');
    }
    const name = validateDisplayName((parsed as { name?: unknown } | null)?.name);
    if (!name) return fail(400, 'bad_request', `name must be 1-${Limits.maxName} printable characters, counted in UTF-16 code units (an emoji counts 2)`);
    // Guest sign-in needs no storage otherwise: with the database away, the names are not checked
    // here, and such a guest still shows as "<name> (not a bot)" once signed in (hello checks again).
    if (await this.hub.bots?.reserved(name).catch(() => false)) return fail(409, 'name_taken', `"${name}" is a bot's name; choose another`);
    try {
      const { token, identity } = this.hub.auth.issueGuest(name);
      return { status: 200, body: { token, user: { id: identity.id, name: identity.name, guest: true }, expiresAt: identity.expiresAt } };
    } catch (err) {
      if (err instanceof AuthError) return fail(403, 'forbidden', 'guest access is disabled on this server');
      throw err;
    }
  }

  private async rooms(req: HttpRequest): Promise<HttpReply> {
    const who = this.identify(req);
    if ('status' in who) return who;
    const limit = uintParam(req.query, 'limit');
    if (limit === null || (limit !== undefined && (limit < 1 || limit > Limits.maxRoomPage))) {
      return fail(400, 'bad_request', `limit must be an integer in 1-${Limits.maxRoomPage}`);
    }
    const cursor = req.query.get('cursor');
    const after = cursor ? decodeCursor(cursor) : undefined;
    if (after === null) return fail(400, 'bad_request', 'cursor is not one this server handed out: start again without it');
    const page = await this.hub.store.listPublicRooms(limit ?? Limits.maxRoomPage, after);
    return { status: 200, body: roomPage(page.rooms.map((r) => summary(r)), page.next) };
  }

  private async events(req: HttpRequest, roomId: string): Promise<HttpReply> {
    const who = this.identify(req);
    if ('status' in who) return who;
    const before = uintParam(req.query, 'before');
    const after = uintParam(req.query, 'after');
    const limit = uintParam(req.query, 'limit');
    if (before === null || after === null || limit === null || (limit !== undefined && (limit < 1 || limit > Limits.maxHistory))) {
      return fail(400, 'bad_request', `before/after must be non-negative integers, limit 1-${Limits.maxHistory}`);
    }
    const { store } = this.hub;
    // A private room the caller is not in reads exactly like a missing one (ADR 0007).
    if (!(await store.getMember(roomId, who.id)) && (await store.getRoom(roomId))?.kind !== RoomKind.Public) {
      const { code, message } = noRoom(roomId);
      return fail(404, code, message);
    }
    // A user banned from the room (or a guest whose device is) reads nothing of it here either.
    const moderation = await this.hub.moderation.state(roomId);
    if (moderation && !who.admin) {
      const banned = moderation.bans.get(`user:${who.id}`);
      if (moderation.bans.has(`user:${who.id}`) && (banned === undefined || banned > Date.now())) return fail(403, 'forbidden', 'you are banned from this room');
    }
    const thread = uintParam(req.query, 'thread');
    const main = req.query.get('main');
    if (thread === null || (main !== null && main !== 'true' && main !== 'false')) {
      return fail(400, 'bad_request', 'thread must be a non-negative integer, main true or false');
    }
    const query = { before, after, limit: limit ?? 50, viewer: who.id, thread, main: main === 'true' };
    return { status: 200, body: await store.messageHistory(roomId, query) };
  }

  private identify(req: HttpRequest): Identity | HttpReply {
    const m = /^Bearer\s+(\S+)$/i.exec(req.authorization);
    if (!m) return fail(401, 'unauthorized', 'send Authorization: Bearer <token>', { 'www-authenticate': 'Bearer' });
    try {
      return this.hub.auth.verify(m[1]);
    } catch (err) {
      if (err instanceof AuthError) return fail(401, 'unauthorized', `token rejected: ${err.reason}`, { 'www-authenticate': 'Bearer' });
      throw err;
    }
  }

  private takeGuestToken(ip: string): boolean {
    let bucket = this.guestBuckets.get(ip);
    if (!bucket) {
      if (this.guestBuckets.size >= MAX_TRACKED_IPS) this.guestBuckets.clear();
      this.guestBuckets.set(ip, (bucket = new TokenBucket(GUEST_RATE, GUEST_BURST)));
    }
    return bucket.take();
  }

  private cors(origin: string): Record<string, string> {
    if (!origin || !this.originAllowed(origin)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type',
      vary: 'Origin',
    };
  }
}

function notAllowed(): HttpReply {
  return fail(405, 'method_not_allowed', 'method not allowed');
}

/**
 * The percent-decoded room id of a path, or null when it is not valid percent-encoding (`%ff%fe`) or
 * not a room id by the same rule as every frame's (which also keeps U+0000 away from the database).
 */
export function roomIdParam(encoded: string): string | null {
  try {
    return RoomIdShape.parse(decodeURIComponent(encoded), 'room');
  } catch (err) {
    if (err instanceof URIError || err instanceof SchemaError) return null;
    throw err;
  }
}

/** undefined when absent, null when present but not a non-negative integer. */
function uintParam(q: URLSearchParams, name: string): number | undefined | null {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}
