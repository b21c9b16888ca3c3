// The admin console's reads and the few admin actions that are not a room's moderation (ADR 0023):
// rooms of every kind (list, search, create, members, messages around a seq), users (search, one
// user's rooms, sanctions and connections, disconnect), what the server offers the console, and live
// figures. Authorization is AdminApi's; this module only answers.
import { Limits, RoomIdShape, RoomKind, SchemaError } from '@parley/sdk/protocol';
import { validateDisplayName } from '../auth.js';
import type { Hub } from '../core/hub.js';
import type { Actor } from '../core/moderation-requests.js';
import type { RoomRulesRecord } from '../store/moderation.js';
import type { EventData } from '../store/store.js';
import { roomIdParam, type HttpReply, type HttpRequest } from './api.js';
import { json as jsonObject } from './bot-admin.js';

/** What the console may switch on, from this server's configuration: never guessed by the client. */
export interface ConsoleFeatures {
  /** Bot accounts and their keys (/admin/api/bots). */
  bots: boolean;
  /** Webhooks and their admin endpoints: not on this server yet. */
  webhooks: boolean;
  /** The one-click sign-in of a development server (ADR 0023). */
  devSignIn: boolean;
}

const USER_ROUTE = /^\/admin\/api\/users\/([^/]+)(?:\/(disconnect))?$/;
const ROOM_ROUTE = /^\/admin\/api\/rooms\/([^/]+)\/(members|messages|archive|links)$/;
/** Longest search text: ids and names are at most this long anyway. */
const MAX_SEARCH = 128;
const MAX_PAGE = 200;
const SESSION_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** The longest wait before new guests post links, as PARLEY_GUEST_LINK_DELAY_MS allows: a year. */
const MAX_LINK_DELAY_MS = 31_536_000_000;

export const fail = (status: number, code: string, message: string): HttpReply => ({ status, body: { error: { code, message } } });
const ok = (body: unknown, status = 200): HttpReply => ({ status, body });

export class AdminDirectory {
  constructor(
    private readonly hub: Hub,
    private readonly features: () => ConsoleFeatures,
    /** This node's Prometheus exposition text. */
    private readonly scrape: () => Promise<string>,
  ) {}

  /** The reply for `req`, or undefined when the path is not one of this module's. */
  async handle(req: HttpRequest, actor: Actor): Promise<HttpReply | undefined> {
    const { method, path } = req;
    if (path === '/admin/api/me') return method === 'GET' ? this.me(actor) : notAllowed('GET');
    if (path === '/admin/api/figures') return method === 'GET' ? ok({ at: Date.now(), ...figures(await this.scrape()) }) : notAllowed('GET');
    if (path === '/admin/api/rooms') {
      if (method === 'GET') return this.rooms(req.query);
      return method === 'POST' ? this.createRoom(req.body, actor) : notAllowed('GET or POST');
    }
    if (path === '/admin/api/users') return method === 'GET' ? this.users(req.query) : notAllowed('GET');
    const r = ROOM_ROUTE.exec(path);
    if (r) {
      const change = r[2] === 'archive' || r[2] === 'links';
      if (method !== (change ? 'POST' : 'GET')) return notAllowed(change ? 'POST' : 'GET');
      const room = roomIdParam(r[1]!);
      if (room === null) return fail(400, 'bad_request', 'the room id in the path is not a valid room id');
      if (!(await this.hub.store.getRoom(room))) return fail(404, 'not_found', `no room "${room}"`);
      if (r[2] === 'archive') return this.archive(room, req.body, actor);
      if (r[2] === 'links') return this.links(room, req.body, actor);
      return r[2] === 'members' ? this.members(room, req.query) : this.messages(room, req.query, actor);
    }
    const u = USER_ROUTE.exec(path);
    if (!u) return undefined;
    let user: string;
    try {
      user = decodeURIComponent(u[1]!);
    } catch {
      return fail(400, 'bad_request', 'the user id in the path is not valid percent-encoding');
    }
    if (u[2] === 'disconnect') return method === 'POST' ? this.disconnect(user, req.body) : notAllowed('POST');
    return method === 'GET' ? this.user(user) : notAllowed('GET');
  }

  private me(actor: Actor): HttpReply {
    const c = this.hub.config;
    return ok({
      user: { id: actor.userId, name: actor.userName },
      features: this.features(),
      limits: { maxSlowSeconds: Limits.maxSlowSeconds, maxFilterWords: Limits.maxFilterWords, maxReason: Limits.maxReason, maxName: Limits.maxName },
      // The server-wide protection every public room has (configuration, shown read-only).
      protection: {
        guestLinkDelayMs: c.guestLinkDelayMs,
        floodMessages: c.floodMessages,
        floodWindowMs: c.floodWindowMs,
        floodMuteMs: c.floodMuteMs,
        filterWords: c.filterWords.length,
      },
    });
  }

