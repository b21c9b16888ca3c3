// The node's shared state: live sessions, room subscriptions, presence, typing, and fan-out of
// room frames through the broker. Sessions call into it; it never touches a socket directly.
import { CloseCode, decodeRaw, encodeEventFrame, encodeFrame, EventKind, Op, type RoomEvent, type UserEvent } from '@parley/sdk/protocol';
import type { Authenticator } from '../auth.js';
import type { BotRegistry } from '../bots/registry.js';
import type { Broker } from '../broker/broker.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Store, StoredUserEvent } from '../store/store.js';
import { roomTopic, userLogTopic, userTopic, type Conn, type Publisher } from './conn.js';
import { CatchUp } from './catch-up.js';
import { noMetrics, type Metrics } from './metrics.js';
import { PresenceTracker, type SessionGroup } from './presence.js';
import { PresenceAnnouncer } from './presence-announcer.js';
import { ExpiryWheel } from './expiry.js';
import { GuestMembershipExpiry } from './guest-expiry.js';
import { RoomCreationLimits } from './room-limits.js';
import { Session } from './session.js';
import { TypingTracker } from './typing.js';
import { encodeUserEvent } from './user-log.js';
import type { Notifications } from './notifications.js';
import type { Files } from '../files/files.js';
import { AddressGuard } from '../outbound/address-guard.js';
import { MODERATION_CHANNEL, Moderation, deviceKey, deviceSubject } from './moderation.js';
import { STREAMS_CHANNEL, Streams } from './streams.js';
import type { ModerationChange } from '../store/moderation.js';
import { randomBytes } from 'node:crypto';
import { CALLS_CHANNEL, Calls, signalTopic } from './calls.js';
import { WelcomeEncoder } from './welcome.js';
import type { WebhookStore } from '../store/webhooks.js';
import { connected, ModerationHooks, verdictChannel } from './moderation-hook.js';

/** What every node hears of a moderation change: the room, and for a sanction its target and end. */
export interface ModerationNotice {
  action: string;
  user?: string;
  until?: number;
  reason?: string;
}

export interface HubDeps {
  store: Store;
  broker: Broker;
  auth: Authenticator;
  config: Config;
  log: Logger;
  publisher: Publisher;
  /**
   * The broker spans several nodes and may drop frames (Redis): room events are then tracked and
   * recovered from storage every `config.catchUpMs`, and leaves reach the user's sessions on every node.
   */
  clustered?: boolean;
  metrics?: Metrics;
  /** Bot accounts (ADR 0017); absent, bot keys are refused and no room has commands. */
  bots?: BotRegistry;
  /** Webhooks and moderation hooks (ADR 0022); absent, none exist. */
  webhooks?: WebhookStore;
}

export class Hub {
  readonly store: Store;
  readonly auth: Authenticator;
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly bots: BotRegistry | undefined;
  readonly webhooks: WebhookStore | undefined;
  /** Rooms' moderation hooks: the checks this node asked and is waiting on. */
  readonly moderationHooks: ModerationHooks;
  readonly sessions = new Set<Session>();
  readonly presence: PresenceTracker<Session>;
  readonly typing: TypingTracker;
  /** Closes sessions whose token expired (4002). */
  readonly expiries = new ExpiryWheel<Session>((s) => s.expire());
  /** How many rooms users may create, and how fast. */
  readonly roomLimits: RoomCreationLimits;
  /** The welcome frame, its constant part (limits, features) encoded once per server. */
  readonly welcome: WelcomeEncoder;
  /** Ends guests' memberships of public rooms after the guest token lifetime. */
  readonly guestExpiry: GuestMembershipExpiry;
  /** Bots' streamed replies (feature `streams`). */
  readonly streams: Streams;
  private readonly broker: Broker;
  private readonly publisher: Publisher;
  private readonly clustered: boolean;
  /** Present when clustered. */
  readonly catchUp: CatchUp | undefined;
  /** The same for users' own logs followed on this node (keyed by user). */
  readonly userCatchUp: CatchUp<UserEvent> | undefined;
  /** Local subscribed sessions per channel, to (un)subscribe the broker on the first/last one. */
  private readonly channelSessions = new Map<string, number>();
  /** Announces presence changes, combined over every node when there are several. */
  readonly announcer: PresenceAnnouncer;
  /**
   * Told of every stored `msg` or `edit` event that mentions someone (`event.mentions`, validated:
   * inside the body), once, after it was published: where the per-user log hands mentions on.
   */
  onMentions: ((event: RoomEvent) => void) | undefined;
  /** Web Push and link previews (ADR 0016), once the VAPID keys were read from the store. */
  notifications: Notifications | undefined;
  /** Wakes the outgoing-webhook queue (ADR 0022): a message was stored here, or (`force`) a hook made or a delivery retried. */
  wakeWebhooks: ((force?: boolean) => void) | undefined;
  /** Uploads, downloads and the file sweeper (feature `files`); undefined when uploads are off. */
  files: Files | undefined;
  /** Which addresses user-named URLs (push endpoints, previewed links) may reach. */
  readonly guard: AddressGuard;
  /** Each room's rules, mutes and bans as this node knows them. */
  readonly moderation: Moderation;
  /** Every live call, as this node knows it (ADR 0024). */
  readonly calls: Calls;
  /** This node's name among the nodes: in its sessions' ids and its calls' ids, and its presence heart-beat. */
  readonly nodeId = randomBytes(8).toString('hex');
  private inFlight = 0;
  private idleDone: (() => void) | undefined;
  private readonly idleSweep: ReturnType<typeof setInterval>;
  private readonly keySweep: ReturnType<typeof setInterval>;

