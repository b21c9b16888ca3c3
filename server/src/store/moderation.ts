// Moderation in SQL (migration 13): room rules, mutes and bans in force, the append-only audit log
// and the report queue. A moderator action changes them, appends its events and its audit row in one transaction.
import type { RoomEvent } from '@parley/sdk/protocol';
import { appendToRoom, EVENT_COLUMNS, toEvent, type EventDraft, type EventRow } from './event-log.js';
import type { SqlSession } from './sql.js';
import { RoomNotFoundError, type EventData, type RoleName } from './store.js';

export type GuestPolicyName = 'post' | 'read';
export type FilterAction = 'block' | 'hold';

/** A room's rules; a room without stored rules has {@link DEFAULT_RULES}. */
export interface RoomRulesRecord {
  slowMs: number;
  locked: boolean;
  guests: GuestPolicyName;
  /** Filtered words (lower case). */
  words: string[];
  filterAction: FilterAction;
  /** Pinned seqs, most recent first. */
  pins: number[];
  /** Archived by an admin (migration 17): locked too, and left out of the public room list. */
  archived: boolean;
  /** How long after first signing in a guest may post links here, ms; null: the server's setting (migration 17). */
  linkDelayMs: number | null;
}

export const DEFAULT_RULES: Readonly<RoomRulesRecord> = Object.freeze({ slowMs: 0, locked: false, guests: 'post', words: [], filterAction: 'block', pins: [], archived: false, linkDelayMs: null });

/** A mute or ban in force. `subject` is `user:<id>` or `device:<hash>`. */
export interface SanctionRecord {
  subject: string;
  kind: 'mute' | 'ban';
  /** ms epoch; undefined: until lifted. */
  until?: number;
  by: string;
  reason: string;
}

/** What one moderator action changes, all in one transaction with its events and audit row. */
export interface ModerationChange {
  room: string;
  actor: { id: string; name: string };
  /** The audit row's action (the `mod` event's `data.action`, or `delete`). */
  action: string;
  target?: string;
  reason: string;
  /** The `mod` event's data; no `mod` event when absent (a moderator `delete` appends only the delete). */
  event?: EventData;
  /** Messages to delete (redaction), before the `mod` event. */
  deleteSeqs?: readonly number[];
  rules?: Partial<RoomRulesRecord>;
  /** Sanctions put in force (replacing one of the same subject and kind). */
  impose?: readonly SanctionRecord[];
  /** Sanctions lifted. */
  lift?: readonly { subject: string; kind: 'mute' | 'ban' }[];
  /** Lifts the device bans made when this user was banned. */
  liftDevicesOf?: string;
  /** A member's new role (only for someone who is a member). */
  role?: { user: string; role: RoleName };
  /** Extra audit data. */
  data?: Record<string, unknown>;
}

export interface AuditEntry {
  id: string;
  ts: number;
  room: string | null;
  actor: string;
  action: string;
  target: string | null;
  reason: string;
  /** Seq of the event that carried the action, when there was one. */
  seq: number | null;
  data: Record<string, unknown> | null;
}

export interface ReportRecord {
  id: string;
  kind: 'report' | 'held';
  room: string;
  /** The reported message; null for a held message, which is not in the log. */
  seq: number | null;
  reporter: string;
  reason: string;
  /** A held message's author, name and text. */
  author: string | null;
  authorName: string | null;
  body: string | null;
  status: 'open' | 'resolved';
  resolution: string | null;
  resolvedBy: string | null;
  createdAt: number;
  resolvedAt: number | null;
}

/** A room as the admin console lists it. */
export interface AdminRoomRecord {
  id: string;
  name: string;
  kind: string;
  owner: string | null;
  /** Seq of the room's latest event. */
  head: number;
  members: number;
  locked: boolean;
  slowMs: number;
  guests: GuestPolicyName;
  archived: boolean;
}

/** A user as the admin console finds them. */
export interface AdminUserRecord {
  id: string;
  name: string;
  guest: boolean;
  /** First seen, ms epoch. */
  createdAt: number;
}

