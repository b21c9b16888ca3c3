// Parley wire protocol v1: opcodes, codes, frame schemas and the msgpack codec. Normative prose: docs/protocol.md.
export {
  PROTOCOL_VERSION,
  Op,
  ErrorCode,
  CloseCode,
  FATAL_CLOSE_CODES,
  Limits,
  EventKind,
  UserEventKind,
  Feature,
  RoomKind,
  PresenceState,
  Role,
} from './codes.js';
export {
  clientFrameSchemas,
  serverFrameSchemas,
  resultSchemas,
  RoomIdShape,
  RoomEventShape,
  AnyRoomEventShape,
  UserEventShape,
  RoomSummaryShape,
  MemberShape,
  UserShape,
} from './frames.js';
export { encodeFrame, decodeRaw, decodeClientFrame, decodeServerFrame, FrameError, SERVER_FRAME_DEPTH } from './codec.js';
export { encodeEventFrame, encodeResultFrame } from './hot-frames.js';
export { kinds, kindDeclaration, projectedKinds, eventExtensionFields, MentionShape, ReactionSummaryShape, RepliesShape } from './kinds.js';
export { scanMsgpack } from './scan.js';
export { SchemaError } from './schema.js';

export type {
  HelloFrame,
  PingFrame,
  RoomCreateFrame,
  RoomListFrame,
  JoinFrame,
  LeaveFrame,
  InviteFrame,
  SubscribeFrame,
  UnsubscribeFrame,
  MembersFrame,
  RoomUpdateFrame,
  SendFrame,
  HistoryFrame,
  TypingFrame,
  SetPresenceFrame,
  SetProfileFrame,
  UserSubscribeFrame,
  EditFrame,
  DeleteFrame,
  ReactFrame,
  ReadFrame,
  ClientFrame,
  ClientRequest,
  RoomEvent,
  UnknownEvent,
  AnyRoomEvent,
  UserEvent,
  RoomSummary,
  User,
  Member,
  WelcomeFrame,
  ResultFrame,
  ErrorFrame,
  EventFrame,
  TypingStateFrame,
  PresenceFrame,
  ProfileFrame,
  UserEventFrame,
  ReadStateFrame,
  ServerFrame,
  ResultOp,
  ResultData,
} from './frames.js';
export type { Schema, Infer } from './schema.js';
export type { KindDeclaration, ProjectionEffect, Mention, ReactionSummary, Replies, EventExtensionField } from './kinds.js';
