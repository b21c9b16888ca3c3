// Every frame of protocol v1 as a validating schema; the TypeScript types are inferred from them, so
// the checks and the types cannot drift apart. docs/protocol.md is the prose form of this file.
import { Limits, Op, PresenceState, RoomKind, Role } from './codes.js';
import { eventExtensionFields, MentionShape } from './kinds.js';
import { arr, bool, literal, obj, opt, record, scalar, str, uint, type Infer, type Schema } from './schema.js';

const ROOM_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const CID = /^[A-Za-z0-9_-]+$/;

const reqId = uint(0xffff_ffff);
const roomId = str(1, Limits.maxRoomId, ROOM_ID);
/** A room id as every frame checks it; the HTTP API checks ids in paths with it too. */
export const RoomIdShape = roomId;
const userId = str(1, Limits.maxUserId);
const displayName = str(1, Limits.maxName);
const seq = uint();

// ---- client -> server -------------------------------------------------------------------------

// `token` is optional in the schema so that a missing, empty or oversize token is refused as what it is,
// an authentication failure (`unauthorized`, close 4001), rather than a broken frame (4000).
export const HelloFrame = obj({ t: literal(Op.Hello), r: reqId, v: uint(0xffff), token: opt(str(0, Limits.maxFrameBytes)) });
export const PingFrame = obj({ t: literal(Op.Ping), r: reqId });
export const RoomCreateFrame = obj({
  t: literal(Op.RoomCreate),
  r: reqId,
  kind: literal(RoomKind.Public, RoomKind.Private, RoomKind.Direct),
  /** Optional human-readable id (slug); the server picks one when absent. Ignored for `dm`. */
  id: opt(roomId),
  name: opt(displayName),
  members: opt(arr(userId, Limits.maxCreateMembers)),
});
export const RoomListFrame = obj({
  t: literal(Op.RoomList),
  r: reqId,
  scope: opt(literal('joined', 'public')),
  /** Where the page starts: the `next` of the previous page. Opaque. */
  cursor: opt(str(1, Limits.maxCursor)),
  /** Page size, 1..1000; default 1000. */
  limit: opt(uint(Limits.maxRoomPage)),
});
export const JoinFrame = obj({ t: literal(Op.Join), r: reqId, room: roomId });
export const LeaveFrame = obj({ t: literal(Op.Leave), r: reqId, room: roomId });
export const InviteFrame = obj({ t: literal(Op.Invite), r: reqId, room: roomId, user: userId });
export const SubscribeFrame = obj({ t: literal(Op.Subscribe), r: reqId, room: roomId, after: opt(seq) });
export const UnsubscribeFrame = obj({ t: literal(Op.Unsubscribe), r: reqId, room: roomId });
export const MembersFrame = obj({ t: literal(Op.Members), r: reqId, room: roomId });
export const RoomUpdateFrame = obj({ t: literal(Op.RoomUpdate), r: reqId, room: roomId, name: displayName });
export const SendFrame = obj({
  t: literal(Op.Send),
  r: reqId,
  room: roomId,
  cid: str(1, Limits.maxCid, CID),
  body: str(1, Limits.maxBody),
  /** Seq of the message quoted (feature `replies`). */
  replyTo: opt(seq),
  /** Seq of the thread root this message replies in (feature `threads`). */
  thread: opt(seq),
  /** Users mentioned in `body` (feature `mentions`). */
  mentions: opt(arr(MentionShape, Limits.maxMentions)),
});
export const HistoryFrame = obj({
  t: literal(Op.History),
  r: reqId,
  room: roomId,
  before: opt(seq),
  after: opt(seq),
  limit: opt(uint(Limits.maxHistory)),
  /** Only the replies of the thread whose root has this seq (feature `threads`). */
  thread: opt(seq),
  /** True: leave thread replies out (feature `threads`). */
  main: opt(bool()),
});
/** Changes the text of one's own message `seq` (feature `edit`). */
export const EditFrame = obj({
  t: literal(Op.Edit),
  r: reqId,
  room: roomId,
  seq,
  body: str(1, Limits.maxBody),
  mentions: opt(arr(MentionShape, Limits.maxMentions)),
});
/** Deletes one's own message `seq` (feature `delete`). */
export const DeleteFrame = obj({ t: literal(Op.Delete), r: reqId, room: roomId, seq });
/** Puts (`on`) or takes back an emoji on message `seq` (feature `reactions`). */
export const ReactFrame = obj({ t: literal(Op.React), r: reqId, room: roomId, seq, emoji: str(1, Limits.maxEmoji), on: bool() });
export const TypingFrame = obj({ t: literal(Op.Typing), room: roomId, on: bool() });
export const SetPresenceFrame = obj({
  t: literal(Op.SetPresence),
  state: literal(PresenceState.Online, PresenceState.Away),
});
export const SetProfileFrame = obj({ t: literal(Op.SetProfile), r: reqId, name: displayName });

