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
  EphemeralContext,
  EphemeralMessage,
  MessageContext,
  PresenceContext,
  ProfileContext,
  ResetContext,
  RoomEventContext,
  RoomEvents,
  StateContext,
  TypingContext,
} from './events.js';
import type { ClientOptions, ReconnectOptions, WebSocketConstructor, WebSocketLike } from './options.js';
import type { MessageView, Reaction } from './fold.js';
import type { ChangeAck, SendAck } from './outbox.js';
import type { ArgProblem, Invocation, ParsedArgs } from './protocol/command-line.js';
import type { Command, CommandArg, RoomCommand, AnyRoomEvent, Member, RoomEvent, RoomSummary, UnknownEvent, User, UserEvent } from './protocol/frames.js';
import type { Mention } from './protocol/kinds.js';
import type { EditOptions, HistoryOptions, Room, SendOptions, TypingOptions } from './room.js';
import type { HistoryPage } from './sequencer.js';

export { ChatClient } from './client.js';
export { invocation, parseArgs, usage } from './protocol/command-line.js';
export { foldChange } from './fold.js';
export {
  ParleyError,
  TimeoutError,
  UnauthorizedError,
  ForbiddenError,
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
  EphemeralContext,
  EphemeralMessage,
  Command,
  CommandArg,
  RoomCommand,
  Invocation,
  ParsedArgs,
  ArgProblem,
};