  private async rooms(q: URLSearchParams): Promise<HttpReply> {
    const search = q.get('search') ?? '';
    const after = q.get('after') ?? undefined;
    const limit = pageLimit(q);
    if (search.length > MAX_SEARCH || limit === null || (after !== undefined && roomIdParam(encodeURIComponent(after)) === null)) {
      return fail(400, 'bad_request', `search is at most ${MAX_SEARCH} characters, limit 1-${MAX_PAGE}, after a room id`);
    }
    const rooms = await this.hub.store.moderation.roomDirectory({ search, after, limit: limit + 1 });
    const more = rooms.length > limit;
    return ok({ rooms: rooms.slice(0, limit), ...(more ? { next: rooms[limit - 1]!.id } : {}) });
  }

  /** A public or private room made by the server (like PARLEY_ROOMS): no owner; admins and the moderators they name run it. */
  private async createRoom(raw: string, actor: Actor): Promise<HttpReply> {
    const body = jsonObject(raw);
    if (!body) return fail(400, 'bad_request', 'body must be JSON: {"id": "support", "name": "Support", "kind": "public"}');
    let id: string;
    try {
      id = RoomIdShape.parse(body.id, 'id');
    } catch (err) {
      if (err instanceof SchemaError) return fail(400, 'bad_request', err.message);
      throw err;
    }
    if (id.startsWith('dm:')) return fail(400, 'bad_request', 'ids beginning with "dm:" are reserved for direct rooms');
    const kind = body.kind ?? RoomKind.Public;
    if (kind !== RoomKind.Public && kind !== RoomKind.Private) return fail(400, 'bad_request', 'kind must be public or private');
    const name = body.name === undefined || body.name === '' ? id : validateDisplayName(body.name);
    if (!name) return fail(400, 'bad_request', `name must be 1-${Limits.maxName} printable characters`);
    const res = await this.hub.store.createRoom({ id, name, kind, owner: null, creator: { id: actor.userId, name: actor.userName }, members: [], server: true });
    if (!res.created) return fail(409, 'conflict', `room "${id}" already exists`);
    for (const e of res.events) this.hub.publishEvent(e);
    await this.hub.store.moderation.record({ room: id, actor: actor.userId, action: 'room_create', target: null, reason: '', seq: res.events[0]?.seq ?? null, data: { kind, name } });
    return ok({ room: { id, name, kind } }, 201);
  }

  /**
   * Archives a room (read-only for everyone but its moderators, left out of the public room list,
   * nothing deleted) or reopens it: a `mod` event (action archive or unarchive) and an audit row.
   */
  private async archive(room: string, raw: string, actor: Actor): Promise<HttpReply> {
    const body = jsonObject(raw);
    const reason = body?.reason ?? '';
    if (!body || typeof body.archived !== 'boolean' || typeof reason !== 'string' || reason.length > Limits.maxReason) {
      return fail(400, 'bad_request', `body must be JSON: {"archived": true or false, "reason": "at most ${Limits.maxReason} characters"}`);
    }
    const action = body.archived ? 'archive' : 'unarchive';
    await this.changeRules(room, actor, action, reason, { archived: body.archived, locked: body.archived });
    return ok({ room, archived: body.archived });
  }

  /**
   * Sets how long after first signing in a guest may post links in this public room (ms; 0: at
   * once), or with null goes back to the server's PARLEY_GUEST_LINK_DELAY_MS: a `mod` event `links`.
   */
  private async links(room: string, raw: string, actor: Actor): Promise<HttpReply> {
    const delayMs = jsonObject(raw)?.delayMs;
    if (delayMs !== null && (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_LINK_DELAY_MS)) {
      return fail(400, 'bad_request', `body must be JSON: {"delayMs": 0-${MAX_LINK_DELAY_MS}, or null for the server's setting}`);
    }
    await this.changeRules(room, actor, 'links', '', { linkDelayMs: delayMs }, delayMs === null ? {} : { seconds: Math.ceil(delayMs / 1000) });
    return ok({ room, linkDelayMs: delayMs, effectiveMs: delayMs ?? this.hub.config.guestLinkDelayMs });
  }

