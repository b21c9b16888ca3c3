// The Store over SQL, one dialect for both drivers (PGlite is real Postgres). Appends are group
// committed; every other write is its own transaction that takes the room row lock like a batch does.
import type { RoomEvent, UserEvent } from '@parley/sdk/protocol';
import { fitName } from '../name-length.js';
import { writeAppendBatchFast } from './append-fast.js';
import { appendToRoom, EVENT_COLUMNS, liftActions, sinkActions, toEvent, type EventDraft, type EventRow } from './event-log.js';
import { GroupCommit, type BatchTiming, type Outcome } from './group-commit.js';
import { migrate } from './migrate.js';
import { NotifyStore } from './notify-store.js';
import { UploadStore } from './uploads.js';
import { applySearchLanguage, DEFAULT_SEARCH_LANGUAGE } from './search-language.js';
import { SearchIndexer } from './search-indexer.js';
import { searchMessages, type SearchQuery, type SearchRows } from './search.js';
import { SqlModeration } from './moderation.js';
import { appendUserEvents, userEventsAfter, userHead } from './user-log.js';
import { readViews, roomReadView, writeReadMarks } from './read-marks.js';
import { messageState, projectedHistory, reactionTargets, type ReactionProbe, type ReactionTarget } from './projection.js';
import { FOREIGN_KEY_VIOLATION, isUnavailable, sqlState, UNIQUE_VIOLATION, type Sql, type SqlSession } from './sql.js';
import {
  RoomLimitError,
  RoomNotFoundError,
  StoreUnavailableError,
  type AppendInput,
  type ExpiredMembership,
  type AppendResult,
  type HistoryPage,
  type HistoryQuery,
  type MessageHistoryQuery,
  type MessageState,
  type MemberRecord,
  type MemberRead,
  type ReadMark,
  type ReadMarkOutcome,
  type ReadView,
  type RoleName,
  type RoomKindName,
  type RoomListPage,
  type RoomListPosition,
  type RoomRecord,
  type Store,
  type StoreOutage,
  type StoredUserEvent,
  type UserNotice,
  type UserRecord,
} from './store.js';

export interface SqlStoreOptions {
  /** Most appends written in one transaction. Default 2000. */
  maxBatch?: number;
  /**
   * Most append batches in flight at once, pipelined on the appender connection (they run and answer
   * in order). Default 2 with PostgreSQL: the next batch waits at the database while one commits,
   * instead of a round trip behind it. 1 with PGlite, whose one session runs a statement at a time.
   */
  maxInFlight?: number;
  /** Language of search: `simple` (default) or a stemmer's, such as `english` (store/search-language.ts). */
  searchLanguage?: string;
}

/** Counters of the store's work since it was opened. */
export interface StoreStats {
  /** Database engine behind the store. */
  driver: 'pglite' | 'pg';
  /** Calls to `append`. */
  appends: number;
  /** Group-commit batches flushed. */
  batches: number;
  /** Most appends in one batch. */
  largestBatch: number;
  /** Write transactions begun (batches, retries, room and membership changes, migrations). */
  transactions: number;
  /** Batches written again after losing a cid race to another node. */
  retries: number;
  /** Appends waiting for the next batch. */
  queued: number;
}

const CID_INDEX = 'events_room_author_cid_key';
const ROOM_COLUMNS = `r.id, r.name, r.kind, r.owner, r.head_seq,
  (SELECT count(*) FROM members c WHERE c.room_id = r.id) AS member_count`;
/** Room-list order (RoomListPosition): server rooms (no creator) first, then by id. */
const LIST_KEY = '(r.creator IS NOT NULL), r.id';

interface RoomRow {
  id: string;
  name: string;
  kind: RoomKindName;
  owner: string | null;
  head_seq: number;
  member_count: number;
}

/** A row of a room list: the room and whether the server made it (its place in list order). */
interface ListedRow extends RoomRow {
  by_server: boolean;
}

