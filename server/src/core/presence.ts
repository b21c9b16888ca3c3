// Presence per user over all of their connections on this node: online if any connection is active,
// away if all are away, offline with none. Announced to each room where the user has a subscribed
// connection, when it changes.
import { PresenceState } from '@parley/sdk/protocol';

/** The part of a session presence needs. */
export interface PresenceHolder {
  readonly userId: string;
  readonly rooms: ReadonlySet<string>;
  readonly away: boolean;
}

/** A user's sessions on this node: what callers count and walk. */
export interface SessionGroup<S> extends Iterable<S> {
  readonly size: number;
}

/** One session seen as a group of one, made when asked for: no per-user object is held for it. */
class One<S> implements SessionGroup<S> {
  readonly size = 1;
  constructor(private readonly only: S) {}
  *[Symbol.iterator](): Iterator<S> {
    yield this.only;
  }
}

export class PresenceTracker<S extends PresenceHolder = PresenceHolder> {
  /**
   * A user's sessions: the session itself while it is the only one (almost every user of a widget
   * site), a Set from the second on. A Set for one session held 152 bytes per connection.
   */
  private readonly sessionsByUser = new Map<string, S | Set<S>>();
  /** room -> user -> number of that user's sessions subscribed to the room. */
  private readonly usersByRoom = new Map<string, Map<string, number>>();
  /** The state last announced for each user with sessions. */
  private readonly announced = new Map<string, PresenceState>();

  constructor(private readonly announce: (room: string, user: string, state: PresenceState) => void) {}

  addSession(s: S): void {
    const held = this.sessionsByUser.get(s.userId);
    if (held === undefined) this.sessionsByUser.set(s.userId, s);
    else if (held instanceof Set) held.add(s);
    else if (held !== s) this.sessionsByUser.set(s.userId, new Set([held, s]));
    this.refresh(s.userId);
  }

  /** Call after the session left all its rooms. */
  removeSession(s: S): void {
    const held = this.sessionsByUser.get(s.userId);
    if (held === s) {
      this.sessionsByUser.delete(s.userId);
      this.announced.delete(s.userId);
      return;
    }
    if (!(held instanceof Set)) return;
    held.delete(s);
    // Back to one: held as itself again, so a user who once had two tabs does not keep the Set.
    if (held.size === 1) this.sessionsByUser.set(s.userId, held.values().next().value as S);
    this.refresh(s.userId);
  }

  /** The session subscribed to `room`; announces the user there if it was not present yet. */
  enterRoom(s: PresenceHolder, room: string): void {
    let users = this.usersByRoom.get(room);
    if (!users) this.usersByRoom.set(room, (users = new Map()));
    const n = users.get(s.userId) ?? 0;
    users.set(s.userId, n + 1);
    if (n === 0) this.announce(room, s.userId, this.state(s.userId));
  }

  /** The session unsubscribed from `room`; announces `offline` there if it was the user's last one. */
  leaveRoom(s: PresenceHolder, room: string): void {
    const users = this.usersByRoom.get(room);
    const n = users?.get(s.userId) ?? 0;
    if (!users || n === 0) return;
    if (n > 1) {
      users.set(s.userId, n - 1);
      return;
    }
    users.delete(s.userId);
    if (users.size === 0) this.usersByRoom.delete(room);
    this.announce(room, s.userId, PresenceState.Offline);
  }

  /** Recomputes the user's state after a session's away flag changed; announces a change. */
  refresh(user: string): void {
    const state = this.state(user);
    if (state === PresenceState.Offline || this.announced.get(user) === state) return;
    this.announced.set(user, state);
    for (const room of this.roomsOf(user)) this.announce(room, user, state);
  }

  state(user: string): PresenceState {
    const held = this.sessionsByUser.get(user);
    if (held === undefined) return PresenceState.Offline;
    if (!(held instanceof Set)) return held.away ? PresenceState.Away : PresenceState.Online;
    for (const s of held) if (!s.away) return PresenceState.Online;
    return PresenceState.Away;
  }

  /** Rooms where the user has at least one subscribed session. */
  roomsOf(user: string): Set<string> {
    const rooms = new Set<string>();
    for (const s of this.sessionsOf(user)) for (const r of s.rooms) rooms.add(r);
    return rooms;
  }

  /** The user's sessions on this node. */
  sessionsOf(user: string): SessionGroup<S> {
    const held = this.sessionsByUser.get(user);
    if (held === undefined) return EMPTY;
    return held instanceof Set ? held : new One(held);
  }

  /** Users with a session on this node subscribed to `room` (watching it now, members or not). */
  usersIn(room: string): string[] {
    return [...(this.usersByRoom.get(room)?.keys() ?? [])];
  }

  /** Ids of users with sessions on this node. */
  users(): IterableIterator<string> {
    return this.sessionsByUser.keys();
  }

  /** Users with sessions on this node. */
  get userCount(): number {
    return this.sessionsByUser.size;
  }
}

const EMPTY: SessionGroup<never> = new Set();