/** An ILIKE pattern matching any text that contains `search` literally ('' for none). */
function containsPattern(search: string): string {
  return search === '' ? '' : `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

type Run = <T>(fn: (tx: SqlSession) => Promise<T>) => Promise<T>;

/** The moderation tables, reached through the store's guarded reads and transactions. */
export class SqlModeration {
  constructor(
    private readonly read: Run,
    private readonly transact: Run,
  ) {}

  /** The room's rules and the sanctions in force now; null for a room that does not exist. */
  async rules(room: string): Promise<{ kind: string; rules: RoomRulesRecord; sanctions: SanctionRecord[] } | null> {
    return this.read(async (db) => {
      const rows = await db.query<{ kind: string; slow_ms: number | null; locked: boolean | null; guests: GuestPolicyName | null; words: string[] | null; filter_action: FilterAction | null; pins: number[] | null; archived: boolean | null; link_delay_ms: number | string | null }>(
        `SELECT r.kind, x.slow_ms, x.locked, x.guests, x.words, x.filter_action, x.pins, x.archived, x.link_delay_ms
           FROM rooms r LEFT JOIN room_rules x ON x.room_id = r.id WHERE r.id = $1`,
        [room],
      );
      const row = rows[0];
      if (!row) return null;
      const sanctions = await db.query<{ subject: string; kind: 'mute' | 'ban'; until: number | null; by_user: string; reason: string }>(
        'SELECT subject, kind, until, by_user, reason FROM sanctions WHERE room_id = $1 AND (until IS NULL OR until > $2)',
        [room, Date.now()],
      );
      const rules: RoomRulesRecord =
        row.slow_ms === null
          ? { ...DEFAULT_RULES, words: [], pins: [] }
          : { slowMs: row.slow_ms, locked: row.locked!, guests: row.guests!, words: row.words!, filterAction: row.filter_action!, pins: row.pins!.map(Number), archived: row.archived!, linkDelayMs: row.link_delay_ms === null ? null : Number(row.link_delay_ms) };
      return { kind: row.kind, rules, sanctions: sanctions.map((s) => ({ subject: s.subject, kind: s.kind, ...(s.until === null ? {} : { until: Number(s.until) }), by: s.by_user, reason: s.reason })) };
    });
  }

  /** Applies one moderator action; resolves with the events appended (deletes first, then the `mod` event). */
  async apply(change: ModerationChange): Promise<RoomEvent[]> {
    return this.transact(async (tx) => {
      const locked = await tx.query('SELECT id FROM rooms WHERE id = $1 FOR UPDATE', [change.room]);
      if (locked.length === 0) throw new RoomNotFoundError(`room ${change.room} does not exist`);
      if (change.rules) await saveRules(tx, change.room, change.rules);
      for (const s of change.impose ?? []) {
        await tx.query(
          `INSERT INTO sanctions (room_id, subject, kind, until, by_user, reason) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (room_id, subject, kind) DO UPDATE SET until = EXCLUDED.until, by_user = EXCLUDED.by_user, reason = EXCLUDED.reason`,
          [change.room, s.subject, s.kind, s.until ?? null, s.by, s.reason],
        );
      }
      for (const s of change.lift ?? []) {
        await tx.query('DELETE FROM sanctions WHERE room_id = $1 AND subject = $2 AND kind = $3', [change.room, s.subject, s.kind]);
      }
      if (change.liftDevicesOf !== undefined) {
        await tx.query(`DELETE FROM sanctions WHERE room_id = $1 AND kind = 'ban' AND subject LIKE 'device:%' AND split_part(subject, '|', 2) = $2`, [change.room, change.liftDevicesOf]);
      }
      if (change.role) {
        await tx.query(`UPDATE members SET role = $3 WHERE room_id = $1 AND user_id = $2 AND role <> 'owner'`, [change.room, change.role.user, change.role.role]);
      }
      const drafts: EventDraft[] = (change.deleteSeqs ?? []).map((seq) => ({ room: change.room, kind: 'delete', by: change.actor.id, name: change.actor.name, data: { target: seq } }));
      if (change.event) drafts.push({ room: change.room, kind: 'mod', by: change.actor.id, name: change.actor.name, data: change.event });
      const events = drafts.length ? ((await appendToRoom(tx, change.room, drafts)) ?? []) : [];
      const last = events[events.length - 1];
      await insertAudit(tx, { room: change.room, actor: change.actor.id, action: change.action, target: change.target ?? null, reason: change.reason, seq: last?.seq ?? null, data: change.data ?? null });
      return events;
    });
  }

  /** Records an action that is not a room event (a report resolved, an admin's change of filters). */
  async record(entry: Omit<AuditEntry, 'id' | 'ts'>): Promise<void> {
    await this.transact((tx) => insertAudit(tx, entry));
  }

  /** Audit entries, newest first, optionally of one room and of one action, older than `before` (an entry id). */
  async audit(query: { room?: string | undefined; action?: string | undefined; before?: string | undefined; limit: number }): Promise<AuditEntry[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.room !== undefined) where.push(`room_id = $${params.push(query.room)}`);
    if (query.action !== undefined) where.push(`action = $${params.push(query.action)}`);
    if (query.before !== undefined) where.push(`id < $${params.push(query.before)}::int8`);
    const rows = await this.read((db) =>
      db.query<{ id: number | string; ts: number; room_id: string | null; actor: string; action: string; target: string | null; reason: string; seq: number | null; data: Record<string, unknown> | null }>(
        `SELECT id, ts, room_id, actor, action, target, reason, seq, data FROM audit_log
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.push(query.limit)}`,
        params,
      ),
    );
    return rows.map((r) => ({ id: String(r.id), ts: Number(r.ts), room: r.room_id, actor: r.actor, action: r.action, target: r.target, reason: r.reason, seq: r.seq === null ? null : Number(r.seq), data: r.data }));
  }

  /** Queues a report (or a held message); resolves with its id. */
  async report(input: { kind: 'report' | 'held'; room: string; seq: number | null; reporter: string; reason: string; author?: string; authorName?: string; body?: string }): Promise<string> {
    const rows = await this.read((db) =>
      db.query<{ id: number | string }>(
        `INSERT INTO reports (kind, room_id, seq, reporter, reason, author, author_name, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [input.kind, input.room, input.seq, input.reporter, input.reason, input.author ?? null, input.authorName ?? null, input.body ?? null, Date.now()],
      ),
    );
    return String(rows[0]!.id);
  }

  /** Reports, oldest first, by status (default open) and optionally room, after `after` (a report id). */
  async reports(query: { status?: 'open' | 'resolved' | undefined; room?: string | undefined; after?: string | undefined; limit: number }): Promise<ReportRecord[]> {
    const params: unknown[] = [query.status ?? 'open'];
    const where = ['status = $1'];
    if (query.room !== undefined) where.push(`room_id = $${params.push(query.room)}`);
    if (query.after !== undefined) where.push(`id > $${params.push(query.after)}::int8`);
    const rows = await this.read((db) => db.query<ReportRow>(`SELECT * FROM reports WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.push(query.limit)}`, params));
    return rows.map(toReport);
  }

  /** Marks an open report resolved; null when there is no such open report. */
  async resolve(id: string, by: string, resolution: string): Promise<ReportRecord | null> {
    return this.transact(async (tx) => {
      const rows = await tx.query<ReportRow>(
        `UPDATE reports SET status = 'resolved', resolution = $3, resolved_by = $2, resolved_at = $4
          WHERE id = $1::int8 AND status = 'open' RETURNING *`,
        [id, by, resolution, Date.now()],
      );
      const report = rows[0] ? toReport(rows[0]) : null;
      if (report) await insertAudit(tx, { room: report.room, actor: by, action: `report_${resolution}`, target: report.author ?? (report.seq === null ? null : String(report.seq)), reason: report.reason, seq: report.seq, data: { report: id } });
      return report;
    });
  }

  /** Seqs of the user's latest messages still there, newest first, at most `limit`, sent after `since` (ms epoch). */
  async recentMessages(room: string, user: string, since: number, limit: number): Promise<number[]> {
    const rows = await this.read((db) =>
      db.query<{ seq: number }>(
        `SELECT e.seq FROM events e LEFT JOIN messages m ON m.room_id = e.room_id AND m.seq = e.seq
          WHERE e.room_id = $1 AND e.kind = 'msg' AND e.author = $2 AND e.ts >= $3 AND NOT coalesce(m.deleted, false)
          ORDER BY e.seq DESC LIMIT $4`,
        [room, user, since, limit],
      ),
    );
    return rows.map((r) => Number(r.seq));
  }

  /** When the user was first seen (ms epoch), or undefined for an unknown user. */
  async firstSeen(user: string): Promise<number | undefined> {
    const rows = await this.read((db) => db.query<{ at: number | string }>('SELECT (extract(epoch FROM created_at) * 1000)::int8 AS at FROM users WHERE id = $1', [user]));
    return rows[0] ? Number(rows[0].at) : undefined;
  }

  /** One page of members, the `online` ones first, then the most recently joined. */
  async memberPage(room: string, online: readonly string[], offset: number, limit: number): Promise<{ members: { user: string; name: string; role: RoleName }[]; total: number }> {
    return this.read(async (db) => {
      const members = await db.query<{ user: string; name: string; role: RoleName }>(
        `SELECT m.user_id AS "user", coalesce(u.name, m.user_id) AS name, m.role
           FROM members m LEFT JOIN users u ON u.id = m.user_id
          WHERE m.room_id = $1
          ORDER BY (m.user_id = ANY($2::text[])) DESC, m.joined_at DESC, m.user_id
          OFFSET $3 LIMIT $4`,
        [room, [...online], offset, limit],
      );
      const [count] = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM members WHERE room_id = $1', [room]);
      return { members, total: Number(count?.n ?? 0) };
    });
  }

  /**
   * Rooms of every kind for the admin console, by id: those whose id or name contains `search`
   * (case-insensitive), after the room id `after`, with their member count and rules.
   */
  async roomDirectory(query: { search: string; after?: string | undefined; limit: number }): Promise<AdminRoomRecord[]> {
    const rows = await this.read((db) =>
      db.query<{ id: string; name: string; kind: string; owner: string | null; head: number | string; members: number | string; locked: boolean | null; slow_ms: number | null; guests: GuestPolicyName | null; archived: boolean | null }>(
        `SELECT r.id, r.name, r.kind, r.owner, r.head_seq AS head,
                (SELECT count(*) FROM members m WHERE m.room_id = r.id) AS members, x.locked, x.slow_ms, x.guests, x.archived
           FROM rooms r LEFT JOIN room_rules x ON x.room_id = r.id
          WHERE ($1::text = '' OR r.id ILIKE $1::text ESCAPE '\\' OR r.name ILIKE $1::text ESCAPE '\\')
            AND ($2::text IS NULL OR r.id > $2::text)
          ORDER BY r.id LIMIT $3`,
        [containsPattern(query.search), query.after ?? null, query.limit],
      ),
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      owner: r.owner,
      head: Number(r.head),
      members: Number(r.members),
      locked: r.locked ?? DEFAULT_RULES.locked,
      slowMs: r.slow_ms ?? DEFAULT_RULES.slowMs,
      guests: r.guests ?? DEFAULT_RULES.guests,
      archived: r.archived ?? DEFAULT_RULES.archived,
    }));
  }

  /** Users whose id or name contains `search` (case-insensitive), by name, at most `limit`. */
  async userDirectory(search: string, limit: number): Promise<AdminUserRecord[]> {
    const rows = await this.read((db) =>
      db.query<{ id: string; name: string; guest: boolean; created: number | string }>(
        `SELECT id, name, guest, (extract(epoch FROM created_at) * 1000)::int8 AS created FROM users
          WHERE $1::text = '' OR id ILIKE $1::text ESCAPE '\\' OR name ILIKE $1::text ESCAPE '\\'
          ORDER BY name, id LIMIT $2`,
        [containsPattern(search), limit],
      ),
    );
    return rows.map((r) => ({ id: r.id, name: r.name, guest: r.guest, createdAt: Number(r.created) }));
  }

  /** The user's mutes and bans in force, in every room. */
  async sanctionsOf(user: string): Promise<(SanctionRecord & { room: string })[]> {
    const rows = await this.read((db) =>
      db.query<{ room_id: string; subject: string; kind: 'mute' | 'ban'; until: number | null; by_user: string; reason: string }>(
        'SELECT room_id, subject, kind, until, by_user, reason FROM sanctions WHERE subject = $1 AND (until IS NULL OR until > $2) ORDER BY room_id, kind',
        [`user:${user}`, Date.now()],
      ),
    );
    return rows.map((s) => ({ room: s.room_id, subject: s.subject, kind: s.kind, ...(s.until === null ? {} : { until: Number(s.until) }), by: s.by_user, reason: s.reason }));
  }

  /** A `msg` event as stored, for letting a held message through. */
  async event(room: string, seq: number): Promise<RoomEvent | null> {
    const rows = await this.read((db) => db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE room_id = $1 AND seq = $2`, [room, seq]));
    return rows[0] ? toEvent(rows[0]) : null;
  }
}

interface ReportRow {
  id: number | string;
  kind: 'report' | 'held';
  room_id: string;
  seq: number | null;
  reporter: string;
  reason: string;
  author: string | null;
  author_name: string | null;
  body: string | null;
  status: 'open' | 'resolved';
  resolution: string | null;
  resolved_by: string | null;
  created_at: number;
  resolved_at: number | null;
}

function toReport(r: ReportRow): ReportRecord {
  return {
    id: String(r.id),
    kind: r.kind,
    room: r.room_id,
    seq: r.seq === null ? null : Number(r.seq),
    reporter: r.reporter,
    reason: r.reason,
    author: r.author,
    authorName: r.author_name,
    body: r.body,
    status: r.status,
    resolution: r.resolution,
    resolvedBy: r.resolved_by,
    createdAt: Number(r.created_at),
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
  };
}

async function saveRules(tx: SqlSession, room: string, patch: Partial<RoomRulesRecord>): Promise<void> {
  await tx.query('INSERT INTO room_rules (room_id) VALUES ($1) ON CONFLICT (room_id) DO NOTHING', [room]);
  const sets: string[] = [];
  const params: unknown[] = [room];
  if (patch.slowMs !== undefined) sets.push(`slow_ms = $${params.push(patch.slowMs)}`);
  if (patch.locked !== undefined) sets.push(`locked = $${params.push(patch.locked)}`);
  if (patch.guests !== undefined) sets.push(`guests = $${params.push(patch.guests)}`);
  if (patch.words !== undefined) sets.push(`words = $${params.push(JSON.stringify(patch.words))}::jsonb`);
  if (patch.filterAction !== undefined) sets.push(`filter_action = $${params.push(patch.filterAction)}`);
  if (patch.pins !== undefined) sets.push(`pins = $${params.push(JSON.stringify(patch.pins))}::jsonb`);
  if (patch.archived !== undefined) sets.push(`archived = $${params.push(patch.archived)}`);
  if (patch.linkDelayMs !== undefined) sets.push(`link_delay_ms = $${params.push(patch.linkDelayMs)}`);
  if (sets.length) await tx.query(`UPDATE room_rules SET ${sets.join(', ')} WHERE room_id = $1`, params);
}

async function insertAudit(tx: SqlSession, e: Omit<AuditEntry, 'id' | 'ts'>): Promise<void> {
  await tx.query(
    'INSERT INTO audit_log (ts, room_id, actor, action, target, reason, seq, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [Date.now(), e.room, e.actor, e.action, e.target, e.reason, e.seq, e.data === null ? null : JSON.stringify(e.data)],
  );
}
