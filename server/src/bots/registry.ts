// Bot accounts in storage (ADR 0017): bots, their hashed room-scoped keys, where each bot stopped in
// each room, and the commands each bot offers in each room. Used by the admin API, the CLI and hello.
import { RoomIdShape, SchemaError, type Command, type MessageAction } from '@parley/sdk/protocol';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { validateDisplayName } from '../auth.js';
import type { SqlSession, Sql } from '../store/sql.js';
import { UNIQUE_VIOLATION, sqlState } from '../store/sql.js';

/** Every bot key starts with this, so hello tells one from a JWT without trying to parse it. */
export const BOT_KEY_PREFIX = 'pbot_';
const KEY = /^pbot_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** User ids of bots; host tokens may not use the prefix (like `guest:`). */
export const BOT_ID_PREFIX = 'bot:';
/** How long a node trusts its list of reserved names before reading it again. */
const NAMES_TTL_MS = 2000;
/** How long routing trusts what it read of a room's commands (another node's publish shows after this). */
const ROUTES_TTL_MS = 1000;

export interface Bot {
  id: string;
  name: string;
  createdAt: string;
}

/** What a key may do beyond acting in its rooms: `moderate`, judge messages as a room's moderation hook. */
export const KEY_SCOPES = ['moderate'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

export interface BotKeyInfo {
  id: string;
  rooms: string[];
  scopes: string[];
  createdAt: string;
  revoked: boolean;
}

/** A key as created: its secret is in `key` and is never shown again. */
export interface IssuedKey {
  id: string;
  rooms: string[];
  scopes: string[];
  key: string;
}

/** Who a valid key speaks for, and where. */
export interface BotGrant {
  id: string;
  name: string;
  keyId: string;
  rooms: ReadonlySet<string>;
  scopes: ReadonlySet<string>;
}

/** A command of a room with the bot that owns it. */
export interface OwnedCommand extends Command {
  bot: string;
  botName: string;
}

/** The buttons of an ephemeral message: only `to` may use them. */
export interface EphemeralActions {
  room: string;
  bot: string;
  to: string;
  actions: MessageAction[];
}

/** Thrown for admin requests that cannot be done as asked; `status` is the HTTP status. */
export class BotAdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: 'bad_request' | 'not_found' | 'name_taken',
    message: string,
  ) {
    super(message);
  }
}