  constructor(deps: HubDeps) {
    this.store = deps.store;
    this.auth = deps.auth;
    this.config = deps.config;
    this.log = deps.log;
    this.broker = deps.broker;
    this.metrics = deps.metrics ?? noMetrics;
    this.bots = deps.bots;
    this.webhooks = deps.webhooks;
    this.publisher = deps.publisher;
    this.clustered = deps.clustered ?? false;
    this.guard = new AddressGuard(deps.config.outboundAllow);
    this.catchUp = this.clustered
      ? new CatchUp({
          store: deps.store,
          deliver: (room, frame) => this.deliver(roomTopic(room), frame),
          log: deps.log,
          intervalMs: deps.config.catchUpMs,
        })
      : undefined;
    this.userCatchUp = this.clustered
      ? new CatchUp<UserEvent>({
          store: { heads: (users) => deps.store.userHeads(users), history: (user, q) => deps.store.userEvents(user, q.after, q.limit) },
          deliver: (user, frame) => deps.publisher.publish(userLogTopic(user), frame),
          encode: encodeUserEvent,
          log: deps.log,
          intervalMs: deps.config.catchUpMs,
        })
      : undefined;
    this.broker.onFrame((channel, frame) => this.onBrokerFrame(channel, frame));
    this.moderation = new Moderation(this, this.clustered);
    // Every node follows every room's moderation changes: a ban reaches the banned user's sessions wherever they are.
    this.broker.subscribe(MODERATION_CHANNEL);
    this.streams = new Streams({
      config: deps.config,
      broker: this.broker,
      store: this.store,
      log: this.log,
      publishRoom: (room, frame) => this.publishRoom(room, frame),
      publishToUser: (user, frame) => this.publishToUser(user, frame),
      publishEvent: (event) => this.publishEvent(event),
    });
    // Every node hears of every stream: a member subscribing here mid-stream, or stopping one, finds it.
    this.broker.subscribe(STREAMS_CHANNEL);
    // And every call's state: any node may be asked to change a call, and its people may be anywhere.
    this.calls = new Calls(this);
    this.broker.subscribe(CALLS_CHANNEL);
    this.moderationHooks = new ModerationHooks({
      store: deps.webhooks,
      publish: (channel, frame) => this.broker.publish(channel, frame),
      online: async (bot) => connected((await this.announcer.states([bot])).get(bot)),
    });
    this.broker.subscribe(verdictChannel(this.moderationHooks.node));
    this.store.observeUserEvents((events) => this.publishUserEvents(events));
    this.announcer = new PresenceAnnouncer({
      tracker: () => this.presence,
      nameOf: (user) => this.nameOf(user),
      publish: (room, user, name, state) => this.publishRoom(room, { t: Op.Presence, room, user, name, state }),
    });
    this.presence = new PresenceTracker((room, user, state) => this.announcer.announce(room, user, state));
    this.typing = new TypingTracker(deps.config.typingTtlMs, (room, user, on, thread) =>
      this.publishRoom(room, { t: Op.TypingState, room, user, name: this.nameOf(user), on, ...(thread !== undefined ? { thread } : {}) }),
    );
    this.roomLimits = new RoomCreationLimits(deps.config);
    this.welcome = new WelcomeEncoder(deps.config, this.roomLimits);
    this.guestExpiry = new GuestMembershipExpiry(this, (deps.config.guestTtl + deps.config.jwtClockTolerance) * 1000);
    this.guestExpiry.start();
    const sweepMs = Math.min(30_000, Math.max(250, Math.floor(deps.config.awayAfterMs / 4)));
    this.idleSweep = setInterval(() => this.markIdle(), sweepMs);
    this.idleSweep.unref();
    this.keySweep = setInterval(() => void this.closeRevokedBots(), KEY_SWEEP_MS);
    this.keySweep.unref();
  }

