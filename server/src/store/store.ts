// The Store contract: the durable truth for users, rooms, membership and each room's ordered event log.
// Two implementations (embedded PGlite, PostgreSQL via pg) share one set of SQL migrations.
import type { Attachment, Mention, MessageAction, RoomEvent, UserEvent } from '@parley/sdk/protocol';
import type { NotifyStore } from './notify-store.js';
import type { SearchQuery, SearchRows } from './search.js';
import type { SqlModeration } from './moderation.js';
import type { UploadStore } from './uploads.js';
import type { BatchTiming } from './group-commit.js';

export type RoomKindName = 'public' | 'private' | 'dm';
export type RoleName = 'owner' | 'moderator' | 'member';
export type EventData = Record<string, string | number | boolean>;

export interface UserRecord {
  id: string;
  name: string;
  guest: boolean;
}

export interface RoomRecord {
  id: string;
  name: string;
  kind: RoomKindName;
  /**
   * Who may rename the room and invite to a private one: its creator at first, then (when the owner
   * leaves) the longest-standing member. Null for rooms made by the server, direct rooms, and rooms
   * whose last member left.
   */
  owner: string | null;
  /** Seq of the latest event, 0 when the room has none. */
  head: number;
  /** Number of members. */
  members: number;
}

export interface MemberRecord {
  user: string;
  name: string;
  role: RoleName;
}

/** An event to add at the end of a room's log. The store assigns `seq`, `id` and `ts`. */
export interface AppendInput {
  room: string;
  kind: string;
  by: string;
  /** Display name of `by`, stored with the event. */
  name: string;
  /** Client id: (room, by, cid) is unique; appending it again returns the stored event. */
  cid?: string;
  body?: string;
  data?: EventData;
  /** Users mentioned in `body` (msg and edit). */
  mentions?: Mention[];
  /** Buttons and selects of a bot's msg, or those an edit puts in their place (kept in `data.actions`). */
  actions?: MessageAction[];
  /** The sender's ready uploads this msg attaches (migration 14 moves them to the room in the same statement). */
  attachments?: Attachment[];
}

export interface AppendResult {
  event: RoomEvent;
  /** True when an event with the same (room, by, cid) already existed and was returned instead. */
  duplicate: boolean;
}

export interface HistoryQuery {
  /** Only events with seq < before. */
  before?: number;
  /** Only events with seq > after. */
  after?: number;
  /** Page size, >= 1. */
  limit: number;
}

/** A history read of messages in their current state (the message projection). */
export interface MessageHistoryQuery extends HistoryQuery {
  /** The reader: reaction summaries say whether they reacted (`me`). */
  viewer: string;
  /** Only the replies of the thread whose root has this seq. */
  thread?: number | undefined;
  /** True: leave thread replies out. */
  main?: boolean | undefined;
  /** The page centred on this seq (included): half before it, the rest from it on. Not with before/after. */
  around?: number | undefined;
}

/** A `msg` as it is now, for checking a change against it. */
export interface MessageState {
  seq: number;
  id: string;
  ts: number;
  /** Its author. */
  by: string;
  /** Current text; absent once deleted. */
  body?: string;
  mentions?: Mention[];
  /** Seq of the thread root when the message is a thread reply. */
  thread?: number;
  deleted: boolean;
  /** Seq of the last event folded into it. */
  rev: number;
}

/** The reactions on one message, as a `react` of one user with one emoji meets them. */
export interface ReactionCounts {
  /** Reactions in all. */
  total: number;
  /** Distinct emoji. */
  emoji: number;
  /** Someone reacted with this emoji already. */
  present: boolean;
  /** The user reacted with this emoji already. */
  mine: boolean;
}

export interface HistoryPage {
  /** Ascending by seq. With `after`: the first `limit` events after it; otherwise the last `limit` before `before` (or the head). */
  events: RoomEvent[];
  /** True when more events exist beyond this page in the direction read. */
  more: boolean;
}