export class SqlStore implements Store {
  /** Push subscriptions, notification settings and the link preview cache (migration 11). */
  readonly notify = new NotifyStore(
    (text, params) => this.read(text, params),
    (fn) => this.transact(fn),
  );
  /** Uploaded files (migration 14). */
  readonly uploads = new UploadStore((text, params) => this.read(text, params));
  private readonly appends: GroupCommit<AppendInput, AppendResult>;
  /** The reads `react` is checked with, batched like appends: a reaction storm shares a few queries. */
  private readonly reactionReads: GroupCommit<ReactionProbe, ReactionTarget>;
  /** Read marks, batched like appends: a thousand members reading at once share a few statements. */
  private readonly readMarks: GroupCommit<ReadMark & { smallRoom: number }, ReadMarkOutcome>;
  /** Sign-ins, batched like appends: a connection storm's hellos share a few statements. */
  private readonly signIns: GroupCommit<UserRecord, { user: UserRecord; logHead: number }>;
  private initialised: Promise<void> | null = null;
  private readonly searchLanguage: string;
  private closed = false;
  private appendCount = 0;
  private transactions = 0;
  /** Writes answered by the database (append batches, transactions): the search indexer follows it. */
  private committed = 0;
  private indexer: SearchIndexer | undefined;
  private retries = 0;
  /** When the current outage began; undefined while the database answers. */
  private downSince: number | undefined;
  private outageObserver: ((change: StoreOutage) => void) | undefined;
  private userEventObserver: ((events: readonly StoredUserEvent[]) => void) | undefined;
  readonly moderation: SqlModeration = new SqlModeration(
    (fn) => this.guard(() => fn(this.sql)),
    (fn) => this.transact(fn),
  );

  constructor(
    /** The database underneath: tests read the tables through it to see what is really stored. */
    readonly sql: Sql,
    options: SqlStoreOptions = {},
  ) {
    this.searchLanguage = options.searchLanguage ?? DEFAULT_SEARCH_LANGUAGE;
    this.appends = new GroupCommit((batch) => this.writeBatch(batch), {
      maxBatch: options.maxBatch ?? 2000,
      maxInFlight: options.maxInFlight ?? (sql.driver === 'pg' ? 2 : 1),
    });
    this.reactionReads = new GroupCommit(
      async (probes) => (await this.guard(() => reactionTargets(this.sql, probes))).map((value) => ({ ok: true as const, value })),
      { maxBatch: 1000, maxInFlight: 2 },
    );
    this.readMarks = new GroupCommit(
      async (marks) =>
        (await this.guard(() => writeReadMarks(this.sql, marks, marks[0]!.smallRoom))).map((value) => ({ ok: true as const, value })),
      { maxBatch: 1000, maxInFlight: 1 },
    );
    this.signIns = new GroupCommit((users) => this.signInBatch(users), { maxBatch: 500, maxInFlight: 2 });
  }