  openSession(conn: Conn): Session {
    const s = new Session(conn, this);
    this.sessions.add(s);
    return s;
  }

  /** Called by a session once authenticated. */
  addUser(s: Session): void {
    this.presence.addSession(s);
    s.conn.subscribe(userTopic(s.userId));
    // The user's channels are followed while the user has a session here, which the presence tracker
    // counts already: counted again by channel, they held two strings and two map entries per user.
    if (this.presence.sessionsOf(s.userId).size > 1) return;
    // The user's first connection here: the directory learns of it even if it follows no room.
    this.announcer.touch(s.userId);
    this.broker.subscribe(userTopic(s.userId));
    this.broker.subscribe(signalTopic(s.userId));
  }

  /** Called by a session when its socket closed. */
  removeSession(s: Session): void {
    if (!this.sessions.delete(s) || !s.authenticated) return;
    // Last connection of the user: end their typing while the session still supplies their name.
    if (this.presence.sessionsOf(s.userId).size === 1) this.typing.clearUser(s.userId);
    for (const room of [...s.rooms]) this.unsubscribe(s, room);
    for (const topic of s.watches) this.release(topic);
    this.unfollowUserLog(s);
    if (s.bot) this.streams.sessionClosed(s);
    this.calls.sessionGone(s);
    this.presence.removeSession(s);
    if (this.presence.sessionsOf(s.userId).size > 0) return;
    this.broker.unsubscribe(userTopic(s.userId));
    this.broker.unsubscribe(signalTopic(s.userId));
    this.announcer.touch(s.userId);
  }

  subscribe(s: Session, room: string): void {
    if (!s.addRoom(room)) return;
    s.conn.subscribe(roomTopic(room));
    this.retain(roomTopic(room));
    this.presence.enterRoom(s, room);
  }

  unsubscribe(s: Session, room: string): void {
    if (!s.removeRoom(room)) return;
    s.conn.unsubscribe(roomTopic(room));
    this.release(roomTopic(room));
    this.presence.leaveRoom(s, room);
  }

  /** The session receives `topic` (a room's moderation checks for its bot) from every node. */
  watch(s: Session, topic: string): void {
    if (!s.addWatch(topic)) return;
    s.conn.subscribe(topic);
    this.retain(topic);
  }

  /** The session receives its user's log live from now on (`user_subscribe`). */
  followUserLog(s: Session): void {
    if (s.followsUserLog) return;
    s.followsUserLog = true;
    s.conn.subscribe(userLogTopic(s.userId));
    this.retain(userLogTopic(s.userId));
  }

  unfollowUserLog(s: Session): void {
    if (!s.followsUserLog) return;
    s.followsUserLog = false;
    s.conn.unsubscribe(userLogTopic(s.userId));
    this.release(userLogTopic(s.userId));
  }

  /** Fans stored notices out to the sessions, on every node, that follow their users' logs. */
  publishUserEvents(events: readonly StoredUserEvent[]): void {
    for (const { user, event } of events) this.broker.publish(userLogTopic(user), encodeUserEvent(event));
  }

  /** A session of this node followed `user`'s log and read its head afterwards: it has everything up to there. */
  userLogFollowedAt(user: string, head: number): void {
    this.userCatchUp?.track(user, head);
  }

  /** One more local subscriber of `channel`; the broker hears of the first. */
  private retain(channel: string): void {
    const n = this.channelSessions.get(channel) ?? 0;
    this.channelSessions.set(channel, n + 1);
    if (n === 0) this.broker.subscribe(channel);
  }