export const clientFrameSchemas = {
  [Op.Hello]: HelloFrame,
  [Op.Ping]: PingFrame,
  [Op.RoomCreate]: RoomCreateFrame,
  [Op.RoomList]: RoomListFrame,
  [Op.Join]: JoinFrame,
  [Op.Leave]: LeaveFrame,
  [Op.Invite]: InviteFrame,
  [Op.Subscribe]: SubscribeFrame,
  [Op.Unsubscribe]: UnsubscribeFrame,
  [Op.Members]: MembersFrame,
  [Op.RoomUpdate]: RoomUpdateFrame,
  [Op.Send]: SendFrame,
  [Op.History]: HistoryFrame,
  [Op.Typing]: TypingFrame,
  [Op.SetPresence]: SetPresenceFrame,
  [Op.SetProfile]: SetProfileFrame,
  [Op.Edit]: EditFrame,
  [Op.Delete]: DeleteFrame,
  [Op.React]: ReactFrame,
} as const;

export type HelloFrame = Infer<typeof HelloFrame>;
export type PingFrame = Infer<typeof PingFrame>;
export type RoomCreateFrame = Infer<typeof RoomCreateFrame>;
export type RoomListFrame = Infer<typeof RoomListFrame>;
export type JoinFrame = Infer<typeof JoinFrame>;
export type LeaveFrame = Infer<typeof LeaveFrame>;
export type InviteFrame = Infer<typeof InviteFrame>;
export type SubscribeFrame = Infer<typeof SubscribeFrame>;
export type UnsubscribeFrame = Infer<typeof UnsubscribeFrame>;
export type MembersFrame = Infer<typeof MembersFrame>;
export type RoomUpdateFrame = Infer<typeof RoomUpdateFrame>;
export type SendFrame = Infer<typeof SendFrame>;
export type HistoryFrame = Infer<typeof HistoryFrame>;
export type TypingFrame = Infer<typeof TypingFrame>;
export type SetPresenceFrame = Infer<typeof SetPresenceFrame>;
export type SetProfileFrame = Infer<typeof SetProfileFrame>;
export type EditFrame = Infer<typeof EditFrame>;
export type DeleteFrame = Infer<typeof DeleteFrame>;
export type ReactFrame = Infer<typeof ReactFrame>;
export type ClientFrame = Infer<(typeof clientFrameSchemas)[keyof typeof clientFrameSchemas]>;
/** A client frame that expects a `result` or `error` reply carrying its `r`. */
export type ClientRequest = Extract<ClientFrame, { r: number }>;

// ---- shared shapes ------------------------------------------------------------------------------

/** One entry of a room's ordered log. Everything that changes a room is an event with the next `seq`. */
export const RoomEventShape = obj({
  room: roomId,
  seq: uint(),
  /** Globally unique, time-sortable event id. */
  id: str(1, 64),
  kind: str(1, 32),
  /** Milliseconds since the Unix epoch, assigned by the server when stored. */
  ts: uint(),
  /** User id of the author/actor. */
  by: userId,
  /** Display name of `by` when the event was stored. */
  name: str(0, Limits.maxName),
  cid: opt(str(1, Limits.maxCid)),
  body: opt(str(0, Limits.maxBody)),
  data: opt(record(scalar(), 32)),
  ...eventExtensionFields,
});
export type RoomEvent = Infer<typeof RoomEventShape>;

export const RoomSummaryShape = obj({
  id: roomId,
  name: str(0, Limits.maxName),
  kind: literal(RoomKind.Public, RoomKind.Private, RoomKind.Direct),
  /** Seq of the room's latest event (0 for none). */
  head: uint(),
  /** The caller's role, absent when the caller is not a member. */
  role: opt(literal(Role.Owner, Role.Member)),
  /** Number of members. */
  members: uint(),
});
export type RoomSummary = Infer<typeof RoomSummaryShape>;

export const UserShape = obj({ id: userId, name: str(0, Limits.maxName), guest: bool() });
export type User = Infer<typeof UserShape>;

export const MemberShape = obj({
  user: userId,
  name: str(0, Limits.maxName),
  role: literal(Role.Owner, Role.Member),
  state: literal(PresenceState.Online, PresenceState.Away, PresenceState.Offline),
});
export type Member = Infer<typeof MemberShape>;

// ---- server -> client ---------------------------------------------------------------------------

