// @parley/sdk public API: an explicit allow-list. Anything not named here is internal and may change.
import type { ClientState } from './connection.js';
import type { CreateRoomOptions, ListRoomsOptions, RoomPage } from './client.js';
import type { Listener } from './emitter.js';
import type {
  AddedContext,
  ChangeContext,
  DirectContext,
  MentionContext,
  RemovedContext,
  UserEventContext,
  UserResetContext,
  ClientEvents,
  ErrorContext,
  MessageContext,
  PresenceContext,
  ProfileContext,
  ResetContext,
  RoomEventContext,
  RoomEvents,
  StateContext,
  TypingContext,
  RestrictionContext,
} from './events.js';
import type { ClientOptions, ReconnectOptions, WebSocketConstructor, WebSocketLike } from './options.js';
import type { MessageView, Reaction } from './fold.js';
import type { ChangeAck, SendAck } from './outbox.js';
import type { AnyRoomEvent, Member, RoomEvent, RoomRules, RoomSummary, UnknownEvent, User, UserEvent } from './protocol/frames.js';
import type { Mention } from './protocol/kinds.js';
import type { EditOptions, HistoryOptions, MemberPageOptions, ModerateOptions, Room, SendOptions, TypingOptions } from './room.js';
import type { HistoryPage } from './sequencer.js';

export { ChatClient } from './client.js';
export { foldChange } from './fold.js';
export {
  ParleyError,
  TimeoutError,
  UnauthorizedError,
  ForbiddenError,
  HeldError,
  NotFoundError,
  ConflictError,
  RateLimitedError,
  LimitReachedError,
  TooLateError,
  InvalidRequestError,
  UnavailableError,
  ServerError,
  ProtocolError,
  ConnectionClosedError,
  ConnectError,
  ClientClosedError,
} from './errors.js';
export {
  PROTOCOL_VERSION,
  ErrorCode,
  CloseCode,
  EventKind,
  Feature,
  UserEventKind,
  RoomKind,
  PresenceState,
  Role,
  Limits,
  ModAction,
  GuestPolicy,
} from './protocol/codes.js';

export type {
  ClientOptions,
  ReconnectOptions,
  WebSocketLike,
  WebSocketConstructor,
  ClientState,
  CreateRoomOptions,
  ListRoomsOptions,
  RoomPage,
  Room,
  HistoryOptions,
  HistoryPage,
  SendOptions,
  TypingOptions,
  EditOptions,
  SendAck,
  ChangeAck,
  MessageView,
  Reaction,
  Mention,
  Listener,
  ClientEvents,
  RoomEvents,
  StateContext,
  RoomEventContext,
  MessageContext,
  TypingContext,
  PresenceContext,
  ProfileContext,
  ResetContext,
  ErrorContext,
  AddedContext,
  ChangeContext,
  RoomEvent,
  UnknownEvent,
  AnyRoomEvent,
  RemovedContext,
  MentionContext,
  DirectContext,
  UserEventContext,
  UserResetContext,
  UserEvent,
  RoomSummary,
  Member,
  User,
  RoomRules,
  ModerateOptions,
  MemberPageOptions,
  RestrictionContext,
};
