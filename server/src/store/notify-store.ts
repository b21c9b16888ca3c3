// What push notifications and link previews keep (migration 11): users' push subscriptions, their
// do-not-disturb and muted rooms, and the cache of link previews. Plain reads and single-statement writes.
import type { LinkPreview } from '@parley/sdk/protocol';
import type { SqlSession } from './sql.js';

type Query = <Row>(text: string, params?: readonly unknown[]) => Promise<Row[]>;
type Transact = <T>(fn: (tx: SqlSession) => Promise<T>) => Promise<T>;

export interface PushSubscriptionRecord {
  endpoint: string;
  user: string;
  device: string | null;
  p256dh: string;
  auth: string;
}

export interface NotifySettingsRecord {
  dnd: boolean;
  muted: string[];
}

/** A cached preview: `preview` null when the page could not be previewed (a failure is cached too). */
export interface CachedPreview {
  preview: LinkPreview | null;
  fetchedAt: number;
}

export class NotifyStore {
  constructor(
    private readonly query: Query,
    private readonly transact: Transact,
  ) {}

  /**
   * Keeps `sub` for its user (an endpoint held by someone else moves to this user: the browser signed
   * in as them). Refused (returns null) when the user already keeps `max` other subscriptions; else the count kept.
   */
  async subscribe(sub: PushSubscriptionRecord, max: number): Promise<number | null> {
    return this.transact(async (tx) => {
      // One subscribe per user at a time: two browsers subscribing at once would each count the
      // others before either is stored, and keep one more than the limit. The statement after the
      // lock sees what the one before it stored.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`parley.push_subscribe.${sub.user}`]);
      const rows = await tx.query<{ n: number; kept: number }>(
        `WITH others AS (
           SELECT count(*) AS n FROM push_subscriptions WHERE user_id = $2 AND endpoint <> $1
         ), kept AS (
           INSERT INTO push_subscriptions (endpoint, user_id, device, p256dh, auth)
           SELECT $1, $2, $3, $4, $5 FROM others WHERE others.n < $6
           ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, device = EXCLUDED.device,
             p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, created_at = now()
           RETURNING 1
         )
         SELECT (SELECT n FROM others)::int + (SELECT count(*) FROM kept)::int AS n, (SELECT count(*) FROM kept)::int AS kept`,
        [sub.endpoint, sub.user, sub.device, sub.p256dh, sub.auth, max],
      );
      const row = rows[0];
      return row && row.kept > 0 ? Number(row.n) : null;
    });
  }

  /** Forgets `endpoint` if `user` holds it (any user when `user` is undefined: the push service said it is gone). */
  async unsubscribe(endpoint: string, user?: string): Promise<boolean> {
    const rows = user === undefined
      ? await this.query('DELETE FROM push_subscriptions WHERE endpoint = $1 RETURNING 1', [endpoint])
      : await this.query('DELETE FROM push_subscriptions WHERE endpoint = $1 AND user_id = $2 RETURNING 1', [endpoint, user]);
    return rows.length > 0;
  }

  /** The subscriptions of `users` who want to be told about `room` now: not in do-not-disturb, not muting it. */
  async pushTargets(users: readonly string[], room: string): Promise<PushSubscriptionRecord[]> {
    if (users.length === 0) return [];
    return this.query<PushSubscriptionRecord>(
      `SELECT p.endpoint, p.user_id AS "user", p.device, p.p256dh, p.auth
         FROM push_subscriptions p
         LEFT JOIN notify_settings n ON n.user_id = p.user_id
        WHERE p.user_id = ANY($1::text[])
          AND NOT coalesce(n.dnd, false)
          AND NOT coalesce($2 = ANY(n.muted), false)
        ORDER BY p.user_id, p.endpoint`,
      [users, room],
    );
  }

  async settings(user: string): Promise<NotifySettingsRecord> {
    const rows = await this.query<NotifySettingsRecord>('SELECT dnd, muted FROM notify_settings WHERE user_id = $1', [user]);
    return rows[0] ?? { dnd: false, muted: [] };
  }

  /**
   * Changes `user`'s settings: `dnd` when given, `room` muted or not. A mute beyond `maxMuted` rooms
   * changes nothing and returns null.
   */
  async changeSettings(user: string, change: { dnd?: boolean | undefined; room?: string | undefined; muted?: boolean | undefined }, maxMuted: number): Promise<NotifySettingsRecord | null> {
    const rows = await this.query<NotifySettingsRecord>(
      `INSERT INTO notify_settings AS s (user_id, dnd, muted)
       VALUES ($1, coalesce($2, false), CASE WHEN $4 THEN ARRAY[$3]::text[] ELSE '{}' END)
       ON CONFLICT (user_id) DO UPDATE SET
         dnd = coalesce($2, s.dnd),
         muted = CASE
           WHEN $3::text IS NULL THEN s.muted
           WHEN $4 AND NOT ($3 = ANY(s.muted)) THEN
             CASE WHEN cardinality(s.muted) < $5 THEN s.muted || $3::text ELSE s.muted END
           WHEN NOT $4 THEN array_remove(s.muted, $3::text)
           ELSE s.muted END
       RETURNING dnd, muted`,
      [user, change.dnd ?? null, change.room ?? null, change.muted ?? false, maxMuted],
    );
    const row = rows[0]!;
    if (change.room !== undefined && change.muted && !row.muted.includes(change.room)) return null;
    return row;
  }

  async cachedPreview(url: string): Promise<CachedPreview | null> {
    const rows = await this.query<{ ok: boolean; title: string | null; description: string | null; site: string | null; image: string | null; fetched_at: number }>(
      'SELECT ok, title, description, site, image, fetched_at FROM link_previews WHERE url = $1',
      [url],
    );
    const row = rows[0];
    if (!row) return null;
    const fetchedAt = Number(row.fetched_at);
    if (!row.ok) return { preview: null, fetchedAt };
    const preview: LinkPreview = { url };
    if (row.title !== null) preview.title = row.title;
    if (row.description !== null) preview.description = row.description;
    if (row.site !== null) preview.site = row.site;
    if (row.image !== null) preview.image = row.image;
    return { preview, fetchedAt };
  }

  async cachePreview(url: string, preview: LinkPreview | null, fetchedAt: number): Promise<void> {
    await this.query(
      `INSERT INTO link_previews (url, ok, title, description, site, image, fetched_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (url) DO UPDATE SET ok = EXCLUDED.ok, title = EXCLUDED.title, description = EXCLUDED.description,
         site = EXCLUDED.site, image = EXCLUDED.image, fetched_at = EXCLUDED.fetched_at`,
      [url, preview !== null, preview?.title ?? null, preview?.description ?? null, preview?.site ?? null, preview?.image ?? null, fetchedAt],
    );
  }
}