  /** One less local subscriber of `channel`; the broker hears of the last. */
  private release(channel: string): void {
    const n = this.channelSessions.get(channel) ?? 1;
    if (n > 1) return void this.channelSessions.set(channel, n - 1);
    this.channelSessions.delete(channel);
    this.broker.unsubscribe(channel);
    if (channel.startsWith(ROOM_PREFIX)) this.catchUp?.untrack(channel.slice(ROOM_PREFIX.length));
    else if (channel.startsWith(USER_LOG_PREFIX)) this.userCatchUp?.untrack(channel.slice(USER_LOG_PREFIX.length));
  }

  /** A session of this node subscribed to `room` and read its head afterwards: it has everything up to there. */
  subscribedAt(room: string, head: number): void {
    this.catchUp?.track(room, head);
  }

  /**
   * The user is no longer a member of `room`: their sessions on this node forget the membership and
   * stop receiving the room. `leave` (the event, already stored) is first sent to those still
   * subscribed unless the broker delivered it to them already (a local broker does so synchronously).
   */
  dropMembership(room: string, user: string, leave: RoomEvent | null, bytes?: Uint8Array): void {
    this.typing.clearUser(user, room);
    for (const other of [...this.sessionsOf(user)]) {
      other.setMember(room, false);
      if (!other.rooms.has(room)) continue;
      if (leave && this.clustered) other.conn.send(bytes ?? encodeEventFrame(leave));
      this.unsubscribe(other, room);
    }
  }

  /** The user has a new display name: their sessions here send under it, and (clustered) so do those on other nodes. */
  renameUser(user: string, name: string): void {
    this.renameSessions(user, name);
    if (this.clustered) this.broker.publish(userTopic(user), encodeFrame({ t: Op.Profile, room: '', user, name }));
  }

  private renameSessions(user: string, name: string): void {
    for (const s of this.sessionsOf(user)) s.userName = name;
  }

  /** Hands a frame to this node's subscribers of `channel`, counting the deliveries (one map lookup, not one per socket). */
  private deliver(channel: string, frame: Uint8Array): void {
    this.publisher.publish(channel, frame);
    this.metrics.fannedOut(this.channelSessions.get(channel) ?? (channel.startsWith(USER_PREFIX) ? this.sessionsOf(channel.slice(USER_PREFIX.length)).size : 0));
  }

  /**
   * Applies a moderator action (store, then the events to the room), then tells every node, which
   * drops its copy of the room's moderation and acts on its own sessions of the target.
   */
  async moderate(change: ModerationChange, notice: ModerationNotice): Promise<RoomEvent[]> {
    const events = await this.store.moderation.apply(change);
    for (const e of events) this.publishEvent(e);
    this.moderation.invalidate(change.room);
    this.broker.publish(MODERATION_CHANNEL, encodeFrame({ t: Op.Restriction, room: change.room, ...notice }));
    return events;
  }

  /**
   * Closes the connections of `user` on every node, or only the one whose session id is `session`
   * (an admin's "disconnect"): the client may reconnect, as after a restart; a ban keeps it out.
   */
  disconnect(user: string, session?: string): void {
    this.broker.publish(MODERATION_CHANNEL, encodeFrame({ t: Op.Restriction, room: '', action: DISCONNECT, user, ...(session === undefined ? {} : { session }) }));
  }

  /** A moderation change from any node: forget the room's rules; a kicked or banned user's sessions here leave the room. */
  private onModeration(frame: Uint8Array): void {
    const n = peek(frame) as (Peeked & { room?: string; action?: string; until?: number; reason?: string; session?: string }) | undefined;
    if (typeof n?.room !== 'string') return;
    if (n.action === DISCONNECT) {
      if (typeof n.user !== 'string') return;
      for (const s of [...this.sessionsOf(n.user)]) if (n.session === undefined || s.id === n.session) s.conn.close(CloseCode.GoingAway, 'disconnected by an admin');
      return;
    }
    const { room } = n;
    this.moderation.invalidate(room);
    if (typeof n.user !== 'string') return;
    const user = n.user;
    const sessions = [...this.sessionsOf(user)];
    if (sessions.length === 0) return;
    for (const s of sessions) s.forgetRole(room);
    if (n.action === 'role') return;
    const ejected = n.action === 'ban' || n.action === 'kick';
    if (ejected) this.dropMembership(room, user, null);
    const notice: Record<string, unknown> = { t: Op.Restriction, room, action: n.action };
    if (n.until !== undefined) notice.until = n.until;
    if (n.reason) notice.reason = n.reason;
    const bytes = encodeFrame(notice);
    for (const s of sessions) s.conn.send(bytes);
    // A banned guest is banned by device too, so that a new guest token from the same browser does not get back in.
    if (n.action !== 'ban') return;
    const devices = new Set(sessions.filter((s) => s.guest && s.device !== undefined).map((s) => deviceKey(s.device!)));
    if (devices.size === 0) return;
    const by = 'parley';
    const impose = [...devices].map((d) => ({ subject: deviceSubject(d, user), kind: 'ban' as const, ...(n.until === undefined ? {} : { until: n.until }), by, reason: n.reason ?? '' }));
    this.store.moderation
      .apply({ room, actor: { id: by, name: 'Parley' }, action: 'ban_device', target: user, reason: n.reason ?? '', impose, data: { devices: devices.size } })
      .then(() => this.broker.publish(MODERATION_CHANNEL, encodeFrame({ t: Op.Restriction, room, action: 'ban_device' })))
      .catch((err: unknown) => this.log.warn('device ban failed', { err, room }));
  }

