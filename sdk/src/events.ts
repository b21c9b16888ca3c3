// The events a ChatClient (and a Room) emits. Every listener receives one context object, so fields
// can be added later without breaking anyone's handler signature.
import type { ClientState } from './connection.js';
import type { ParleyError } from './errors.js';
import type { PresenceState } from './protocol/codes.js';
import type { RoomEvent } from './protocol/frames.js';
import type { Room } from './room.js';

export interface StateContext {
  oldState: ClientState;
  newState: ClientState;
}

export interface RoomEventContext {
  room: Room;
  /** Delivered exactly once per room, in seq order. */
  event: RoomEvent;
}

export interface ChangeContext {
  room: Room;
  /** The `edit`, `delete` or `reaction` event, delivered exactly once, in seq order. */
  event: RoomEvent;
  /** Seq of the message it changes (`event.data.target`); fold it in with `foldChange`. */
  target: number;
}

export interface TypingContext {
  room: Room;
  user: string;
  name: string;
  on: boolean;
}

export interface PresenceContext {
  room: Room;
  user: string;
  name: string;
  state: PresenceState;
}

export interface ProfileContext {
  room: Room;
  user: string;
  name: string;
}

export interface ResetContext {
  room: Room;
  /** Events up to this seq were not delivered (too far behind to replay): reload the room's history. */
  head: number;
}

export interface AddedContext {
  /** The room someone else added this user to (an invite, or the other side of a new direct room). */
  roomId: string;
  /** The `join` event; `event.data.inviter` is who added us. `client.join(roomId)` to follow the room. */
  event: RoomEvent;
}

export interface ErrorContext {
  error: ParleyError;
  /** The room concerned, when there is one. */
  room?: Room;
}

/** Events scoped to one room; a Room emits them for itself, the client for every room. */
export interface RoomEvents {
  /** Every room event (msg, join, leave, room and kinds this SDK does not know), exactly once, in seq order. */
  event: RoomEventContext;
  /** Events of kind `msg` only (thread replies included: `event.data.thread`). */
  message: RoomEventContext;
  /** Someone changed the text of message `target`. */
  edit: ChangeContext;
  /** Someone deleted message `target`; its body is gone. */
  delete: ChangeContext;
  /** Someone put or took back an emoji on message `target` (`event.data.emoji`, `event.data.on`). */
  reaction: ChangeContext;
  typing: TypingContext;
  presence: PresenceContext;
  profile: ProfileContext;
  reset: ResetContext;
}

export interface ClientEvents extends RoomEvents {
  /** Every change of `client.state`. */
  state: StateContext;
  /** Someone added this user to a room the client does not follow yet. */
  added: AddedContext;
  /** Failures that no promise reports: malformed frames, errors without a request, failed resumes, fatal closes. */
  error: ErrorContext;
}