/**
 * Raised when the database cannot be reached or a write could not be made durable. Nothing was
 * stored, except in one case no client can rule out: the connection died while COMMIT was in
 * flight. Retrying an append with the same cid is therefore the safe response: it returns the
 * stored event if there is one.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'unavailable';
}

/** A place in room-list order: rooms the server made first, then every other room, each by id. */
export interface RoomListPosition {
  /** True for a room the server made itself. */
  server: boolean;
  id: string;
}

/** One page of a room list. */
export interface RoomListPage<R extends RoomRecord = RoomRecord> {
  rooms: R[];
  /** Where the next page starts; absent on the last page. */
  next?: RoomListPosition;
}

/** A guest's membership that outlived every token the guest could hold. */
export interface ExpiredMembership {
  room: string;
  user: string;
  /** The guest's display name, for the `leave` event. */
  name: string;
}

/** Raised when a user who already created `limit` rooms asks for another: nothing was created. */
export class RoomLimitError extends Error {
  override readonly name = 'RoomLimitError';
  constructor(readonly limit: number) {
    super(`already created ${limit} rooms`);
  }
}

/** The database became unreachable (`reason`), or answers again after `downMs`. */
export type StoreOutage = { down: true; reason: string } | { down: false; downMs: number };

/** A notice for one user's own log (ADR 0011), before the store gives it a seq, id and ts. */
export interface UserNotice {
  user: string;
  /** `added`, `removed`, `mention`, `dm` (UserEventKind). */
  kind: string;
  data: UserEvent['data'];
}

/** A notice as stored: the event, and whose log it is in. */
export interface StoredUserEvent {
  user: string;
  event: UserEvent;
}

/** A member's read position (ADR 0013): where they read to and what reached a device of theirs, with the counts that follow. */
export interface ReadView {
  read: number;
  /** At least `read`. */
  delivered: number;
  /** Messages from others after `read`, at most Limits.maxUnread. */
  unread: number;
  /** Of those, the ones that mention the member. */
  mentions: number;
}

/** Another member's position, as the members of a small room see it. */
export interface MemberRead {
  user: string;
  seq: number;
  delivered: number;
}

/** A `read` request on its way to the store. */
export interface ReadMark {
  room: string;
  user: string;
  seq: number;
  /** Only delivery: the events up to `seq` reached a device; the read position stays. */
  delivered: boolean;
}

/** What became of one read mark. */
export type ReadMarkOutcome =
  | { status: 'no_room' }
  | { status: 'not_member'; kind: string }
  /** `seq` is past the room's head: nothing changed. */
  | { status: 'beyond_head'; kind: string; head: number; view: ReadView }
  /** `changed`: a position moved. `small`: the room has at most the receipt room size of members. */
  | { status: 'ok'; kind: string; view: ReadView; changed: boolean; small: boolean };

/** Raised for an operation on a room that does not exist. */
export class RoomNotFoundError extends Error {
  override readonly name = 'RoomNotFoundError';
  readonly code = 'not_found';
}

export interface Store {
  /** Push subscriptions, notification settings and the link preview cache (migration 11). */
  readonly notify: NotifyStore;
  /** Room rules, mutes and bans, the audit log and reports (migration 13). */
  readonly moderation: SqlModeration;
  /** Uploaded files: owners, types, the messages that hold them (migration 14). */
  readonly uploads: UploadStore;
  /** Applies pending migrations (idempotent, safe when several nodes start at once). */
  init(): Promise<void>;
  /** Waits for queued appends to be durable, then releases connections. */
  close(): Promise<void>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Calls `observer` after every group-commit batch of appends with its size, timings and success (metrics). */
  observeCommits(observer: (batch: BatchTiming) => void): void;
  /**
   * Calls `observer` once when the database is found unreachable (with the reason), and once when
   * it answers again (with how long it was unreachable): once per outage, however many requests fail.
   */
  observeOutages(observer: (change: StoreOutage) => void): void;

