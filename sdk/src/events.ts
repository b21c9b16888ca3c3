// The events a ChatClient (and a Room) emits. Every listener receives one context object, so fields
// can be added later without breaking anyone's handler signature.
import type { ClientState } from './connection.js';
import type { ParleyError } from './errors.js';
import type { PresenceState } from './protocol/codes.js';
import type { ActionFrame, AnyRoomEvent, CallStateFrame, EphemeralMessageFrame, ModerationCheckFrame, RoomEvent, UserEvent } from './protocol/frames.js';
import type { LiveStream } from './streams.js';
import type { Room } from './room.js';

export interface StateContext {
  oldState: ClientState;
  newState: ClientState;
}

export interface RoomEventContext {
  room: Room;
  /**
   * Delivered exactly once per room, in seq order. An event this client could not read arrives as an
   * `UnknownEvent` placeholder (`kind: 'unknown'`, with `problem`), so that its seq is not missing.
   */
  event: AnyRoomEvent;
}

export interface MessageContext {
  room: Room;
  /** A `msg` event, delivered exactly once per room, in seq order. */
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
  /** Seq of the thread's root message when the user types in that thread; absent: in the room. */
  thread?: number;
}

export interface PresenceContext {
  room: Room;
  user: string;
  name: string;
  state: PresenceState | (string & {});
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
  /** The room someone else added this user to (an invite, a room created with them, or the other side of a new direct room). `client.join(roomId)` to follow it. */
  roomId: string;
  /** Who added this user, when known. */
  by?: string;
  /** The notice from the user's own log (servers with `user_log`: delivered once, also after being offline). */
  notice?: UserEvent;
  /** The live `join` event (servers without `user_log`); `event.data.inviter` is who added us. */
  event?: RoomEvent;
}

/** A notice of the user's own log, of any kind (this SDK's or a newer one's). */
export interface UserEventContext {
  /** Delivered exactly once, in seq order, also after reconnecting. */
  event: UserEvent;
}

export interface RemovedContext {
  /** The room this user is no longer a member of (left on any device, or removed). */
  roomId: string;
  notice: UserEvent;
}

export interface MentionContext {
  /** The room of the message that mentions this user. */
  roomId: string;
  /** The message's seq in that room. */
  seq: number;
  notice: UserEvent;
}

export interface DirectContext {
  /** The direct room opened with this user. */
  roomId: string;
  /** The user who opened it. */
  with: string;
  notice: UserEvent;
}

export interface UserResetContext {
  /** Notices up to this seq of the user's log were not delivered (too far behind to replay). */
  head: number;
}

/** A bot's message to one user: `id`, `ts`, `by` (the bot), `name`, `to`, `body`, and `replyTo`/`thread` when it answers one. */
export type EphemeralMessage = Omit<EphemeralMessageFrame, 't'>;

/** A bot's message only this user sees (feature `bots`): not a room event, gone after a reload. */
export interface EphemeralContext {
  room: Room;
  message: EphemeralMessage;
}

/** What reached a bot when someone used a button or select of its message, or stopped its stream (feature `interactive`). */
export type Action = Omit<ActionFrame, 't'>;

export interface ActionContext {
  room: Room;
  action: Action;
}

/** A streamed reply grew (feature `streams`). */
export interface StreamContext {
  room: Room;
  stream: LiveStream;
}

/** A streamed reply ended: `done`, `timeout` or `closed` (its bot left); `seq` is the stored message when it held text. */
export interface StreamEndContext {
  room: Room;
  stream: LiveStream;
  reason: string;
  seq?: number;
}

/** A message the room's moderation hook (this bot) is asked to judge before it is stored. */
export type ModerationCheck = Omit<ModerationCheckFrame, 't'>;

export interface ModerationCheckContext {
  check: ModerationCheck;
}

export interface ErrorContext {
  error: ParleyError;
  /** The room concerned, when there is one. */
  room?: Room;
}

/** A moderator restricted or freed this user in a room (feature `moderation`). */
export interface RestrictionContext {
  room: Room;
  /** `mute`, `unmute`, `kick`, `ban`, `unban`, `role`, or an action this SDK does not know. */
  action: string;
  /** When a mute or timed ban ends, ms epoch. */
  until?: number;
  reason?: string;
}

/** Events scoped to one room; a Room emits them for itself, the client for every room. */
export interface RoomEvents {
  /** Every room event (msg, join, leave, room and kinds this SDK does not know), exactly once, in seq order. */
  event: RoomEventContext;
  /** Events of kind `msg` only (thread replies included: `event.data.thread`). */
  message: MessageContext;
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
  /** A moderator muted, kicked, banned (or freed) this user here; after a kick or ban the server stopped sending the room. */
  restriction: RestrictionContext;
  /** A bot sent this user a message no one else sees (`replyEphemeral`). */
  ephemeral: EphemeralContext;
  /** To a bot: someone used a button or select of its message, or asked to stop its stream. */
  action: ActionContext;
  /** A bot's streamed reply grew; `stream.text` is the whole text so far. */
  stream: StreamContext;
  /** A streamed reply ended; its text arrives as a message (`seq`) when it held any. */
  streamEnd: StreamEndContext;
}

/** Someone calls this user (feature `calls`): `client.answer(call)` or `client.decline(call)`. */
export interface RingContext {
  call: string;
  roomId: string;
  /** The caller and their display name. */
  by: string;
  name: string;
  video: boolean;
  /** When the ring stops on its own (ms epoch). */
  until: number;
}

/** A ring is over for this user: answered (here or on another device), declined, cancelled or timed out. */
export interface RingEndContext {
  call: string;
  roomId: string;
}

/** A call this user is in or rung by changed (feature `calls`). */
export interface CallStateContext {
  state: CallStateFrame;
}

export interface ClientEvents extends RoomEvents {
  /** Someone calls this user; also delivered to a device that connects while it rings. */
  ring: RingContext;
  /** The ring of a call is over for this user. */
  ringEnd: RingEndContext;
  /** Every `call_state` the server sends this connection. */
  callState: CallStateContext;
  /** Every change of `client.state`. */
  state: StateContext;
  /** Someone added this user to a room (a direct room too, after its `dm`). */
  added: AddedContext;
  /** This user is no longer a member of a room. */
  removed: RemovedContext;
  /** A message mentions this user. */
  mention: MentionContext;
  /** Someone opened a direct room with this user. */
  dm: DirectContext;
  /** Every notice of the user's own log, known kinds included, exactly once in seq order. */
  userEvent: UserEventContext;
  /** The client was too far behind in the user's log: notices up to `head` were skipped. */
  userReset: UserResetContext;
  /** A bot with the `moderate` scope that watches a room is asked to judge a message (`@parley/sdk/bot`'s `bot.moderate`). */
  moderationCheck: ModerationCheckContext;
  /** Failures that no promise reports: malformed frames, errors without a request, failed resumes, fatal closes. */
  error: ErrorContext;
}
