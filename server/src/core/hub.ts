// The node's shared state: live sessions, room subscriptions, presence, typing, and fan-out of
// room frames through the broker. Sessions call into it; it never touches a socket directly.
import { encodeFrame, EventKind, Op, type PresenceState, type RoomEvent } from '@parley/sdk/protocol';
import type { Authenticator } from '../auth.js';
import type { Broker } from '../broker/broker.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { roomTopic, userTopic, type Conn, type Publisher } from './conn.js';
import { PresenceTracker } from './presence.js';
import { Session } from './session.js';
import { TypingTracker } from './typing.js';

export interface HubDeps {
  store: Store;
  broker: Broker;
  auth: Authenticator;
  config: Config;
  log: Logger;
  publisher: Publisher;
}

export class Hub {
  readonly store: Store;
  readonly auth: Authenticator;
  readonly config: Config;
  readonly log: Logger;
  readonly sessions = new Set<Session>();
  readonly presence: PresenceTracker<Session>;
  readonly typing: TypingTracker;
  private readonly broker: Broker;
  /** Local subscribed sessions per channel, to (un)subscribe the broker on the first/last one. */
  private readonly channelSessions = new Map<string, number>();
  private inFlight = 0;
  private idleDone: (() => void) | undefined;
  private readonly idleSweep: ReturnType<typeof setInterval>;

  constructor(deps: HubDeps) {
    this.store = deps.store;
    this.auth = deps.auth;
    this.config = deps.config;
    this.log = deps.log;
    this.broker = deps.broker;
    this.broker.onFrame((channel, frame) => deps.publisher.publish(channel, frame));
    this.presence = new PresenceTracker((room, user, state) => this.announcePresence(room, user, state));
    this.typing = new TypingTracker(deps.config.typingTtlMs, (room, user, on) =>
      this.publishRoom(room, { t: Op.TypingState, room, user, name: this.nameOf(user), on }),
    );
    const sweepMs = Math.min(30_000, Math.max(250, Math.floor(deps.config.awayAfterMs / 4)));
    this.idleSweep = setInterval(() => this.markIdle(), sweepMs);
    this.idleSweep.unref();
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
    this.retain(userTopic(s.userId));
  }

  /** Called by a session when its socket closed. */
  removeSession(s: Session): void {
    if (!this.sessions.delete(s) || !s.authenticated) return;
    // Last connection of the user: end their typing while the session still supplies their name.
    if (this.presence.sessionsOf(s.userId).size === 1) this.typing.clearUser(s.userId);
    for (const room of [...s.rooms]) this.unsubscribe(s, room);
    this.release(userTopic(s.userId));
    this.presence.removeSession(s);
  }

  subscribe(s: Session, room: string): void {
    if (s.rooms.has(room)) return;
    s.rooms.add(room);
    s.conn.subscribe(roomTopic(room));
    this.retain(roomTopic(room));
    this.presence.enterRoom(s, room);
  }

  unsubscribe(s: Session, room: string): void {
    if (!s.rooms.delete(room)) return;
    s.conn.unsubscribe(roomTopic(room));
    this.release(roomTopic(room));
    this.presence.leaveRoom(s, room);
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
  }

  /** Sessions of `user` on this node. */
  sessionsOf(user: string): ReadonlySet<Session> {
    return this.presence.sessionsOf(user);
  }

  /** Encodes once and fans out to the room's subscribers on every node. */
  publishRoom(room: string, frame: object): void {
    this.broker.publish(roomTopic(room), encodeFrame(frame));
  }

  publishEvent(event: RoomEvent): void {
    const bytes = encodeFrame({ t: Op.Event, e: event });
    this.broker.publish(roomTopic(event.room), bytes);
    // Someone else added this user: tell all of their connections, which are not subscribed yet.
    if (event.kind === EventKind.Join && event.data?.inviter !== undefined) this.broker.publish(userTopic(event.by), bytes);
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

  close(): void {
    clearInterval(this.idleSweep);
    this.typing.close();
  }

  /** Channels (rooms and users) with local subscribers. */
  get channelCount(): number {
    return this.channelSessions.size;
  }

  private nameOf(user: string): string {
    for (const s of this.presence.sessionsOf(user)) return s.userName;
    return user;
  }

  private announcePresence(room: string, user: string, state: PresenceState): void {
    this.publishRoom(room, { t: Op.Presence, room, user, name: this.nameOf(user), state });
  }

  private markIdle(): void {
    const cutoff = Date.now() - this.config.awayAfterMs;
    for (const s of this.sessions) if (s.authenticated && !s.idle && s.lastActive < cutoff) s.setIdle(true);
  }
}
