// @parley/sdk public API: an explicit allow-list. Anything not named here is internal and may change.
import type { ClientState } from './connection.js';
import type { CreateRoomOptions, ListRoomsOptions, RoomPage } from './client.js';
import type { Listener } from './emitter.js';
import type {
  AddedContext,
  DirectContext,
  MentionContext,
  RemovedContext,
  UserEventContext,
  UserResetContext,
  ClientEvents,
  ErrorContext,
  PresenceContext,
  ProfileContext,
  ResetContext,
  RoomEventContext,
  RoomEvents,
  StateContext,
  TypingContext,
} from './events.js';
import type { ClientOptions, ReconnectOptions, WebSocketConstructor, WebSocketLike } from './options.js';
import type { SendAck } from './outbox.js';
import type { Member, RoomEvent, RoomSummary, User, UserEvent } from './protocol/frames.js';
import type { HistoryOptions, Room } from './room.js';
import type { HistoryPage } from './sequencer.js';

export { ChatClient } from './client.js';
export {
  ParleyError,
  TimeoutError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  RateLimitedError,
  LimitReachedError,
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
  UserEventKind,
  RoomKind,
  PresenceState,
  Role,
  Limits,
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
  SendAck,
  Listener,
  ClientEvents,
  RoomEvents,
  StateContext,
  RoomEventContext,
  TypingContext,
  PresenceContext,
  ProfileContext,
  ResetContext,
  ErrorContext,
  AddedContext,
  RemovedContext,
  MentionContext,
  DirectContext,
  UserEventContext,
  UserResetContext,
  RoomEvent,
  UserEvent,
  RoomSummary,
  Member,
  User,
};