  /**
   * Calls `observer` after every committed change that appended notices to users' logs, with those
   * notices in log order: the hub fans them out. Room changes append them in their own transaction:
   * `createRoom` an `added` per member besides the creator (a `dm` for a direct room's other member),
   * `join` with an inviter an `added`, `leave` a `removed`.
   */
  observeUserEvents(observer: (events: readonly StoredUserEvent[]) => void): void;

  /**
   * The value stored under `name`; when there is none yet, `initial` is stored and returned. Several
   * nodes calling at once with different `initial`s all get the one value that was stored first.
   */
  sharedSetting(name: string, initial: string): Promise<string>;

  /** Inserts the user if unknown; an existing user keeps its stored name. Returns the stored record. */
  ensureUser(user: UserRecord): Promise<UserRecord>;
  /**
   * ensureUser for a connection's hello, with the head of the user's own log as it was then (0 for
   * a user never seen): for a returning user, one read instead of two.
   */
  signIn(user: UserRecord): Promise<{ user: UserRecord; logHead: number }>;
  getUser(id: string): Promise<UserRecord | null>;
  /**
   * The users with these ids, in that order, in one statement: an id never seen is stored as a user
   * (not a guest) named by its id, as members named before they first sign in are.
   */
  ensureUsers(ids: readonly string[]): Promise<UserRecord[]>;
  /** Stores a new display name; an unknown user is created (as not a guest). */
  setUserName(id: string, name: string): Promise<UserRecord>;

  /**
   * Creates a room with its first events in one transaction: a `room` event (data: name, kind) by
   * `creator`, then a `join` event per member (owner first; role owner for `owner`). Members are
   * taken once each; when `owner` is the creator it is a member even if left out of `members`.
   * Join events of members other than the creator carry data.inviter = creator. When a room with
   * this id exists, nothing changes, `created` is false, `events` is empty and `room` is the stored one.
   * With `quota`, a creator who already made that many rooms gets RoomLimitError and nothing changes
   * (an existing room is still answered as above).
   */
  createRoom(input: {
    id: string;
    name: string;
    kind: RoomKindName;
    owner: string | null;
    creator: { id: string; name: string };
    members: { id: string; name: string }[];
    /** Made by the server itself (PARLEY_ROOMS): no creator is recorded, and room lists show it first. */
    server?: boolean;
    /** Most rooms `creator` may have created in all, this one included. */
    quota?: number;
  }): Promise<{ room: RoomRecord; created: boolean; events: RoomEvent[] }>;
  getRoom(id: string): Promise<RoomRecord | null>;
  /** The head seq of each of `rooms` that exists, in one query (a node's catch-up reads all it serves). */
  heads(rooms: readonly string[]): Promise<Map<string, number>>;
  /** Public rooms in room-list order (RoomListPosition), at most `limit`, after `after` when given. */
  listPublicRooms(limit: number, after?: RoomListPosition): Promise<RoomListPage>;
  /** Rooms `userId` is a member of, with the role, in room-list order; all of them without `limit`. */
  listUserRooms(userId: string, limit?: number, after?: RoomListPosition): Promise<RoomListPage<RoomRecord & { role: RoleName }>>;