  /** Frames from the broker: to this node's subscribers, noting room events for catch-up and leaves. */
  private onBrokerFrame(channel: string, frame: Uint8Array): void {
    if (channel === MODERATION_CHANNEL) return this.onModeration(frame);
    if (channel === STREAMS_CHANNEL) return this.streams.onNews(frame);
    if (channel === CALLS_CHANNEL) return this.calls.onState(frame);
    if (channel.startsWith(SIGNAL_PREFIX)) return this.onSignal(channel.slice(SIGNAL_PREFIX.length), frame);
    if (channel === verdictChannel(this.moderationHooks.node)) {
      const v = peek(frame) as Parameters<ModerationHooks['fromBroker']>[0] | undefined;
      if (v && typeof v.id === 'string' && typeof v.bot === 'string') this.moderationHooks.fromBroker(v);
      return;
    }
    if (!this.clustered) return this.deliver(channel, frame);
    const decoded = peek(frame);
    const event = decoded?.t === Op.Event ? decoded.e : undefined;
    if (channel.startsWith(USER_PREFIX)) {
      // Notices for the user's sessions on every node (not for the client): a leave reaches sessions
      // that cache the membership without following the room; a rename, sessions that send under the name.
      if (event?.kind === EventKind.Leave) return this.dropMembership(event.room, event.by, event, frame);
      if (decoded?.t === Op.Profile && decoded.user !== undefined) return this.renameSessions(decoded.user, decoded.name ?? decoded.user);
    }
    if (event && channel.startsWith(ROOM_PREFIX)) {
      // In seq order, once each: this node's own events reached its subscribers before the broker's copy (publishEvent).
      const left = event.kind === EventKind.Leave ? () => this.dropMembership(event.room, event.by, null) : undefined;
      if (this.catchUp?.offer(event.room, event.seq, frame, left)) return;
      this.deliver(channel, frame);
      return left?.();
    }
    this.deliver(channel, frame);
    if (decoded?.t === Op.UserEvent && decoded.e && channel.startsWith(USER_LOG_PREFIX)) {
      this.userCatchUp?.saw(channel.slice(USER_LOG_PREFIX.length), decoded.e.seq);
    }
  }

  /** Spreads a call's new state to every node (ADR 0024). */
  broadcastCall(bytes: Uint8Array): void {
    this.broker.publish(CALLS_CHANNEL, bytes);
  }

  /** Sends a `signal` frame to the one connection of `user` it names (`to`), on whichever node it is. */
  signal(user: string, frame: { to: string }): void {
    this.broker.publish(signalTopic(user), encodeFrame(frame));
  }

  private onSignal(user: string, frame: Uint8Array): void {
    const to = (peek(frame) as { to?: unknown } | undefined)?.to;
    for (const s of this.sessionsOf(user)) if (s.id === to) return s.conn.send(frame);
  }

  /** Sessions of `user` on this node. */
  sessionsOf(user: string): SessionGroup<Session> {
    return this.presence.sessionsOf(user);
  }

  /** Encodes once and sends to every connection of `user`, on every node. */
  publishToUser(user: string, frame: object): void {
    this.broker.publish(userTopic(user), encodeFrame(frame));
  }

