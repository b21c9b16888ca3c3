// Webhooks in storage (ADR 0022): incoming hooks (hashed secrets), outgoing hooks, and the delivery
// queue that is filled from the room log and drained by whichever node claims a row first.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from './sql.js';

/** Every incoming hook's token starts with this, like bot keys with `pbot_`. */
export const HOOK_TOKEN_PREFIX = 'phook_';
const TOKEN = /^phook_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** User ids of incoming hooks' messages: `hook:<id>`, a prefix no token subject may take. */
export const HOOK_USER_PREFIX = 'hook:';

export interface IncomingHook {
  id: string;
  room: string;
  name: string;
  createdBy: string;
  createdAt: string;
  revoked: boolean;
}

export interface OutgoingHook {
  id: string;
  room: string;
  /** Only invocations of this command are delivered; null: every message of the room. */
  command: string | null;
  url: string;
  createdBy: string;
  createdAt: string;
}

/** A row of the queue as a sender works on it. */
export interface Delivery {
  id: string;
  hook: string;
  room: string;
  seq: number;
  url: string;
  secret: string;
  payload: string;
  attempts: number;
}

/** A delivery that failed its last attempt, as admins see it. */
export interface DeadDelivery {
  id: string;
  hook: string;
  room: string;
  seq: number;
  attempts: number;
  lastError: string;
  createdAt: number;
  failedAt: number | null;
}

/** The moderation hook of a room (section 27.4). */
export interface ModerationHookConfig {
  room: string;
  bot: string;
  timeoutMs: number;
  fail: 'open' | 'closed';
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const iso = (v: Date | string) => new Date(v).toISOString();
const newId = () => randomBytes(8).toString('hex');
const newSecret = () => randomBytes(32).toString('base64url');

interface InRow {
  id: string;
  room_id: string;
  name: string;
  created_by: string;
  created_at: Date | string;
  revoked_at: unknown;
}
interface OutRow {
  id: string;
  room_id: string;
  command: string | null;
  url: string;
  created_by: string;
  created_at: Date | string;
}
const inHook = (r: InRow): IncomingHook => ({ id: r.id, room: r.room_id, name: r.name, createdBy: r.created_by, createdAt: iso(r.created_at), revoked: r.revoked_at !== null });
const outHook = (r: OutRow): OutgoingHook => ({ id: r.id, room: r.room_id, command: r.command, url: r.url, createdBy: r.created_by, createdAt: iso(r.created_at) });
const IN_COLUMNS = 'id, room_id, name, created_by, created_at, revoked_at';
const OUT_COLUMNS = 'id, room_id, command, url, created_by, created_at';

export class WebhookStore {
  constructor(private readonly sql: Sql) {}

  // ---- incoming ----

  /** A new incoming hook of `room` posting as `name`; the token is in the answer only. */
  async createIncoming(room: string, name: string, by: string): Promise<{ hook: IncomingHook; token: string }> {
    const id = newId();
    const secret = newSecret();
    const [row] = await this.sql.query<InRow>(`INSERT INTO webhooks_in (id, room_id, name, hash, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${IN_COLUMNS}`, [id, room, name, sha256(secret), by]);
    return { hook: inHook(row!), token: `${HOOK_TOKEN_PREFIX}${id}_${secret}` };
  }

  /** A new secret for a live hook (same id, room and name): the old token is refused from now on. */
  async rotateIncoming(id: string): Promise<{ hook: IncomingHook; token: string } | null> {
    const secret = newSecret();
    const [row] = await this.sql.query<InRow>(`UPDATE webhooks_in SET hash = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING ${IN_COLUMNS}`, [id, sha256(secret)]);
    return row ? { hook: inHook(row), token: `${HOOK_TOKEN_PREFIX}${id}_${secret}` } : null;
  }

  async revokeIncoming(id: string): Promise<IncomingHook | null> {
    const [row] = await this.sql.query<InRow>(`UPDATE webhooks_in SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${IN_COLUMNS}`, [id]);
    return row ? inHook(row) : null;
  }

