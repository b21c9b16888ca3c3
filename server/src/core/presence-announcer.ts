// Turns presence changes of this node's sessions into `presence` frames. Alone, a node announces its
// own view; with a PresenceDirectory (several nodes) it records its view there and announces the
// user's state combined over every node, batched per tick and in order.
import { type PresenceState } from '@parley/sdk/protocol';
import type { PresenceTracker } from './presence.js';
import type { LocalPresence, PresenceDirectory } from './presence-directory.js';

export interface AnnouncerDeps {
  tracker: () => PresenceTracker;
  /** The user's display name while they have sessions here. */
  nameOf(user: string): string;
  publish(room: string, user: string, name: string, state: PresenceState): void;
}

export class PresenceAnnouncer {
  private directory: PresenceDirectory | undefined;
  /** Rooms to announce each user in, gathered over one tick. */
  private readonly pending = new Map<string, { name: string; rooms: Set<string> }>();
  private chain: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(private readonly deps: AnnouncerDeps) {}

  /** Presence is kept across nodes in `directory` from now on. */
  use(directory: PresenceDirectory): void {
    this.directory = directory;
  }

  /** This node's tracker saw the user's state in `room` change to `state`. */
  announce(room: string, user: string, state: PresenceState): void {
    if (!this.directory) return this.deps.publish(room, user, this.deps.nameOf(user), state);
    let pending = this.pending.get(user);
    if (!pending) this.pending.set(user, (pending = { name: this.deps.nameOf(user), rooms: new Set() }));
    pending.rooms.add(room);
    if (this.queued) return;
    this.queued = true;
    // Batches run one after another, so a user's announcements leave in the order their changes happened here.
    this.chain = this.chain.then(() => this.flush());
  }

  /**
   * The user's sessions on this node came or went: keeps their directory entry current even when
   * they follow no room, so that "connected anywhere" (Web Push, ADR 0016) sees them. Announces nothing.
   */
  touch(user: string): void {
    if (!this.directory) return;
    if (!this.pending.has(user)) this.pending.set(user, { name: this.deps.nameOf(user), rooms: new Set() });
    if (this.queued) return;
    this.queued = true;
    this.chain = this.chain.then(() => this.flush());
  }

  /** Each user's state over all nodes (this node's view without a directory). */
  async states(users: readonly string[]): Promise<Map<string, PresenceState>> {
    const tracker = this.deps.tracker();
    if (!this.directory) return new Map(users.map((u) => [u, tracker.state(u)]));
    return this.directory.states(users, (u) => tracker.state(u));
  }

  /** This node's view of every user it has sessions of. */
  *snapshot(): Iterable<[string, LocalPresence]> {
    for (const user of this.deps.tracker().users()) yield [user, this.local(user, this.deps.nameOf(user))];
  }

  /** Announces every local user again in each room they follow (other nodes may have announced them gone). */
  reannounce(): void {
    const tracker = this.deps.tracker();
    for (const user of tracker.users()) {
      const state = tracker.state(user);
      for (const room of tracker.roomsOf(user)) this.announce(room, user, state);
    }
  }

  /** Waits for pending announcements, then removes this node from the directory. */
  async close(): Promise<void> {
    await this.chain;
    await this.directory?.close();
  }

  private async flush(): Promise<void> {
    this.queued = false;
    const batch = [...this.pending];
    this.pending.clear();
    await Promise.all(
      batch.map(async ([user, { name, rooms }]) => {
        const states = await this.directory!.update(user, this.local(user, name), [...rooms]);
        for (const [room, state] of states) this.deps.publish(room, user, name, state);
      }),
    );
  }

  private local(user: string, name: string): LocalPresence {
    const tracker = this.deps.tracker();
    return { state: tracker.state(user), rooms: [...tracker.roomsOf(user)], name };
  }
}