  /**
   * Closes (4001) this node's bot connections whose key was revoked: at once on the node that
   * revoked it, within KEY_SWEEP_MS on the others.
   */
  async closeRevokedBots(): Promise<void> {
    if (!this.bots) return;
    const byKey = new Map<string, Session[]>();
    for (const s of this.sessions) if (s.bot) byKey.set(s.bot.keyId, [...(byKey.get(s.bot.keyId) ?? []), s]);
    if (byKey.size === 0) return;
    try {
      for (const key of await this.bots.revokedAmong([...byKey.keys()])) {
        for (const s of byKey.get(key) ?? []) s.conn.close(CloseCode.Unauthorized, 'bot key revoked');
      }
    } catch (err) {
      this.log.warn('could not check bot keys', { err });
    }
  }

  /** Encodes once and fans out to the room's subscribers on every node. */
  publishRoom(room: string, frame: object): void {
    this.broker.publish(roomTopic(room), encodeFrame(frame));
  }

  publishEvent(event: RoomEvent): void {
    const bytes = encodeEventFrame(event);
    if (event.mentions !== undefined && event.mentions.length > 0) this.onMentions?.(event);
    // Stored, so this node's subscribers may have it now rather than after a round trip through
    // Redis: when the room is tracked, the catch-up sends it in seq order and drops the broker's copy
    // (ADR 0027). A leave stays on the broker path: the request that stored it acts on the sessions.
    if (this.clustered && event.kind !== EventKind.Leave) this.catchUp?.offer(event.room, event.seq, bytes);
    this.broker.publish(roomTopic(event.room), bytes);
    if (event.kind === EventKind.Message) {
      this.notifications?.messagePublished(event);
      this.wakeWebhooks?.();
    }
    // A deleted message's files leave storage now, not at the sweeper's next round.
    else if (event.kind === EventKind.Delete) void this.files?.sweep();
    // Someone else added this user: tell all of their connections, which are not subscribed yet.
    if (event.kind === EventKind.Join && event.data?.inviter !== undefined) this.broker.publish(userTopic(event.by), bytes);
    // Other nodes may hold sessions of the user that cache the membership without following the room.
    else if (event.kind === EventKind.Leave && this.clustered) this.broker.publish(userTopic(event.by), bytes);
  }

  /** Tracks a request in progress, so that a drain can wait for its reply. */
  track<T>(p: Promise<T>): Promise<T> {
    this.inFlight++;
    return p.finally(() => {
      if (--this.inFlight === 0 && this.idleDone) this.idleDone();
    });
  }

  /** Resolves when no request is in progress, or after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleDone = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async close(): Promise<void> {
    clearInterval(this.idleSweep);
    clearInterval(this.keySweep);
    this.guestExpiry.close();
    this.expiries.close();
    this.catchUp?.close();
    this.userCatchUp?.close();
    this.typing.close();
    this.streams.close();
    this.calls.close();
    await this.notifications?.settled();
    this.notifications?.close();
    await this.announcer.close();
  }

  /** Rooms with local subscribers. */
  get roomCount(): number {
    let n = 0;
    for (const channel of this.channelSessions.keys()) if (channel.startsWith('r/')) n++;
    return n;
  }

  private nameOf(user: string): string {
    for (const s of this.presence.sessionsOf(user)) return s.userName;
    return user;
  }

  private markIdle(): void {
    const cutoff = Date.now() - this.config.awayAfterMs;
    for (const s of this.sessions) if (s.authenticated && !s.idle && s.lastActive < cutoff) s.setIdle(true);
  }
}

/** How often each node looks for revoked keys among its bot connections. */
const KEY_SWEEP_MS = 5000;
const ROOM_PREFIX = roomTopic('');
const USER_PREFIX = userTopic('');
const USER_LOG_PREFIX = userLogTopic('');
const SIGNAL_PREFIX = signalTopic('');
/** The moderation channel's action that closes a user's connections (not a room's moderation). */
const DISCONNECT = 'disconnect';

/** The parts of a frame from the broker the hub looks at (frames from the broker are our own: not re-validated). */
interface Peeked {
  t?: unknown;
  /** Of an `event` frame; of a `user_event` frame only its `seq` is read. */
  e?: RoomEvent;
  /** Of a `profile` frame. */
  user?: string;
  name?: string;
}

function peek(frame: Uint8Array): Peeked | undefined {
  try {
    const f = decodeRaw(frame) as Peeked;
    return typeof f === 'object' && f !== null ? f : undefined;
  } catch {
    return undefined;
  }
}