  async incoming(id: string): Promise<IncomingHook | null> {
    const [row] = await this.sql.query<InRow>(`SELECT ${IN_COLUMNS} FROM webhooks_in WHERE id = $1`, [id]);
    return row ? inHook(row) : null;
  }

  /** The live hook `token` opens, when it is the token of hook `id`; null otherwise (wrong, rotated, revoked). */
  async verifyIncoming(id: string, token: string): Promise<IncomingHook | null> {
    const m = TOKEN.exec(token);
    if (!m || m[1] !== id) return null;
    const [row] = await this.sql.query<InRow & { hash: string }>(`SELECT ${IN_COLUMNS}, hash FROM webhooks_in WHERE id = $1 AND revoked_at IS NULL`, [id]);
    if (!row) return null;
    const given = Buffer.from(sha256(m[2]!), 'hex');
    const stored = Buffer.from(row.hash, 'hex');
    return given.length === stored.length && timingSafeEqual(given, stored) ? inHook(row) : null;
  }

  async listIncoming(room?: string): Promise<IncomingHook[]> {
    const rows = await this.sql.query<InRow>(`SELECT ${IN_COLUMNS} FROM webhooks_in WHERE $1::text IS NULL OR room_id = $1 ORDER BY created_at, id`, [room ?? null]);
    return rows.map(inHook);
  }

  // ---- outgoing ----

  /** A new outgoing hook; deliveries start with the room's next event. The secret is in the answer only. */
  async createOutgoing(room: string, url: string, command: string | null, by: string): Promise<{ hook: OutgoingHook; secret: string }> {
    const secret = `pwhsec_${newSecret()}`;
    const [row] = await this.sql.query<OutRow>(
      `INSERT INTO webhooks_out (id, room_id, command, url, secret, position, created_by)
       SELECT $1, id, $3, $4, $5, head_seq, $6 FROM rooms WHERE id = $2 RETURNING ${OUT_COLUMNS}`,
      [newId(), room, command, url, secret, by],
    );
    if (!row) throw new Error(`no room "${room}"`);
    return { hook: outHook(row), secret };
  }

  async rotateOutgoing(id: string): Promise<{ hook: OutgoingHook; secret: string } | null> {
    const secret = `pwhsec_${newSecret()}`;
    const [row] = await this.sql.query<OutRow>(`UPDATE webhooks_out SET secret = $2 WHERE id = $1 RETURNING ${OUT_COLUMNS}`, [id, secret]);
    return row ? { hook: outHook(row), secret } : null;
  }

  /** Deletes the hook and its queued and dead deliveries. */
  async deleteOutgoing(id: string): Promise<OutgoingHook | null> {
    const [row] = await this.sql.query<OutRow>(`DELETE FROM webhooks_out WHERE id = $1 RETURNING ${OUT_COLUMNS}`, [id]);
    return row ? outHook(row) : null;
  }

  async outgoing(id: string): Promise<OutgoingHook | null> {
    const [row] = await this.sql.query<OutRow>(`SELECT ${OUT_COLUMNS} FROM webhooks_out WHERE id = $1`, [id]);
    return row ? outHook(row) : null;
  }

  async listOutgoing(room?: string): Promise<OutgoingHook[]> {
    const rows = await this.sql.query<OutRow>(`SELECT ${OUT_COLUMNS} FROM webhooks_out WHERE $1::text IS NULL OR room_id = $1 ORDER BY created_at, id`, [room ?? null]);
    return rows.map(outHook);
  }