  getMember(room: string, user: string): Promise<{ role: RoleName } | null>;
  /** The user's role in each of `rooms` they are a member of. */
  memberRoles(user: string, rooms: readonly string[]): Promise<Map<string, RoleName>>;
  /** Owner first, then by join time. A member with no user record yet (never connected) is named by id. Unknown room: []. */
  listMembers(room: string): Promise<MemberRecord[]>;
  /**
   * Adds a member and appends its `join` event atomically (data.inviter when `inviter` is given).
   * Returns null, appending nothing, when the user already is a member. RoomNotFoundError for an unknown room.
   */
  join(room: string, user: { id: string; name: string }, role: RoleName, inviter?: string): Promise<RoomEvent | null>;
  /**
   * Removes a member and appends its `leave` event atomically; [] when it was not a member.
   * RoomNotFoundError for an unknown room. When the owner leaves, ownership passes to the
   * longest-standing member in the same step, recorded by a `room` event (data.owner) after the
   * `leave`; with nobody left the room has no owner.
   */
  leave(room: string, user: { id: string; name: string }): Promise<RoomEvent[]>;
  /** Guests' memberships of public rooms that began before `before` (ms epoch), oldest first, at most `limit`. */
  expiredGuestMemberships(before: number, limit: number): Promise<ExpiredMembership[]>;
  /** Renames the room and appends a `room` event (data: name) atomically. RoomNotFoundError for an unknown room. */
  renameRoom(room: string, name: string, by: { id: string; name: string }): Promise<RoomEvent>;

  /**
   * Appends an event (group-committed with concurrent appends: one transaction for many events).
   * Resolves only once the event is durable. Idempotent by (room, by, cid). Rejects with
   * RoomNotFoundError for an unknown room (other appends of the batch are unaffected) and with
   * StoreUnavailableError when the database cannot be reached.
   */
  append(input: AppendInput): Promise<AppendResult>;
  /** A page of the log as appended (resume replays it); an unknown room reads as empty. RangeError when `limit` is not a positive integer. */
  history(room: string, query: HistoryQuery): Promise<HistoryPage>;

  /** Appends notices to their users' logs in one transaction (mentions: the send path's), observed like the others. */
  notifyUsers(notices: readonly UserNotice[]): Promise<StoredUserEvent[]>;
  /** Seq of the user's latest notice, 0 for none. */
  userHead(user: string): Promise<number>;
  /** The head of each of `users` that ever got a notice, in one query (a node's catch-up reads all it serves). */
  userHeads(users: readonly string[]): Promise<Map<string, number>>;
  /** The user's notices with seq > `after`, ascending, at most `limit` (>= 1). */
  userEvents(user: string, after: number, limit: number): Promise<{ events: UserEvent[]; more: boolean }>;
  /**
   * A page of the log with every `msg` in its current state (body, mentions, rev, edited, deleted,
   * reactions, replies): the same events and seqs as {@link history}, change events included.
   */
  messageHistory(room: string, query: MessageHistoryQuery): Promise<HistoryPage>;
  /** Messages whose current text matches, in the rooms `query.user` may read, newest first (migration 10). */
  search(query: SearchQuery): Promise<SearchRows>;
  /** The `msg` at `seq`, or null when `seq` holds no msg (or the room does not exist). */
  message(room: string, seq: number): Promise<MessageState | null>;
  /**
   * The msg at `seq` and the counts of its reactions that a `react` of `user` with `emoji` is bounded
   * by, in one read; null when `seq` holds no msg.
   */
  reactionTarget(room: string, seq: number, emoji: string, user: string): Promise<{ message: MessageState; counts: ReactionCounts } | null>;

  /**
   * Moves a member's read (or only delivered) position forward, batched with concurrent marks into
   * one statement; rooms of at most `smallRoom` members are reported `small`.
   */
  markRead(mark: ReadMark, smallRoom: number): Promise<ReadMarkOutcome>;
  /** The user's position and counts in each of `rooms` they are a member of (absent: not a member). */
  readViews(user: string, rooms: readonly string[]): Promise<Map<string, ReadView>>;
  /**
   * For a member's `subscribe`, in one read: the room (null: none), their position and counts in it
   * (absent when not a member), and the other members' positions when the room has at most `size`
   * members, 2 for a direct room (else null).
   */
  roomReadView(room: string, user: string, size: number): Promise<{ room: RoomRecord | null; view?: ReadView; reads: MemberRead[] | null }>;
  /** Whether `room` exists, its kind, and `user`'s role in it (null: not a member), in one read; null when there is no such room. */
  visibility(room: string, user: string): Promise<{ kind: RoomKindName; role: RoleName | null } | null>;
}