/** Case, width and spacing do not make a different name: "Weather Bot" reserves "weatherbot" and "ＷｅａｔｈｅｒＢｏｔ". */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/[\s_.-]+/g, '');
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export class BotRegistry {
  private names: Set<string> | undefined;
  private namesReadAt = 0;
  /** Rooms' commands as routing last read them: `/` messages do not each cost a query. */
  private readonly routes = new Map<string, { commands: Promise<OwnedCommand[]>; at: number }>();

  constructor(private readonly sql: Sql) {}

  /** Creates bot `name` with a first key scoped to `rooms`. Throws BotAdminError for a bad or taken name. */
  async create(name: string, rooms: readonly string[], scopes: readonly string[] = []): Promise<{ bot: Bot; key: IssuedKey }> {
    const clean = validateDisplayName(name);
    if (!clean) throw new BotAdminError(400, 'bad_request', 'a bot name is 1 to 64 characters without control characters');
    const key = nameKey(clean);
    const slug = key.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || randomBytes(6).toString('hex');
    const id = BOT_ID_PREFIX + slug.slice(0, 60);
    const scope = checkRooms(rooms);
    const extra = checkScopes(scopes);
    try {
      return await this.sql.transaction(async (tx) => {
        const [row] = await tx.query<{ created_at: Date | string }>(
          'INSERT INTO bots (id, name, name_key) VALUES ($1, $2, $3) RETURNING created_at',
          [id, clean, key],
        );
        // The bot's user row, so that it has its name before its first sign-in.
        await tx.query(
          'INSERT INTO users (id, name, guest) VALUES ($1, $2, false) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name',
          [id, clean],
        );
        const issued = await insertKey(tx, id, scope, extra);
        this.names?.add(key);
        return { bot: { id, name: clean, createdAt: iso(row!.created_at) }, key: issued };
      });
    } catch (err) {
      if (sqlState(err) === UNIQUE_VIOLATION) throw new BotAdminError(409, 'name_taken', `a bot named like "${clean}" exists already`);
      throw err;
    }
  }

  /** Every bot with its keys (never their secrets), oldest first. */
  async list(): Promise<(Bot & { keys: BotKeyInfo[] })[]> {
    const bots = await this.sql.query<{ id: string; name: string; created_at: Date | string }>('SELECT id, name, created_at FROM bots ORDER BY created_at, id');
    const keys = await this.sql.query<{ id: string; bot_id: string; rooms: string[]; scopes: string[]; created_at: Date | string; revoked_at: unknown }>(
      'SELECT id, bot_id, rooms, scopes, created_at, revoked_at FROM bot_keys ORDER BY created_at, id',
    );
    return bots.map((b) => ({
      id: b.id,
      name: b.name,
      createdAt: iso(b.created_at),
      keys: keys.filter((k) => k.bot_id === b.id).map((k) => ({ id: k.id, rooms: k.rooms, scopes: k.scopes, createdAt: iso(k.created_at), revoked: k.revoked_at !== null })),
    }));
  }

  /** A new key for `bot` scoped to `rooms`; its other keys keep working. */
  async addKey(bot: string, rooms: readonly string[], scopes: readonly string[] = []): Promise<IssuedKey> {
    const scope = checkRooms(rooms);
    const extra = checkScopes(scopes);
    return this.sql.transaction(async (tx) => {
      await this.requireBot(tx, bot);
      return insertKey(tx, bot, scope, extra);
    });
  }

  /** Replaces key `keyId` of `bot` by a new one with the same rooms: the old one is refused from now on. */
  async rotate(bot: string, keyId: string): Promise<IssuedKey> {
    return this.sql.transaction(async (tx) => {
      const [old] = await tx.query<{ rooms: string[]; scopes: string[] }>(
        'UPDATE bot_keys SET revoked_at = now() WHERE id = $1 AND bot_id = $2 AND revoked_at IS NULL RETURNING rooms, scopes',
        [keyId, bot],
      );
      if (!old) throw new BotAdminError(404, 'not_found', `bot "${bot}" has no live key "${keyId}"`);
      return insertKey(tx, bot, old.rooms, old.scopes);
    });
  }

  /** Revokes key `keyId` of `bot`; connections signed in with it are closed (see {@link revokedAmong}). */
  async revoke(bot: string, keyId: string): Promise<void> {
    const rows = await this.sql.query('UPDATE bot_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND bot_id = $2 RETURNING id', [keyId, bot]);
    if (rows.length === 0) throw new BotAdminError(404, 'not_found', `bot "${bot}" has no key "${keyId}"`);
  }

  /** The bot a key speaks for, or null for a malformed, unknown or revoked key. */
  async verify(key: string): Promise<BotGrant | null> {
    const m = KEY.exec(key);
    if (!m) return null;
    const [row] = await this.sql.query<{ hash: string; rooms: string[]; scopes: string[]; bot_id: string; name: string }>(
      'SELECT k.hash, k.rooms, k.scopes, k.bot_id, b.name FROM bot_keys k JOIN bots b ON b.id = k.bot_id WHERE k.id = $1 AND k.revoked_at IS NULL',
      [m[1]],
    );
    if (!row) return null;
    const given = Buffer.from(hashSecret(m[2]!), 'hex');
    const stored = Buffer.from(row.hash, 'hex');
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) return null;
    return { id: row.bot_id, name: row.name, keyId: m[1]!, rooms: new Set(row.rooms), scopes: new Set(row.scopes) };
  }

  /** Of `keyIds`, those revoked since (sessions signed in with them are closed). */
  async revokedAmong(keyIds: readonly string[]): Promise<string[]> {
    if (keyIds.length === 0) return [];
    const rows = await this.sql.query<{ id: string }>('SELECT id FROM bot_keys WHERE id = ANY($1::text[]) AND revoked_at IS NOT NULL', [keyIds]);
    return rows.map((r) => r.id);
  }

  /** True when `name` is a bot's name (case, width and spacing aside): no one else may take it. */
  async reserved(name: string): Promise<boolean> {
    if (!this.names || Date.now() - this.namesReadAt > NAMES_TTL_MS) {
      const rows = await this.sql.query<{ name_key: string }>('SELECT name_key FROM bots');
      this.names = new Set(rows.map((r) => r.name_key));
      this.namesReadAt = Date.now();
    }
    return this.names.has(nameKey(name));
  }

  /** The bot's position in each of `rooms` (0 where it handled nothing yet). */
  async positions(bot: string, rooms: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.sql.query<{ room_id: string; seq: number }>('SELECT room_id, seq FROM bot_positions WHERE bot_id = $1 AND room_id = ANY($2::text[])', [bot, rooms]);
    const out = new Map(rooms.map((r) => [r, 0]));
    for (const r of rows) out.set(r.room_id, Number(r.seq));
    return out;
  }

  /** Moves the bot's position in `room` to `seq` unless it is further already; returns the position. */
  async handled(bot: string, room: string, seq: number): Promise<number> {
    const [row] = await this.sql.query<{ seq: number }>(
      `INSERT INTO bot_positions (bot_id, room_id, seq) VALUES ($1, $2, $3)
       ON CONFLICT (bot_id, room_id) DO UPDATE SET seq = greatest(bot_positions.seq, EXCLUDED.seq) RETURNING seq`,
      [bot, room, seq],
    );
    return Number(row!.seq);
  }

  /** The commands `bot` offers in `room` now, and the seq of the event that said so (null: none published). */
  async commandsOf(bot: string, room: string): Promise<{ commands: Command[]; seq: number } | null> {
    const [row] = await this.sql.query<{ commands: Command[]; seq: number }>('SELECT commands, seq FROM bot_commands WHERE room_id = $1 AND bot_id = $2', [room, bot]);
    return row ? { commands: row.commands, seq: Number(row.seq) } : null;
  }

  /** Records the commands `bot` offers in `room`, as said by event `seq`. */
  async setCommands(bot: string, room: string, commands: readonly Command[], seq: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO bot_commands (room_id, bot_id, commands, seq) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (room_id, bot_id) DO UPDATE SET commands = EXCLUDED.commands, seq = EXCLUDED.seq WHERE bot_commands.seq <= EXCLUDED.seq`,
      [room, bot, JSON.stringify(commands), seq],
    );
    this.routes.delete(room);
  }

  /** {@link roomCommands}, read at most once per ROUTES_TTL_MS per room: what routing a `/` message uses. */
  routesOf(room: string): Promise<OwnedCommand[]> {
    const cached = this.routes.get(room);
    if (cached && Date.now() - cached.at < ROUTES_TTL_MS) return cached.commands;
    if (this.routes.size >= 10_000) this.routes.clear();
    const commands = this.roomCommands(room);
    this.routes.set(room, { commands, at: Date.now() });
    commands.catch(() => this.routes.delete(room));
    return commands;
  }

  /** Every command offered in `room`, by bot name then command name. */
  async roomCommands(room: string): Promise<OwnedCommand[]> {
    const rows = await this.sql.query<{ bot_id: string; name: string; commands: Command[] }>(
      'SELECT c.bot_id, b.name, c.commands FROM bot_commands c JOIN bots b ON b.id = c.bot_id WHERE c.room_id = $1 ORDER BY b.name_key',
      [room],
    );
    return rows.flatMap((r) => r.commands.map((c) => ({ ...c, bot: r.bot_id, botName: r.name })));
  }

  /** The buttons and selects message `seq` of `room` has now (migration 15); null when it has none. */
  async messageActions(room: string, seq: number): Promise<MessageAction[] | null> {
    const [row] = await this.sql.query<{ actions: MessageAction[] }>('SELECT actions FROM message_actions WHERE room_id = $1 AND seq = $2', [room, seq]);
    return row ? row.actions : null;
  }

  /** Keeps the buttons of an ephemeral message, so that a click on them can be checked. */
  async keepEphemeral(e: EphemeralActions & { id: string; ts: number }): Promise<void> {
    await this.sql.query('INSERT INTO bot_ephemerals (id, room_id, bot_id, to_user, actions, ts) VALUES ($1, $2, $3, $4, $5::jsonb, $6)', [
      e.id,
      e.room,
      e.bot,
      e.to,
      JSON.stringify(e.actions),
      e.ts,
    ]);
  }

  /** The buttons of ephemeral message `id`, with whom they were shown to; null for an unknown id. */
  async ephemeral(id: string): Promise<EphemeralActions | null> {
    const [row] = await this.sql.query<{ room_id: string; bot_id: string; to_user: string; actions: MessageAction[] }>(
      'SELECT room_id, bot_id, to_user, actions FROM bot_ephemerals WHERE id = $1',
      [id],
    );
    return row ? { room: row.room_id, bot: row.bot_id, to: row.to_user, actions: row.actions } : null;
  }

  /** Whether `user` spent action id `aid` already. */
  async actionSpent(user: string, aid: string): Promise<boolean> {
    return (await this.sql.query('SELECT 1 FROM bot_action_ids WHERE user_id = $1 AND aid = $2', [user, aid])).length > 0;
  }

  /** Spends action id `aid` of `user`: false when it was spent already (a replay). */
  async spendAction(user: string, aid: string, room: string): Promise<boolean> {
    const rows = await this.sql.query('INSERT INTO bot_action_ids (user_id, aid, room_id, ts) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1', [
      user,
      aid,
      room,
      Date.now(),
    ]);
    return rows.length > 0;
  }

  private async requireBot(tx: SqlSession, bot: string): Promise<void> {
    const rows = await tx.query('SELECT 1 FROM bots WHERE id = $1', [bot]);
    if (rows.length === 0) throw new BotAdminError(404, 'not_found', `no bot "${bot}"`);
  }
}

async function insertKey(tx: SqlSession, bot: string, rooms: readonly string[], scopes: readonly string[]): Promise<IssuedKey> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await tx.query('INSERT INTO bot_keys (id, bot_id, hash, rooms, scopes) VALUES ($1, $2, $3, $4::text[], $5::text[])', [id, bot, hashSecret(secret), rooms, scopes]);
  return { id, rooms: [...rooms], scopes: [...scopes], key: `${BOT_KEY_PREFIX}${id}_${secret}` };
}

/** A key's scopes beyond its rooms: each one of KEY_SCOPES. */
function checkScopes(scopes: readonly string[] | undefined): string[] {
  if (scopes === undefined) return [];
  if (!Array.isArray(scopes) || !scopes.every((x) => (KEY_SCOPES as readonly unknown[]).includes(x))) {
    throw new BotAdminError(400, 'bad_request', `scopes may only name ${KEY_SCOPES.join(', ')}`);
  }
  return [...new Set(scopes)];
}

/** A key's scope: 1 to 100 room ids, each valid. */
function checkRooms(rooms: readonly string[]): string[] {
  if (!Array.isArray(rooms) || rooms.length === 0 || rooms.length > 100) throw new BotAdminError(400, 'bad_request', 'a key is scoped to 1 to 100 rooms');
  for (const room of rooms) {
    try {
      RoomIdShape.parse(room, 'room');
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      throw new BotAdminError(400, 'bad_request', `"${String(room)}" is not a room id`);
    }
  }
  return [...new Set(rooms)];
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}
