// @parley/sdk public API: an explicit allow-list. Anything not named here is internal and may change.
import type { ClientState } from './connection.js';
import type { CreateRoomOptions, ListRoomsOptions, NotifySettingsChange, PushSubscriptionKeys, RoomPage, SearchOptions, SearchPage } from './client.js';
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
  RestrictionContext,
} from './events.js';
import type { ClientOptions, ReconnectOptions, WebSocketConstructor, WebSocketLike } from './options.js';
import type { MessageView, Reaction } from './fold.js';
import type { ChangeAck, SendAck } from './outbox.js';
import type { ArgProblem, Invocation, ParsedArgs } from './protocol/command-line.js';
import type { AnyRoomEvent, Command, CommandArg, Highlight, LinkPreview, Member, NotifySettings, RoomCommand, RoomEvent, RoomRules, RoomSummary, SearchHit, UnknownEvent, User, UserEvent } from './protocol/frames.js';
import type { VoiceFields } from './protocol/voice.js';
import type { Attachment, Mention } from './protocol/kinds.js';
import type { UploadEvents, UploadOptions, UploadSource, UploadState } from './upload.js';
import type { ReadStateEvents, ReadStates, Receipt, RoomReadState } from './read-states.js';
import type { EditOptions, HistoryOptions, MemberPageOptions, ModerateOptions, Room, SendOptions, TypingOptions } from './room.js';
import type { HistoryPage } from './sequencer.js';

export { ChatClient } from './client.js';
export { invocation, parseArgs, usage } from './protocol/command-line.js';
export { foldChange } from './fold.js';
export { VoiceLimits } from './protocol/voice.js';
export { Upload, UploadError } from './upload.js';
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
  AttachmentKind,
} from './protocol/codes.js';

export type {
  ClientOptions,
  VoiceFields,
  ReconnectOptions,
  WebSocketLike,
  WebSocketConstructor,
  ClientState,
  CreateRoomOptions,
  ListRoomsOptions,
  RoomPage,
  SearchOptions,
  SearchPage,
  SearchHit,
  Highlight,
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
  ReadStates,
  ReadStateEvents,
  RoomReadState,
  Receipt,
  PushSubscriptionKeys,
  NotifySettingsChange,
  NotifySettings,
  LinkPreview,
  RoomRules,
  ModerateOptions,
  MemberPageOptions,
  RestrictionContext,
  EphemeralContext,
  EphemeralMessage,
  Command,
  CommandArg,
  RoomCommand,
  Invocation,
  ParsedArgs,
  ArgProblem,
  Attachment,
  UploadEvents,
  UploadOptions,
  UploadSource,
  UploadState,
};
