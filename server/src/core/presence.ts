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

export class PresenceTracker<S extends PresenceHolder = PresenceHolder> {
  private readonly sessionsByUser = new Map<string, Set<S>>();
  /** room -> user -> number of that user's sessions subscribed to the room. */
  private readonly usersByRoom = new Map<string, Map<string, number>>();
  /** The state last announced for each user with sessions. */
  private readonly announced = new Map<string, PresenceState>();

  constructor(private readonly announce: (room: string, user: string, state: PresenceState) => void) {}

  addSession(s: S): void {
    let set = this.sessionsByUser.get(s.userId);
    if (!set) this.sessionsByUser.set(s.userId, (set = new Set()));
    set.add(s);
    this.refresh(s.userId);
  }

  /** Call after the session left all its rooms. */
  removeSession(s: S): void {
    const set = this.sessionsByUser.get(s.userId);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) {
      this.sessionsByUser.delete(s.userId);
      this.announced.delete(s.userId);
    } else {
      this.refresh(s.userId);
    }
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
    const set = this.sessionsByUser.get(user);
    if (!set || set.size === 0) return PresenceState.Offline;
    for (const s of set) if (!s.away) return PresenceState.Online;
    return PresenceState.Away;
  }

  /** Rooms where the user has at least one subscribed session. */
  roomsOf(user: string): Set<string> {
    const rooms = new Set<string>();
    for (const s of this.sessionsByUser.get(user) ?? []) for (const r of s.rooms) rooms.add(r);
    return rooms;
  }

  /** The user's sessions on this node. */
  sessionsOf(user: string): ReadonlySet<S> {
    return this.sessionsByUser.get(user) ?? EMPTY;
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

const EMPTY: ReadonlySet<never> = new Set();