export const WelcomeFrame = obj({
  t: literal(Op.Welcome),
  r: reqId,
  v: uint(0xffff),
  user: UserShape,
  /** Id of this connection, for logs and support. */
  session: str(1, 64),
  limits: obj({
    maxFrameBytes: uint(),
    maxBody: uint(),
    maxHistory: uint(),
    resumeLimit: uint(),
    /** Sustained sends per second allowed on one connection. */
    sendRate: uint(),
    /** Sustained frames of any kind per second allowed on one connection (absent from older servers: 50). */
    frameRate: opt(uint()),
    typingTtlMs: uint(),
    /** Rooms this user may create in all (servers before these limits do not send it). */
    maxCreatedRooms: opt(uint()),
    /** Rooms this user may create per minute. */
    roomCreatesPerMinute: opt(uint()),
    /** Requests that may be in progress at once on one connection; the client holds further ones. */
    maxPending: opt(uint()),
    /** How long after sending a message its author may edit it, ms. */
    editWindowMs: opt(uint()),
    /** Most distinct emoji on one message. */
    maxReactionEmoji: opt(uint()),
    /** Most reactions on one message. */
    maxReactions: opt(uint()),
    /** Most mentions in one message. */
    maxMentions: opt(uint()),
  }),
  /** What the server does beyond v1 (ADR 0011): `edit`, `delete`, `reactions`, ... Absent from older servers. */
  features: opt(arr(str(1, 64), 64)),
});
/** Successful reply to a request; the remaining fields depend on the request (see docs/protocol.md). */
export const ResultFrame = obj({ t: literal(Op.Result), r: reqId, data: opt(anyValue()) });
export const ErrorFrame = obj({
  t: literal(Op.Error),
  r: opt(reqId),
  code: str(1, 64),
  message: str(0, 1024),
  retryAfter: opt(uint()),
});
export const EventFrame = obj({ t: literal(Op.Event), e: RoomEventShape });
export const TypingStateFrame = obj({ t: literal(Op.TypingState), room: roomId, user: userId, name: str(0, Limits.maxName), on: bool() });
export const PresenceFrame = obj({
  t: literal(Op.Presence),
  room: roomId,
  user: userId,
  name: str(0, Limits.maxName),
  state: literal(PresenceState.Online, PresenceState.Away, PresenceState.Offline),
});
export const ProfileFrame = obj({ t: literal(Op.Profile), room: roomId, user: userId, name: str(0, Limits.maxName) });

export const serverFrameSchemas = {
  [Op.Welcome]: WelcomeFrame,
  [Op.Result]: ResultFrame,
  [Op.Error]: ErrorFrame,
  [Op.Event]: EventFrame,
  [Op.TypingState]: TypingStateFrame,
  [Op.Presence]: PresenceFrame,
  [Op.Profile]: ProfileFrame,
} as const;

export type WelcomeFrame = Infer<typeof WelcomeFrame>;
export type ResultFrame = Infer<typeof ResultFrame>;
export type ErrorFrame = Infer<typeof ErrorFrame>;
export type EventFrame = Infer<typeof EventFrame>;
export type TypingStateFrame = Infer<typeof TypingStateFrame>;
export type PresenceFrame = Infer<typeof PresenceFrame>;
export type ProfileFrame = Infer<typeof ProfileFrame>;
export type ServerFrame = Infer<(typeof serverFrameSchemas)[keyof typeof serverFrameSchemas]>;

const RoomSubscribed = obj({
  room: RoomSummaryShape,
  /** Events sent before this result because they were after the requested seq. */
  replayed: uint(),
  /** True when the client was further behind than the resume bound: nothing was replayed; refetch history. */
  gap: opt(bool()),
});

/** The answer to edit, delete and react: the change event appended, or with `changed` false, nothing appended (see docs/protocol.md §6.16). */
const MessageChange = obj({ seq: uint(), id: str(1, 64), ts: uint(), changed: bool() });

/** Schemas of the `data` of `result` frames, by the opcode of the request they answer. */
export const resultSchemas = {
  [Op.Ping]: obj({ ts: uint() }),
  [Op.RoomCreate]: obj({ room: RoomSummaryShape, created: bool() }),
  [Op.RoomList]: obj({
    rooms: arr(RoomSummaryShape, Limits.maxRoomPage),
    /** Present when more rooms follow: the `cursor` of the next page. */
    next: opt(str(1, Limits.maxCursor)),
  }),
  [Op.Join]: RoomSubscribed,
  [Op.Leave]: obj({ room: roomId }),
  [Op.Invite]: obj({ room: roomId, user: userId }),
  [Op.Subscribe]: RoomSubscribed,
  [Op.Unsubscribe]: obj({ room: roomId }),
  [Op.Members]: obj({ members: arr(MemberShape, Limits.maxEntries) }),
  [Op.RoomUpdate]: obj({ room: RoomSummaryShape }),
  [Op.Send]: obj({ cid: str(1, Limits.maxCid), id: str(1, 64), seq: uint(), ts: uint(), duplicate: bool() }),
  [Op.History]: obj({ events: arr(RoomEventShape, Limits.maxHistory), more: bool() }),
  [Op.SetProfile]: obj({ user: UserShape }),
  [Op.Edit]: MessageChange,
  [Op.Delete]: MessageChange,
  [Op.React]: MessageChange,
} as const;

export type ResultOp = keyof typeof resultSchemas;
export type ResultData = { [K in ResultOp]: Infer<(typeof resultSchemas)[K]> };

function anyValue(): Schema<unknown> {
  return { parse: (v) => v };
}