  stats(): StoreStats {
    const { batches, largestBatch } = this.appends.counters;
    return {
      driver: this.sql.driver,
      appends: this.appendCount,
      batches,
      largestBatch,
      transactions: this.transactions,
      retries: this.retries,
      queued: this.appends.queued,
    };
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  init(): Promise<void> {
    // Memoised: the server and `openStore` may both call it; a failed attempt can be retried.
    this.initialised ??= this.guard(async () => {
      this.transactions += 1;
      await migrate(this.sql);
      await applySearchLanguage(this.sql, this.searchLanguage);
      // Started once the search table exists; its first round takes whatever a previous run left.
      this.indexer ??= new SearchIndexer(this.sql, () => this.committed, this.sql.driver === 'pg');
    }).catch((err: unknown) => {
      this.initialised = null;
      throw err;
    });
    return this.initialised;
  }

  /** The search indexer, once `init` has started it: for metrics and its health in the log. */
  get searchIndexer(): SearchIndexer | undefined {
    return this.indexer;
  }

  async close(): Promise<void> {
    // New appends are refused from here on; those already queued are still written.
    this.closed = true;
    await this.appends.settled();
    await this.indexer?.stop();
    await this.sql.close();
  }

  async ping(): Promise<void> {
    await this.read('SELECT 1');
  }

  observeCommits(observer: (batch: BatchTiming) => void): void {
    this.appends.observer = observer;
  }

  observeOutages(observer: (change: StoreOutage) => void): void {
    this.outageObserver = observer;
  }

  observeUserEvents(observer: (events: readonly StoredUserEvent[]) => void): void {
    this.userEventObserver = observer;
  }

  async sharedSetting(name: string, initial: string): Promise<string> {
    const inserted = await this.read<{ value: string }>(
      'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value',
      [name, initial],
    );
    if (inserted[0]) return inserted[0].value;
    // Another node's insert won (ON CONFLICT waited for it to commit): a new statement sees its row.
    const stored = await this.read<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name]);
    if (!stored[0]) throw new Error(`setting ${name} conflicted on insert but cannot be read`);
    return stored[0].value;
  }

  // ---- users ----------------------------------------------------------------------------------

  async ensureUser(user: UserRecord): Promise<UserRecord> {
    return (await this.getUser(user.id)) ?? this.insertUser(user);
  }

  /** Stores a user not seen before; one inserted meanwhile by another node is read back instead. */
  private async insertUser(user: UserRecord): Promise<UserRecord> {
    const inserted = await this.read<UserRecord>(
      `INSERT INTO users (id, name, guest) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO NOTHING RETURNING id, name, guest`,
      [user.id, fitName(user.name), user.guest],
    );
    // Empty when another node inserted the same user meanwhile: theirs is the stored record.
    return inserted[0] ?? (await this.getUser(user.id)) ?? user;
  }

  signIn(user: UserRecord): Promise<{ user: UserRecord; logHead: number }> {
    return this.signIns.submit({ ...user, name: fitName(user.name) });
  }

  /**
   * Signs in a batch of users with one statement (a connection storm is mostly first sign-ins, each
   * a statement's round trip and its write to PostgreSQL in the kernel): known users are read,
   * unknown ones inserted, with the head of each one's log (notices may reach someone before their
   * first sign-in). Nothing is written for a known user. A user twice in one batch is inserted once,
   * with the first connection's name, as two statements in a row would have done.
   */
  private async signInBatch(users: readonly UserRecord[]): Promise<Outcome<{ user: UserRecord; logHead: number }>[]> {
    try {
      return await this.signInTogether(users);
    } catch (err) {
      // A statement refused for one user's data must not fail the others' hellos: each alone, then.
      // A database that is away fails them all, as it would one by one.
      if (users.length === 1 || isUnavailable(err)) throw err;
      return Promise.all(users.map((u) => this.signInTogether([u]).then((outcomes) => outcomes[0]!, (error: unknown) => ({ ok: false as const, error }))));
    }
  }

  private async signInTogether(users: readonly UserRecord[]): Promise<Outcome<{ user: UserRecord; logHead: number }>[]> {
    const rows = await this.read<{ id: string | null; name: string; guest: boolean; head: number | string }>(
      `WITH wanted AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bool[]) WITH ORDINALITY AS w(id, name, guest, ord)),
            found AS (SELECT id, name, guest FROM users WHERE id = ANY($1::text[])),
            added AS (INSERT INTO users (id, name, guest)
                      SELECT DISTINCT ON (w.id) w.id, w.name, w.guest FROM wanted w
                       WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.id = w.id) ORDER BY w.id, w.ord
                      ON CONFLICT (id) DO NOTHING RETURNING id, name, guest)
       SELECT coalesce(f.id, a.id) AS id, coalesce(f.name, a.name) AS name, coalesce(f.guest, a.guest) AS guest,
              coalesce(h.head_seq, 0) AS head
         FROM wanted w LEFT JOIN found f ON f.id = w.id LEFT JOIN added a ON a.id = w.id
              LEFT JOIN user_heads h ON h.user_id = w.id
        ORDER BY w.ord`,
      [users.map((u) => u.id), users.map((u) => u.name), users.map((u) => u.guest)],
    );
    return Promise.all(
      users.map(async (user, i): Promise<Outcome<{ user: UserRecord; logHead: number }>> => {
        const row = rows[i]!;
        const logHead = Number(row.head);
        if (row.id !== null) return { ok: true, value: { user: { id: row.id, name: row.name, guest: row.guest }, logHead } };
        // Inserted by another node between this statement's snapshot and its insert: theirs is the stored record.
        try {
          return { ok: true, value: { user: (await this.getUser(user.id)) ?? user, logHead } };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const rows = await this.read<UserRecord>('SELECT id, name, guest FROM users WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  async ensureUsers(ids: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0) return [];
    // The outer SELECT reads the table as it was before the INSERT: new users come from `added`.
    const rows = await this.read<{ id: string; name: string | null; guest: boolean | null }>(
      `WITH wanted AS (SELECT id, ord FROM unnest($1::text[]) WITH ORDINALITY AS w(id, ord)),
            added AS (INSERT INTO users (id, name, guest) SELECT DISTINCT id, id, false FROM wanted
                      ON CONFLICT (id) DO NOTHING RETURNING id, name, guest)
       SELECT w.id, coalesce(a.name, u.name) AS name, coalesce(a.guest, u.guest) AS guest
         FROM wanted w LEFT JOIN added a ON a.id = w.id LEFT JOIN users u ON u.id = w.id
        ORDER BY w.ord`,
      [[...ids]],
    );
    // A user inserted meanwhile by another node is in neither: its row is read again, as it is now.
    const raced = rows.filter((r) => r.name === null).map((r) => r.id);
    const now = raced.length ? await this.read<UserRecord>('SELECT id, name, guest FROM users WHERE id = ANY($1::text[])', [raced]) : [];
    const byId = new Map(now.map((u) => [u.id, u]));
    return rows.map((r) => (r.name === null ? (byId.get(r.id) ?? { id: r.id, name: r.id, guest: false }) : { id: r.id, name: r.name, guest: r.guest! }));
  }

  async setUserName(id: string, name: string): Promise<UserRecord> {
    const rows = await this.read<UserRecord>(
      `INSERT INTO users (id, name) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name RETURNING id, name, guest`,
      [id, fitName(name)],
    );
    return rows[0]!;
  }

  // ---- rooms ----------------------------------------------------------------------------------

  async createRoom(input: Parameters<Store['createRoom']>[0]): Promise<{ room: RoomRecord; created: boolean; events: RoomEvent[] }> {
    const members = orderMembers(input);
    return this.transactNotifying(async (tx, notify) => {
      if (input.quota !== undefined) {
        // One creator's creations take turns (on every node: the row lock is the database's), so
        // concurrent requests cannot each see room for one more. An existing room is not a creation.
        await tx.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [input.creator.id]);
        const existing = await selectRoom(tx, input.id);
        if (existing) return { room: existing, created: false, events: [] };
        const [made] = await tx.query<{ n: number }>('SELECT count(*) AS n FROM rooms WHERE creator = $1', [input.creator.id]);
        if (made!.n >= input.quota) throw new RoomLimitError(input.quota);
      }
      const inserted = await tx.query(
        `INSERT INTO rooms (id, name, kind, owner, creator) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [input.id, fitName(input.name), input.kind, input.owner, input.server ? null : input.creator.id],
      );
      if (inserted.length === 0) {
        const room = await selectRoom(tx, input.id);
        if (!room) throw new Error(`room ${input.id} conflicted on insert but cannot be read`);
        return { room, created: false, events: [] };
      }
      await tx.query(
        `INSERT INTO members (room_id, user_id, role) SELECT $1, * FROM unnest($2::text[], $3::text[])`,
        [input.id, members.map((m) => m.id), members.map((m) => (m.id === input.owner ? 'owner' : 'member'))],
      );
      const drafts: EventDraft[] = [
        { room: input.id, kind: 'room', by: input.creator.id, name: input.creator.name, data: { name: input.name, kind: input.kind } },
        ...members.map((m) => ({
          room: input.id,
          kind: 'join',
          by: m.id,
          name: m.name,
          ...(m.id === input.creator.id ? {} : { data: { inviter: input.creator.id } }),
        })),
      ];
      const events = (await appendToRoom(tx, input.id, drafts))!;
      // Everyone the creator put in the room hears of it in their own log, in the same transaction.
      const others = input.server ? [] : members.filter((m) => m.id !== input.creator.id);
      await notify(
        others.map((m): UserNotice =>
          input.kind === 'dm'
            ? { user: m.id, kind: 'dm', data: { room: input.id, with: input.creator.id } }
            : { user: m.id, kind: 'added', data: { room: input.id, by: input.creator.id } },
        ),
      );
      const room: RoomRecord = {
        id: input.id,
        name: fitName(input.name),
        kind: input.kind,
        owner: input.owner,
        head: events.length,
        members: members.length,
      };
      return { room, created: true, events };
    });
  }

  async getRoom(id: string): Promise<RoomRecord | null> {
    return this.guard(() => selectRoom(this.sql, id));
  }

  async heads(rooms: readonly string[]): Promise<Map<string, number>> {
    if (rooms.length === 0) return new Map();
    const rows = await this.read<{ id: string; head_seq: number }>('SELECT id, head_seq FROM rooms WHERE id = ANY($1::text[])', [[...rooms]]);
    return new Map(rows.map((r) => [r.id, r.head_seq]));
  }

  async listPublicRooms(limit: number, after?: RoomListPosition): Promise<RoomListPage> {
    const params: unknown[] = [];
    // An archived room (migration 17) is not listed; it can still be read by id.
    const where = [`r.kind = 'public'`, 'NOT EXISTS (SELECT 1 FROM room_rules x WHERE x.room_id = r.id AND x.archived)', ...listedAfter(after, params)];
    const rows = await this.read<ListedRow>(
      `SELECT ${ROOM_COLUMNS}, r.creator IS NULL AS by_server FROM rooms r
        WHERE ${where.join(' AND ')} ORDER BY ${LIST_KEY} LIMIT $${params.push(limit + 1)}`,
      params,
    );
    return toPage(rows, limit, toRoom);
  }

  async listUserRooms(userId: string, limit?: number, after?: RoomListPosition): Promise<RoomListPage<RoomRecord & { role: RoleName }>> {
    const params: unknown[] = [userId];
    const where = ['m.user_id = $1', ...listedAfter(after, params)];
    const rows = await this.read<ListedRow & { role: RoleName }>(
      `SELECT ${ROOM_COLUMNS}, r.creator IS NULL AS by_server, m.role
         FROM members m JOIN rooms r ON r.id = m.room_id
        WHERE ${where.join(' AND ')} ORDER BY ${LIST_KEY}
        ${limit === undefined ? '' : `LIMIT $${params.push(limit + 1)}`}`,
      params,
    );
    return toPage(rows, limit ?? rows.length, (row) => ({ ...toRoom(row), role: row.role }));
  }

  async renameRoom(room: string, name: string, by: { id: string; name: string }): Promise<RoomEvent> {
    return this.transact(async (tx) => {
      // The update takes the room row lock, so the new name and its event land in the same place in the log.
      const renamed = await tx.query('UPDATE rooms SET name = $2 WHERE id = $1 RETURNING id', [room, fitName(name)]);
      if (renamed.length === 0) throw new RoomNotFoundError(`room ${room} does not exist`);
      const events = await appendToRoom(tx, room, [{ room, kind: 'room', by: by.id, name: by.name, data: { name } }]);
      return events![0]!;
    });
  }

  // ---- members --------------------------------------------------------------------------------

  async getMember(room: string, user: string): Promise<{ role: RoleName } | null> {
    const rows = await this.read<{ role: RoleName }>('SELECT role FROM members WHERE room_id = $1 AND user_id = $2', [room, user]);
    return rows[0] ?? null;
  }

  async visibility(room: string, user: string): Promise<{ kind: RoomKindName; role: RoleName | null } | null> {
    const rows = await this.read<{ kind: RoomKindName; role: RoleName | null }>(
      'SELECT r.kind, m.role FROM rooms r LEFT JOIN members m ON m.room_id = r.id AND m.user_id = $2 WHERE r.id = $1',
      [room, user],
    );
    return rows[0] ?? null;
  }

  async memberRoles(user: string, rooms: readonly string[]): Promise<Map<string, RoleName>> {
    if (rooms.length === 0) return new Map();
    const rows = await this.read<{ room_id: string; role: RoleName }>(
      'SELECT room_id, role FROM members WHERE user_id = $1 AND room_id = ANY($2::text[])',
      [user, [...rooms]],
    );
    return new Map(rows.map((r) => [r.room_id, r.role]));
  }

  async listMembers(room: string): Promise<MemberRecord[]> {
    // A member who never connected has no users row yet: show their id (fitted: ids may be 128 long) until they do.
    const members = await this.read<MemberRecord>(
      `SELECT m.user_id AS "user", coalesce(u.name, m.user_id) AS name, m.role
         FROM members m LEFT JOIN users u ON u.id = m.user_id
        WHERE m.room_id = $1
        ORDER BY m.role = 'owner' DESC, m.joined_at, m.user_id`,
      [room],
    );
    for (const m of members) m.name = fitName(m.name);
    return members;
  }

  async join(room: string, user: { id: string; name: string }, role: RoleName, inviter?: string): Promise<RoomEvent | null> {
    return this.transactNotifying(async (tx, notify) => {
      await lockRoom(tx, room);
      const added = await tx.query(
        `INSERT INTO members (room_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (room_id, user_id) DO NOTHING RETURNING user_id`,
        [room, user.id, role],
      );
      if (added.length === 0) return null;
      const draft: EventDraft = { room, kind: 'join', by: user.id, name: user.name };
      if (inviter !== undefined) draft.data = { inviter };
      const events = await appendToRoom(tx, room, [draft]);
      if (inviter !== undefined) await notify([{ user: user.id, kind: 'added', data: { room, by: inviter } }]);
      return events![0]!;
    });
  }

  async leave(room: string, user: { id: string; name: string }): Promise<RoomEvent[]> {
    return this.transactNotifying(async (tx, notify) => {
      await lockRoom(tx, room);
      const removed = await tx.query<{ role: RoleName }>('DELETE FROM members WHERE room_id = $1 AND user_id = $2 RETURNING role', [room, user.id]);
      if (removed.length === 0) return [];
      const drafts: EventDraft[] = [{ room, kind: 'leave', by: user.id, name: user.name }];
      if (removed[0]!.role === 'owner') {
        // The room would be left without anyone allowed to rename it or invite to it: the member
        // who joined first takes over, and the log says so right after the leave.
        const [heir] = await tx.query<{ user_id: string }>(
          `UPDATE members SET role = 'owner'
            WHERE (room_id, user_id) = (SELECT room_id, user_id FROM members WHERE room_id = $1 ORDER BY joined_at, user_id LIMIT 1)
           RETURNING user_id`,
          [room],
        );
        await tx.query('UPDATE rooms SET owner = $2 WHERE id = $1', [room, heir?.user_id ?? null]);
        if (heir) drafts.push({ room, kind: 'room', by: user.id, name: user.name, data: { owner: heir.user_id } });
      }
      const events = (await appendToRoom(tx, room, drafts))!;
      // Left by themselves or ended for them (a guest's membership expiring): every device of theirs learns it.
      await notify([{ user: user.id, kind: 'removed', data: { room } }]);
      return events;
    });
  }

  async expiredGuestMemberships(before: number, limit: number): Promise<ExpiredMembership[]> {
    return this.read<ExpiredMembership>(
      `SELECT m.room_id AS room, m.user_id AS "user", u.name
         FROM members m JOIN users u ON u.id = m.user_id JOIN rooms r ON r.id = m.room_id
        WHERE m.joined_at < $1::timestamptz AND u.guest AND r.kind = 'public'
        ORDER BY m.joined_at, m.room_id, m.user_id LIMIT $2`,
      [new Date(before).toISOString(), limit],
    );
  }

  // ---- the log --------------------------------------------------------------------------------

  append(input: AppendInput): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('store is closed'));
    this.appendCount += 1;
    if (input.actions === undefined) return this.appends.submit(input);
    return this.appends.submit(sinkActions(input)).then((r) => ({ ...r, event: liftActions(r.event) }));
  }

  async history(room: string, query: HistoryQuery): Promise<HistoryPage> {
    const { before, after, limit } = query;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`history limit must be a positive integer, got ${limit}`);
    const params: unknown[] = [room];
    const where = ['room_id = $1'];
    if (after !== undefined) where.push(`seq > $${params.push(after)}`);
    if (before !== undefined) where.push(`seq < $${params.push(before)}`);
    // One row past the page tells whether more exist, without a count.
    const forward = after !== undefined;
    const rows = await this.read<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')}
        ORDER BY seq ${forward ? 'ASC' : 'DESC'} LIMIT $${params.push(limit + 1)}`,
      params,
    );
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    if (!forward) page.reverse();
    return { events: page.map(toEvent), more };
  }

  // ---- users' own logs -----------------------------------------------------------------------

  async notifyUsers(notices: readonly UserNotice[]): Promise<StoredUserEvent[]> {
    if (notices.length === 0) return [];
    let stored: StoredUserEvent[] = [];
    await this.transactNotifying(async (_tx, notify) => {
      stored = await notify(notices);
    });
    return stored;
  }

  async userHead(user: string): Promise<number> {
    return this.guard(() => userHead(this.sql, user));
  }

  async userHeads(users: readonly string[]): Promise<Map<string, number>> {
    if (users.length === 0) return new Map();
    const rows = await this.read<{ user_id: string; head_seq: number }>('SELECT user_id, head_seq FROM user_heads WHERE user_id = ANY($1::text[])', [[...users]]);
    return new Map(rows.map((r) => [r.user_id, r.head_seq]));
  }

  async userEvents(user: string, after: number, limit: number): Promise<{ events: UserEvent[]; more: boolean }> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`user log limit must be a positive integer, got ${limit}`);
    return this.guard(() => userEventsAfter(this.sql, user, after, limit));
  }

  async messageHistory(room: string, query: MessageHistoryQuery): Promise<HistoryPage> {
    return this.guard(() => projectedHistory(this.sql, room, query));
  }

  async search(query: SearchQuery): Promise<SearchRows> {
    const stemmed = this.searchLanguage !== DEFAULT_SEARCH_LANGUAGE;
    return this.guard(() => searchMessages(this.sql, { ...query, stemmed }));
  }

  async message(room: string, seq: number): Promise<MessageState | null> {
    return this.guard(() => messageState(this.sql, room, seq));
  }

  async reactionTarget(room: string, seq: number, emoji: string, user: string): Promise<ReactionTarget> {
    return this.reactionReads.submit({ room, seq, emoji, user });
  }

  // ---- read positions (ADR 0013) ---------------------------------------------------------------

  markRead(mark: ReadMark, smallRoom: number): Promise<ReadMarkOutcome> {
    return this.readMarks.submit({ ...mark, smallRoom });
  }

  async readViews(user: string, rooms: readonly string[]): Promise<Map<string, ReadView>> {
    return this.guard(() => readViews(this.sql, user, rooms));
  }

  async roomReadView(room: string, user: string, size: number): Promise<{ room: RoomRecord | null; view?: ReadView; reads: MemberRead[] | null }> {
    const read = await this.guard(() => roomReadView<RoomRow>(this.sql, ROOM_COLUMNS, room, user, size));
    return { ...read, room: read.room && toRoom(read.room) };
  }

  // ---- group commit ---------------------------------------------------------------------------

  private async writeBatch(batch: readonly AppendInput[]): Promise<Outcome<AppendResult>[]> {
    // One statement, which also answers retried and repeated cids itself. Since migration 6 it holds
    // the batch's rooms while it checks for stored cids, so another node cannot store one of them in
    // between; were that to fail on the cid index anyway, nothing was written and the next call finds
    // the stored event (but stores this batch after any batch pipelined behind it).
    for (let attempt = 1; ; attempt++) {
      try {
        this.transactions += 1;
        const outcomes = await writeAppendBatchFast(this.sql.appender, batch);
        this.committed += 1;
        this.answered();
        return outcomes;
      } catch (err) {
        if (!isCidRace(err) || attempt >= 3) throw this.failed(err);
        this.retries += 1;
      }
    }
  }

  // ---- plumbing -------------------------------------------------------------------------------

  /** Runs `fn` in a transaction, counting it and reporting an unreachable database as such. */
  private async transact<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    this.transactions += 1;
    try {
      const result = await this.sql.transaction(fn);
      this.committed += 1;
      this.answered();
      return result;
    } catch (err) {
      throw this.failed(err);
    }
  }

  /** Like `transact`; the notices `fn` appends through `notify` are observed once the transaction committed. */
  private async transactNotifying<T>(fn: (tx: SqlSession, notify: (notices: readonly UserNotice[]) => Promise<StoredUserEvent[]>) => Promise<T>): Promise<T> {
    const stored: StoredUserEvent[] = [];
    const result = await this.transact((tx) =>
      fn(tx, async (notices) => {
        const appended = await appendUserEvents(tx, notices);
        stored.push(...appended);
        return appended;
      }),
    );
    if (stored.length > 0) this.userEventObserver?.(stored);
    return result;
  }

  private async read<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.guard(() => this.sql.query<Row>(text, params));
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.answered();
      return result;
    } catch (err) {
      throw this.failed(err);
    }
  }

  /** The database answered: an outage, if there was one, is over. */
  private answered(): void {
    if (this.downSince === undefined) return;
    const downMs = Date.now() - this.downSince;
    this.downSince = undefined;
    this.outageObserver?.({ down: false, downMs });
  }

  /** The store's error for `err`; the first unreachable one of an outage is reported. */
  private failed(err: unknown): unknown {
    const mapped = toStoreError(err);
    if (mapped instanceof StoreUnavailableError && this.downSince === undefined && !this.closed) {
      this.downSince = Date.now();
      this.outageObserver?.({ down: true, reason: mapped.message });
    }
    return mapped;
  }
}

async function lockRoom(tx: SqlSession, room: string): Promise<void> {
  const rows = await tx.query('SELECT id FROM rooms WHERE id = $1 FOR UPDATE', [room]);
  if (rows.length === 0) throw new RoomNotFoundError(`room ${room} does not exist`);
}

async function selectRoom(session: SqlSession, id: string): Promise<RoomRecord | null> {
  const rows = await session.query<RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.id = $1`, [id]);
  return rows[0] ? toRoom(rows[0]) : null;
}

/** The condition that starts a room-list page after `after` (none for the first page); adds its parameters. */
function listedAfter(after: RoomListPosition | undefined, params: unknown[]): string[] {
  if (!after) return [];
  const server = `$${params.push(!after.server)}::boolean`;
  return [`(${LIST_KEY}) > (${server}, $${params.push(after.id)}::text COLLATE "C")`];
}

/** The first `limit` of `rows` (fetched one past the page), and where the next page starts. */
function toPage<R extends ListedRow, T extends RoomRecord>(rows: R[], limit: number, map: (row: R) => T): RoomListPage<T> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const rooms = page.map(map);
  return rows.length > limit && last ? { rooms, next: { server: last.by_server, id: last.id } } : { rooms };
}

function toRoom(row: RoomRow): RoomRecord {
  return { id: row.id, name: row.name, kind: row.kind, owner: row.owner, head: row.head_seq, members: row.member_count };
}

/** Members in join order: owner first, each user once; the creator-owner is added when left out. */
function orderMembers(input: Parameters<Store['createRoom']>[0]): { id: string; name: string }[] {
  const byId = new Map<string, { id: string; name: string }>();
  if (input.owner !== null && input.owner === input.creator.id) byId.set(input.creator.id, input.creator);
  for (const m of input.members) if (!byId.has(m.id)) byId.set(m.id, m);
  const all = [...byId.values()];
  const owner = all.findIndex((m) => m.id === input.owner);
  if (owner > 0) all.unshift(...all.splice(owner, 1));
  return all;
}

function isCidRace(err: unknown): boolean {
  return sqlState(err) === UNIQUE_VIOLATION && (err as { constraint?: unknown }).constraint === CID_INDEX;
}

function toStoreError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || err instanceof RoomNotFoundError) return err;
  if (isUnavailable(err)) {
    const reason = err instanceof Error ? err.message : String(err);
    return new StoreUnavailableError(`database unavailable: ${reason}`, { cause: err });
  }
  if (sqlState(err) === FOREIGN_KEY_VIOLATION) {
    return new RoomNotFoundError('room does not exist', { cause: err });
  }
  return err;
}
