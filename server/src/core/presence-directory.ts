// Where a user's presence over several nodes is kept. A node reports its own view of a user (state
// over its sessions, rooms they follow) and gets back the user's state across all nodes.
import type { PresenceState } from '@parley/sdk/protocol';

/** One node's view of one user. Offline (no sessions on the node) removes the node's entry. */
export interface LocalPresence {
  state: PresenceState;
  /** Rooms the user's sessions on this node are subscribed to. */
  rooms: readonly string[];
  name: string;
}

export interface PresenceDirectory {
  /**
   * Records this node's view of `user`, then returns the user's state as seen in each of `rooms`
   * over every live node: online if any node has an active session following the room, away if
   * only away ones, offline if none. Never rejects: unreachable, it answers from `local` alone.
   */
  update(user: string, local: LocalPresence, rooms: readonly string[]): Promise<Map<string, PresenceState>>;
  /** Each user's state over every live node, in any room. Never rejects (falls back to `fallback`). */
  states(users: readonly string[], fallback: (user: string) => PresenceState): Promise<Map<string, PresenceState>>;
  /** Removes this node's entries (graceful stop) and stops heart-beating. */
  close(): Promise<void>;
}