  /**
   * One cheap look: whether any outgoing hook exists, whether events wait to be queued, whether
   * deliveries are due at `now`, and when the next pending delivery may be claimed (a retry's time
   * or a lease's end; null with none pending).
   */
  async work(now: number): Promise<{ fill: boolean; due: boolean; hooked: boolean; next: number | null }> {
    const [row] = await this.sql.query<{ fill: boolean; due: boolean; hooked: boolean; next: number | string | null }>(
      `SELECT EXISTS (SELECT 1 FROM webhooks_out) AS hooked,
              EXISTS (SELECT 1 FROM webhooks_out w JOIN rooms r ON r.id = w.room_id WHERE r.head_seq > w.position) AS fill,
              EXISTS (SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_at <= $1 AND claimed_until <= $1) AS due,
              (SELECT min(greatest(next_at, claimed_until)) FROM webhook_deliveries WHERE status = 'pending') AS next`,
      [now],
    );
    const next = row?.next === null || row?.next === undefined ? null : Number(row.next);
    return { fill: row?.fill === true, due: row?.due === true, hooked: row?.hooked === true, next };
  }

  /**
   * Turns the log events of hooked rooms past each hook's position into queued deliveries and moves
   * the positions, in one transaction per call; hooks another node is filling are skipped (SKIP
   * LOCKED), so no event is queued twice. Returns how many deliveries were queued.
   */
  async fill(now: number, batch = 200): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const hooks = await tx.query<{ id: string; room_id: string; command: string | null; position: number; head: number }>(
        `SELECT w.id, w.room_id, w.command, w.position, r.head_seq AS head FROM webhooks_out w JOIN rooms r ON r.id = w.room_id
         WHERE r.head_seq > w.position ORDER BY w.id LIMIT 50 FOR UPDATE OF w SKIP LOCKED`,
      );
      let queued = 0;
      for (const h of hooks) {
        const upTo = Math.min(Number(h.head), Number(h.position) + batch);
        const events = await tx.query<{ seq: number; id: string; kind: string; author: string; author_name: string; body: string | null; data: Record<string, unknown> | null; ts: number }>(
          `SELECT seq, id, kind, author, author_name, body, data, ts FROM events WHERE room_id = $1 AND seq > $2 AND seq <= $3 AND kind = 'msg' ORDER BY seq`,
          [h.room_id, h.position, upTo],
        );
        for (const e of events) {
          if (h.command !== null && e.data?.cmd !== h.command) continue;
          // A hook is not told of what hooks posted: a relay between two rooms would loop forever.
          if (e.author.startsWith(HOOK_USER_PREFIX)) continue;
          const id = `${h.id}.${e.seq}`;
          const payload = JSON.stringify({
            id,
            type: h.command === null ? 'message' : 'command',
            hook: h.id,
            room: h.room_id,
            ...(h.command !== null && { command: h.command }),
            message: { seq: Number(e.seq), id: e.id, ts: Number(e.ts), by: e.author, name: e.author_name, body: e.body ?? '', ...(e.data && { data: e.data }) },
          });
          await tx.query(
            `INSERT INTO webhook_deliveries (id, hook_id, room_id, seq, payload, next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING`,
            [id, h.id, h.room_id, e.seq, payload, now],
          );
          queued++;
        }
        await tx.query('UPDATE webhooks_out SET position = $2 WHERE id = $1', [h.id, upTo]);
      }
      return queued;
    });
  }

  /**
   * Claims up to `limit` due deliveries for `leaseMs`: no other node takes them meanwhile (the
   * claim is one statement over rows locked with SKIP LOCKED), and a node that dies mid-delivery
   * leaves them to be claimed again when the lease ends.
   */
  async claim(now: number, limit: number, leaseMs: number): Promise<Delivery[]> {
    const rows = await this.sql.query<{ id: string; hook_id: string; room_id: string; seq: number; payload: string; attempts: number; url: string; secret: string }>(
      `WITH due AS (
         SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_at <= $1 AND claimed_until <= $1
         ORDER BY next_at LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE webhook_deliveries d SET claimed_until = $1 + $3, attempts = d.attempts + 1
       FROM due, webhooks_out w WHERE d.id = due.id AND w.id = d.hook_id
       RETURNING d.id, d.hook_id, d.room_id, d.seq, d.payload, d.attempts, w.url, w.secret`,
      [now, limit, leaseMs],
    );
    return rows.map((r) => ({ id: r.id, hook: r.hook_id, room: r.room_id, seq: Number(r.seq), payload: r.payload, attempts: r.attempts, url: r.url, secret: r.secret }));
  }

  /** The receiver took it: the row goes (its id is what the receiver de-duplicates on). */
  async delivered(id: string): Promise<void> {
    await this.sql.query('DELETE FROM webhook_deliveries WHERE id = $1', [id]);
  }

  /** An attempt failed: try again at `nextAt`, or, with no `nextAt`, keep it as dead for admins. */
  async attemptFailed(id: string, error: string, now: number, nextAt: number | undefined): Promise<void> {
    const reason = error.slice(0, 500);
    if (nextAt === undefined) {
      await this.sql.query(`UPDATE webhook_deliveries SET status = 'dead', last_error = $2, failed_at = $3, claimed_until = 0 WHERE id = $1`, [id, reason, now]);
    } else {
      await this.sql.query('UPDATE webhook_deliveries SET last_error = $2, next_at = $3, claimed_until = 0 WHERE id = $1', [id, reason, nextAt]);
    }
  }

  async dead(room: string | undefined, limit: number): Promise<DeadDelivery[]> {
    const rows = await this.sql.query<{ id: string; hook_id: string; room_id: string; seq: number; attempts: number; last_error: string; created_at: number; failed_at: number | null }>(
      `SELECT id, hook_id, room_id, seq, attempts, last_error, created_at, failed_at FROM webhook_deliveries
       WHERE status = 'dead' AND ($1::text IS NULL OR room_id = $1) ORDER BY failed_at, id LIMIT $2`,
      [room ?? null, limit],
    );
    return rows.map((r) => ({ id: r.id, hook: r.hook_id, room: r.room_id, seq: Number(r.seq), attempts: r.attempts, lastError: r.last_error, createdAt: Number(r.created_at), failedAt: r.failed_at === null ? null : Number(r.failed_at) }));
  }

  /** A dead delivery goes back in the queue with a fresh set of attempts; false when there is no such dead delivery. */
  async retryDead(id: string, now: number): Promise<boolean> {
    const rows = await this.sql.query(`UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_at = $2, failed_at = NULL WHERE id = $1 AND status = 'dead' RETURNING id`, [id, now]);
    return rows.length > 0;
  }

  async deleteDead(id: string): Promise<boolean> {
    const rows = await this.sql.query(`DELETE FROM webhook_deliveries WHERE id = $1 AND status = 'dead' RETURNING id`, [id]);
    return rows.length > 0;
  }

  // ---- the moderation hook ----

  async moderationHook(room: string): Promise<ModerationHookConfig | null> {
    const [row] = await this.sql.query<{ bot_id: string; timeout_ms: number; fail: 'open' | 'closed' }>('SELECT bot_id, timeout_ms, fail FROM moderation_hooks WHERE room_id = $1', [room]);
    return row ? { room, bot: row.bot_id, timeoutMs: row.timeout_ms, fail: row.fail } : null;
  }

  async setModerationHook(c: ModerationHookConfig): Promise<void> {
    await this.sql.query(
      `INSERT INTO moderation_hooks (room_id, bot_id, timeout_ms, fail) VALUES ($1, $2, $3, $4)
       ON CONFLICT (room_id) DO UPDATE SET bot_id = EXCLUDED.bot_id, timeout_ms = EXCLUDED.timeout_ms, fail = EXCLUDED.fail`,
      [c.room, c.bot, c.timeoutMs, c.fail],
    );
  }

  async clearModerationHook(room: string): Promise<boolean> {
    return (await this.sql.query('DELETE FROM moderation_hooks WHERE room_id = $1 RETURNING room_id', [room])).length > 0;
  }
}