  /** A change of a room's rules as every moderator action is made: its `mod` event, its audit row, every node told. */
  private async changeRules(room: string, actor: Actor, action: string, reason: string, rules: Partial<RoomRulesRecord>, data: EventData = {}): Promise<void> {
    const event: EventData = { action, ...data, ...(reason ? { reason } : {}) };
    await this.hub.moderate({ room, actor: { id: actor.userId, name: actor.userName }, action, reason, event, rules }, { action });
  }

  private async members(room: string, q: URLSearchParams): Promise<HttpReply> {
    const offset = Number(q.get('offset') ?? '0');
    const limit = pageLimit(q);
    if (!Number.isInteger(offset) || offset < 0 || offset > 1_000_000 || limit === null) return fail(400, 'bad_request', `offset must be a non-negative integer, limit 1-${MAX_PAGE}`);
    const online = this.hub.presence.usersIn(room);
    return ok({ ...(await this.hub.store.moderation.memberPage(room, online, offset, limit)), online });
  }

  /** The messages around `around` (a seq): where a report points, with what was said before and after. */
  private async messages(room: string, q: URLSearchParams, actor: Actor): Promise<HttpReply> {
    const raw = q.get('around') ?? '';
    if (!/^\d{1,15}$/.test(raw)) return fail(400, 'bad_request', 'around must be a message seq');
    return ok(await this.hub.store.messageHistory(room, { around: Number(raw), limit: 11, viewer: actor.userId }));
  }

  private async users(q: URLSearchParams): Promise<HttpReply> {
    const search = q.get('search') ?? '';
    const limit = pageLimit(q);
    if (search.length > MAX_SEARCH || limit === null) return fail(400, 'bad_request', `search is at most ${MAX_SEARCH} characters, limit 1-${MAX_PAGE}`);
    return ok({ users: await this.hub.store.moderation.userDirectory(search, limit) });
  }

  /** One user: their rooms and roles, the mutes and bans in force, and their connections to this node. */
  private async user(id: string): Promise<HttpReply> {
    const { store, config } = this.hub;
    const user = await store.getUser(id);
    if (!user) return fail(404, 'not_found', `no user "${id}"`);
    const [rooms, sanctions] = await Promise.all([store.listUserRooms(id, MAX_PAGE), store.moderation.sanctionsOf(id)]);
    const sessions = [...this.hub.sessionsOf(id)].map((s) => ({
      id: s.id,
      device: s.device ?? null,
      address: s.conn.remoteAddress,
      openedAt: s.openedAt,
      lastActive: s.lastActive,
      rooms: s.rooms.size,
      bot: s.bot !== undefined,
    }));
    return ok({
      user: { ...user, admin: config.admins.includes(id) },
      rooms: rooms.rooms.map((r) => ({ id: r.id, name: r.name, kind: r.kind, role: r.role })),
      sanctions,
      sessions,
    });
  }

  private disconnect(user: string, raw: string): HttpReply {
    const body = raw ? jsonObject(raw) : {};
    const session = body?.session;
    if (!body || (session !== undefined && (typeof session !== 'string' || !SESSION_ID.test(session)))) {
      return fail(400, 'bad_request', 'body must be empty or JSON: {"session": "<a session id from GET /admin/api/users/:id>"}');
    }
    this.hub.disconnect(user, session as string | undefined);
    return ok({ disconnected: user, ...(session === undefined ? {} : { session }) });
  }
}

/**
 * The console's figures from this node's exposition text: open connections, messages stored so far,
 * and the send→ack latency histogram (cumulative counts per bucket bound): the console takes rates
 * and the p99 from the difference between two readings.
 */
export function figures(text: string): { connections: number; messages: number; sendAck: { le: (number | null)[]; counts: number[] } } {
  let connections = 0;
  let messages = 0;
  /** Bucket bounds in seconds; null for +Inf (JSON has no Infinity). */
  const le: (number | null)[] = [];
  const counts: number[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('parley_connections ')) connections = Number(line.slice(19));
    else if (line.startsWith('parley_messages_in_total ')) messages = Number(line.slice(25));
    else {
      const m = /^parley_send_ack_seconds_bucket\{le="([^"]+)"\} (\S+)$/.exec(line);
      if (m) {
        le.push(m[1] === '+Inf' ? null : Number(m[1]));
        counts.push(Number(m[2]));
      }
    }
  }
  return { connections, messages, sendAck: { le, counts } };
}

function pageLimit(q: URLSearchParams): number | null {
  const raw = q.get('limit');
  if (raw === null || raw === '') return 50;
  const n = Number(raw);
  return /^\d{1,3}$/.test(raw) && n >= 1 && n <= MAX_PAGE ? n : null;
}

function notAllowed(use: string): HttpReply {
  return fail(405, 'method_not_allowed', `use ${use}`);
}
