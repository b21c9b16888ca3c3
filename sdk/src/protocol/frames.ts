// Every frame of protocol v1 as a validating schema; the TypeScript types are inferred from them, so
// the checks and the types cannot drift apart. docs/protocol.md is the prose form of this file.
// Client frames are checked strictly (the server refuses what it does not know); server frames are
// read tolerantly (ADR 0011): open strings, lengths bounded by the frame, unknown keys dropped, and
// an event that still cannot be read becomes an `unknown` placeholder that keeps its seq.
import { GuestPolicy, Limits, ModAction, Op, PresenceState, RoomKind, Role, type ErrorCode, type EventKind, type Feature, type UserEventKind } from './codes.js';
import { eventExtensionFields, MentionShape, MessageActionRead } from './kinds.js';
import { arr, bool, literal, obj, opt, record, scalar, SchemaError, str, strictObj, open, text, uint, type Infer, type Schema } from './schema.js';

const ROOM_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const CID = /^[A-Za-z0-9_-]+$/;
const DEVICE_ID = /^[A-Za-z0-9_-]+$/;

const reqId = uint(0xffff_ffff);
const roomId = str(1, Limits.maxRoomId, ROOM_ID);
/** A room id as every frame checks it; the HTTP API checks ids in paths with it too. */
export const RoomIdShape = roomId;
const userId = str(1, Limits.maxUserId);
const displayName = str(1, Limits.maxName);
const seq = uint();

// ---- client -> server -------------------------------------------------------------------------

// `hello` alone ignores keys it does not know: a client learns the server's features only from the
// `welcome` that answers it, so it cannot check them first.
// `token` is optional in the schema so that a missing, empty or oversize token is refused as what it is,
// an authentication failure (`unauthorized`, close 4001), rather than a broken frame (4000).
export const HelloFrame = obj({
  t: literal(Op.Hello),
  r: reqId,
  v: uint(0xffff),
  token: opt(str(0, Limits.maxFrameBytes)),
  /** Stable id of the browser profile or bot behind this connection (ADR 0011). */
  device: opt(str(1, Limits.maxDeviceId, DEVICE_ID)),
});
export const PingFrame = strictObj({ t: literal(Op.Ping), r: reqId });
export const RoomCreateFrame = strictObj({
  t: literal(Op.RoomCreate),
  r: reqId,
  kind: literal(RoomKind.Public, RoomKind.Private, RoomKind.Direct),
  /** Optional human-readable id (slug); the server picks one when absent. Ignored for `dm`. */
  id: opt(roomId),
  name: opt(displayName),
  members: opt(arr(userId, Limits.maxCreateMembers)),
});
export const RoomListFrame = strictObj({
  t: literal(Op.RoomList),
  r: reqId,
  scope: opt(literal('joined', 'public')),
  /** Where the page starts: the `next` of the previous page. Opaque. */
  cursor: opt(str(1, Limits.maxCursor)),
  /** Page size, 1..1000; default 1000. */
  limit: opt(uint(Limits.maxRoomPage)),
});
export const JoinFrame = strictObj({ t: literal(Op.Join), r: reqId, room: roomId });
export const LeaveFrame = strictObj({ t: literal(Op.Leave), r: reqId, room: roomId });
export const InviteFrame = strictObj({ t: literal(Op.Invite), r: reqId, room: roomId, user: userId });
export const SubscribeFrame = strictObj({ t: literal(Op.Subscribe), r: reqId, room: roomId, after: opt(seq) });
export const UnsubscribeFrame = strictObj({ t: literal(Op.Unsubscribe), r: reqId, room: roomId });
export const MembersFrame = strictObj({ t: literal(Op.Members), r: reqId, room: roomId });
export const RoomUpdateFrame = strictObj({ t: literal(Op.RoomUpdate), r: reqId, room: roomId, name: displayName });
// ---- buttons and selects (feature `interactive`, protocol section 26) ------------------------------

const ACTION_ID = /^[A-Za-z0-9_.:-]+$/;
const actionId = str(1, Limits.maxActionId, ACTION_ID);
const actionLabel = str(1, Limits.maxActionLabel);
/** One choice of a select. */
export const ActionOptionShape = strictObj({ value: actionId, label: actionLabel });
/** A button or a select on a bot's message; the server checks ids are unique and a select has options. */
export const MessageActionShape = strictObj({
  id: actionId,
  type: literal('button', 'select'),
  label: actionLabel,
  style: opt(literal('primary', 'secondary', 'danger')),
  disabled: opt(bool()),
  options: opt(arr(ActionOptionShape, Limits.maxActionOptions)),
});
const actions = opt(arr(MessageActionShape, Limits.maxActions));

const UPLOAD_ID = /^[A-Za-z0-9_-]+$/;
const uploadId = str(1, Limits.maxUploadId, UPLOAD_ID);
export const SendFrame = strictObj({
  t: literal(Op.Send),
  r: reqId,
  room: roomId,
  cid: str(1, Limits.maxCid, CID),
  /** The text; may be empty (not blank-only) when `files` is given (feature `files`). */
  body: str(0, Limits.maxBody),
  /** Seq of the message quoted (feature `replies`). */
  replyTo: opt(seq),
  /** Seq of the thread root this message replies in (feature `threads`). */
  thread: opt(seq),
  /** Users mentioned in `body` (feature `mentions`). */
  mentions: opt(arr(MentionShape, Limits.maxMentions)),
  /** Buttons and selects (feature `interactive`; bots only). */
  actions,
  /** Ids of finished uploads of the sender to attach, in order (feature `files`, section 24). */
  files: opt(arr(uploadId, Limits.maxFilesPerMessage)),
});
export const HistoryFrame = strictObj({
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
  /** The page centred on this seq, which it includes (feature `search`); not with `before` or `after`. */
  around: opt(seq),
});
/** Finds messages by their current text in the rooms the caller may read (feature `search`). */
export const SearchFrame = strictObj({
  t: literal(Op.Search),
  r: reqId,
  /** Words to find, as typed: every word must match, as a word, the start of one or (3+ letters) a part of one. */
  query: str(1, Limits.maxSearchQuery),
  /** Only in this room. */
  room: opt(roomId),
  /** Only messages by this user id. */
  author: opt(userId),
  /** Only messages stored before this time, ms since the Unix epoch. */
  before: opt(uint()),
  /** Only messages stored after this time, ms since the Unix epoch. */
  after: opt(uint()),
  /** Only messages with (true) or without (false) a link. */
  hasLink: opt(bool()),
  /** Where the page starts: the `next` of the previous page. Opaque. */
  cursor: opt(str(1, Limits.maxCursor)),
  /** Page size, 1..50; default 20. */
  limit: opt(uint(Limits.maxSearchResults)),
});
/** Changes the text of one's own message `seq` (feature `edit`). */
export const EditFrame = strictObj({
  t: literal(Op.Edit),
  r: reqId,
  room: roomId,
  seq,
  body: str(1, Limits.maxBody),
  mentions: opt(arr(MentionShape, Limits.maxMentions)),
  /** Replaces the message's buttons and selects (feature `interactive`; bots only); `[]` removes them. */
  actions,
});
/** Deletes one's own message `seq` (feature `delete`). */
export const DeleteFrame = strictObj({ t: literal(Op.Delete), r: reqId, room: roomId, seq });
/** Puts (`on`) or takes back an emoji on message `seq` (feature `reactions`). */
export const ReactFrame = strictObj({ t: literal(Op.React), r: reqId, room: roomId, seq, emoji: str(1, Limits.maxEmoji), on: bool() });
export const TypingFrame = strictObj({
  t: literal(Op.Typing),
  room: roomId,
  on: bool(),
  /** Typing a reply in the thread whose root has this seq (feature `threads`); absent: in the room. */
  thread: opt(seq),
});
export const SetPresenceFrame = strictObj({
  t: literal(Op.SetPresence),
  state: literal(PresenceState.Online, PresenceState.Away),
});
export const SetProfileFrame = strictObj({ t: literal(Op.SetProfile), r: reqId, name: displayName });
/** Follows the caller's own log (notices addressed to them), replaying what came after `after`. */
export const UserSubscribeFrame = strictObj({ t: literal(Op.UserSubscribe), r: reqId, after: opt(seq) });
/**
 * Keeps a browser's Web Push subscription for the caller (feature `push`): `endpoint` is the push
 * service URL (https), `p256dh` and `auth` the subscription's keys, base64url as `PushSubscription.toJSON()` gives them.
 */
export const PushSubscribeFrame = strictObj({
  t: literal(Op.PushSubscribe),
  r: reqId,
  endpoint: str(1, Limits.maxPushEndpoint),
  p256dh: str(1, 128),
  auth: str(1, 64),
});
/** Forgets the caller's subscription at `endpoint` (feature `push`). */
export const PushUnsubscribeFrame = strictObj({ t: literal(Op.PushUnsubscribe), r: reqId, endpoint: str(1, Limits.maxPushEndpoint) });
/**
 * Reads, and with fields changes, the caller's notification settings (feature `notify_settings`):
 * `dnd` (do not disturb, every room), or `room` with `muted`. No field: just reads them.
 */
export const NotifySettingsFrame = strictObj({
  t: literal(Op.NotifySettings),
  r: reqId,
  dnd: opt(bool()),
  room: opt(roomId),
  muted: opt(bool()),
});
/**
 * Download URLs for files attached to messages of `room` (feature `files`): signed, expiring, given
 * only to those who may read the room.
 */
export const FileUrlsFrame = strictObj({ t: literal(Op.FileUrls), r: reqId, room: roomId, ids: arr(uploadId, Limits.maxFileUrls) });
/** The Open Graph preview of the first http(s) link in message `seq` of `room` (feature `link_previews`). */
export const LinkPreviewFrame = strictObj({ t: literal(Op.LinkPreview), r: reqId, room: roomId, seq });

/**
 * Moves the caller's read position in `room` to `seq` (feature `receipts`); with `delivered`, only
 * says the events up to `seq` reached this device. Positions only move forward: a lower seq changes nothing.
 */
export const ReadFrame = strictObj({ t: literal(Op.Read), r: reqId, room: roomId, seq, delivered: opt(bool()) });

const reason = str(0, Limits.maxReason);
/**
 * A moderator's action in a room (feature `moderation`): `user` for mute, unmute, kick, ban, unban,
 * clear and role; `seq` for pin and unpin; `seconds` for mute and ban (a duration) and slow (the
 * interval, 0: off); `role` (`moderator` or `member`) for role; `guests` for guests.
 */
export const ModerateFrame = strictObj({
  t: literal(Op.Moderate),
  r: reqId,
  room: roomId,
  action: literal(...(Object.values(ModAction) as [ModAction, ...ModAction[]])),
  user: opt(userId),
  seq: opt(seq),
  seconds: opt(uint(Limits.maxSanctionSeconds)),
  role: opt(literal(Role.Moderator, Role.Member)),
  guests: opt(literal(GuestPolicy.Post, GuestPolicy.Read)),
  reason: opt(reason),
});
/** Reports message `seq` to the room's moderators (feature `reports`). Not an event: only moderators see reports. */
export const ReportFrame = strictObj({ t: literal(Op.Report), r: reqId, room: roomId, seq, reason: str(1, Limits.maxReason) });
/** The room's rules as they apply to the caller (feature `moderation`). */
export const RoomRulesFrame = strictObj({ t: literal(Op.RoomRules), r: reqId, room: roomId });
/** A page of members, online first, then by most recent activity (feature `member_pages`). */
export const MemberPageFrame = strictObj({
  t: literal(Op.MemberPage),
  r: reqId,
  room: roomId,
  /** Members to skip: the `next` of the previous page. */
  offset: opt(uint()),
  limit: opt(uint(Limits.maxMemberPage)),
});

// ---- bots and commands (features `bots` and `commands`, protocol section 21) ----------------------

const COMMAND_NAME = /^[a-z][a-z0-9_-]*$/;
const commandName = str(1, Limits.maxCommandName, COMMAND_NAME);
const description = str(0, Limits.maxCommandDescription);

/** One argument of a command, in the order it is typed. */
export const CommandArgShape = strictObj({
  name: commandName,
  /** `string` (one word or a "quoted phrase"), `text` (the rest of the line), `int`, or `choice` (one of `choices`). */
  type: literal('string', 'text', 'int', 'choice'),
  required: bool(),
  description: opt(description),
  choices: opt(arr(str(1, Limits.maxCommandName), 25)),
  /** Bounds of an `int`, inclusive (non-negative). */
  min: opt(uint()),
  max: opt(uint()),
});
/** One command a bot offers in a room. */
export const CommandShape = strictObj({
  name: commandName,
  description,
  args: arr(CommandArgShape, Limits.maxCommandArgs),
  /** Who may run it, in words for the autocomplete (`everyone`, `members`, `signed-in`...); the bot enforces it. */
  permission: opt(str(1, Limits.maxCommandName)),
});

/** A bot asks for its rooms (its key's scope) and where it stopped in each (`bot_handled`). */
export const BotStateFrame = strictObj({ t: literal(Op.BotState), r: reqId });
/** A bot says it has handled every event of `room` up to `seq`: its position there moves forward (never back). */
export const BotHandledFrame = strictObj({ t: literal(Op.BotHandled), r: reqId, room: roomId, seq });
/** A bot sends a message only member `to` sees, on all of their connections; not stored, not a room event. */
export const EphemeralFrame = strictObj({
  t: literal(Op.Ephemeral),
  r: reqId,
  room: roomId,
  to: userId,
  body: str(1, Limits.maxBody),
  replyTo: opt(seq),
  thread: opt(seq),
  /** Buttons and selects only `to` may use (feature `interactive`). */
  actions,
});
/** A bot publishes (replaces) its commands in a room; an empty list withdraws them. */
export const CommandsPublishFrame = strictObj({
  t: literal(Op.CommandsPublish),
  r: reqId,
  room: roomId,
  commands: arr(CommandShape, Limits.maxCommands),
});
/** Anyone who may read the room asks which commands its bots offer. */
export const CommandsListFrame = strictObj({ t: literal(Op.CommandsList), r: reqId, room: roomId });
/** A bot whose key has the `moderate` scope offers to judge messages of `rooms` (each a room whose moderation hook names it). */
export const ModerationWatchFrame = strictObj({ t: literal(Op.ModerationWatch), r: reqId, rooms: arr(roomId, 100) });
/** A bot's verdict on check `id`: `redact` replaces the text with `body`; `reject` refuses the message, saying `reason`. */
export const ModerationVerdictFrame = strictObj({
  t: literal(Op.ModerationVerdict),
  r: reqId,
  id: str(1, 64),
  verdict: str(1, 16),
  reason: opt(str(0, Limits.maxReason)),
  body: opt(str(1, Limits.maxBody)),
});

const streamId = str(1, Limits.maxActionId, ACTION_ID);
/**
 * A click on button `action` (or a choice `value` of select `action`) of bot message `seq`, or of
 * ephemeral message `eph`; or, with `stream` and action `stop`, a request to stop a streamed reply.
 * `aid` is the action's id, chosen by the client: an action is delivered at most once, and the same
 * `aid` again is refused `replayed` (feature `interactive`).
 */
export const ActFrame = strictObj({
  t: literal(Op.Act),
  r: reqId,
  room: roomId,
  seq: opt(seq),
  eph: opt(str(1, Limits.maxActionId)),
  stream: opt(streamId),
  action: actionId,
  value: opt(actionId),
  aid: str(8, Limits.maxActionId, CID),
});
/** A bot starts a streamed reply (feature `streams`); `for` names who may stop it besides moderators (default: any member). */
export const StreamStartFrame = strictObj({
  t: literal(Op.StreamStart),
  r: reqId,
  room: roomId,
  replyTo: opt(seq),
  thread: opt(seq),
  for: opt(userId),
});
/** More text of the bot's stream `stream`, appended to what it wrote before. */
export const StreamWriteFrame = strictObj({ t: literal(Op.StreamWrite), r: reqId, stream: streamId, text: str(1, Limits.maxBody) });
/** Ends the bot's stream `stream`: its text is stored as one `msg` (with `actions` when given). */
export const StreamEndFrame = strictObj({ t: literal(Op.StreamEnd), r: reqId, stream: streamId, actions });
// ---- calls (feature `calls`, protocol section 28) ----------------------------------------------

const CALL_ID = /^[A-Za-z0-9_-]+$/;
const callId = str(1, Limits.maxCallId, CALL_ID);
/** A connection in a call: the `session` its `welcome` named. */
const sessionId = str(1, 64, DEVICE_ID);

/**
 * Places a call in `room` (a direct room or a small one), or in the direct room shared with `user`
 * (exactly one of the two): its other members ring. Joins the room's call instead when one is going on.
 */
export const CallStartFrame = strictObj({ t: literal(Op.CallStart), r: reqId, room: opt(roomId), user: opt(userId), video: bool() });
/** Answers a ringing call, or joins one in progress, on this connection. */
export const CallJoinFrame = strictObj({ t: literal(Op.CallJoin), r: reqId, call: callId });
/** Declines a ringing call on every device of the user; `busy`: because they are in another call. */
export const CallDeclineFrame = strictObj({ t: literal(Op.CallDecline), r: reqId, call: callId, busy: opt(bool()) });
/** Leaves the call (hangs up); the caller leaving before anyone answered cancels it. */
export const CallLeaveFrame = strictObj({ t: literal(Op.CallLeave), r: reqId, call: callId });
/** An ICE candidate as `RTCIceCandidate.toJSON()` gives it. */
export const CandidateShape = strictObj({
  candidate: str(0, Limits.maxCandidate),
  sdpMid: opt(str(0, 64)),
  sdpMLineIndex: opt(uint(0xffff)),
  usernameFragment: opt(str(0, 256)),
});
/**
 * For the connection `to` of call `call` only: an SDP `offer` or `answer` (`sdp`), or a trickled
 * ICE `candidate` (none: the end of candidates). Fire-and-forget: never stored; refused with an error frame.
 */
export const CallSignalFrame = strictObj({
  t: literal(Op.CallSignal),
  call: callId,
  to: sessionId,
  kind: literal('offer', 'answer', 'candidate'),
  sdp: opt(str(1, Limits.maxSdp)),
  candidate: opt(CandidateShape),
});
/** What the sender sends now: for the others' view (muted, camera off, sharing the screen). Fire-and-forget. */
export const CallMediaFrame = strictObj({ t: literal(Op.CallMedia), call: callId, audio: bool(), video: bool(), screen: bool() });

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
  [Op.UserSubscribe]: UserSubscribeFrame,
  [Op.Edit]: EditFrame,
  [Op.Delete]: DeleteFrame,
  [Op.React]: ReactFrame,
  [Op.Read]: ReadFrame,
  [Op.PushSubscribe]: PushSubscribeFrame,
  [Op.PushUnsubscribe]: PushUnsubscribeFrame,
  [Op.NotifySettings]: NotifySettingsFrame,
  [Op.LinkPreview]: LinkPreviewFrame,
  [Op.FileUrls]: FileUrlsFrame,
  [Op.Search]: SearchFrame,
  [Op.Moderate]: ModerateFrame,
  [Op.Report]: ReportFrame,
  [Op.RoomRules]: RoomRulesFrame,
  [Op.MemberPage]: MemberPageFrame,
  [Op.BotState]: BotStateFrame,
  [Op.BotHandled]: BotHandledFrame,
  [Op.Ephemeral]: EphemeralFrame,
  [Op.CommandsPublish]: CommandsPublishFrame,
  [Op.CommandsList]: CommandsListFrame,
  [Op.Act]: ActFrame,
  [Op.StreamStart]: StreamStartFrame,
  [Op.StreamWrite]: StreamWriteFrame,
  [Op.StreamEnd]: StreamEndFrame,
  [Op.CallStart]: CallStartFrame,
  [Op.CallJoin]: CallJoinFrame,
  [Op.CallDecline]: CallDeclineFrame,
  [Op.CallLeave]: CallLeaveFrame,
  [Op.CallSignal]: CallSignalFrame,
  [Op.CallMedia]: CallMediaFrame,
  [Op.ModerationWatch]: ModerationWatchFrame,
  [Op.ModerationVerdict]: ModerationVerdictFrame,
} as const;

export type ActFrame = Infer<typeof ActFrame>;
export type StreamStartFrame = Infer<typeof StreamStartFrame>;
export type StreamWriteFrame = Infer<typeof StreamWriteFrame>;
export type StreamEndFrame = Infer<typeof StreamEndFrame>;
export type MessageActionInput = Infer<typeof MessageActionShape>;
export type CallStartFrame = Infer<typeof CallStartFrame>;
export type CallJoinFrame = Infer<typeof CallJoinFrame>;
export type CallDeclineFrame = Infer<typeof CallDeclineFrame>;
export type CallLeaveFrame = Infer<typeof CallLeaveFrame>;
export type CallSignalFrame = Infer<typeof CallSignalFrame>;
export type CallMediaFrame = Infer<typeof CallMediaFrame>;
export type Candidate = Infer<typeof CandidateShape>;
export type ModerateFrame = Infer<typeof ModerateFrame>;
export type ReportFrame = Infer<typeof ReportFrame>;
export type RoomRulesFrame = Infer<typeof RoomRulesFrame>;
export type MemberPageFrame = Infer<typeof MemberPageFrame>;
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
export type UserSubscribeFrame = Infer<typeof UserSubscribeFrame>;
export type EditFrame = Infer<typeof EditFrame>;
export type DeleteFrame = Infer<typeof DeleteFrame>;
export type ReactFrame = Infer<typeof ReactFrame>;
export type ReadFrame = Infer<typeof ReadFrame>;
export type PushSubscribeFrame = Infer<typeof PushSubscribeFrame>;
export type PushUnsubscribeFrame = Infer<typeof PushUnsubscribeFrame>;
export type NotifySettingsFrame = Infer<typeof NotifySettingsFrame>;
export type LinkPreviewFrame = Infer<typeof LinkPreviewFrame>;
export type FileUrlsFrame = Infer<typeof FileUrlsFrame>;
export type SearchFrame = Infer<typeof SearchFrame>;
export type BotStateFrame = Infer<typeof BotStateFrame>;
export type BotHandledFrame = Infer<typeof BotHandledFrame>;
export type EphemeralFrame = Infer<typeof EphemeralFrame>;
export type CommandsPublishFrame = Infer<typeof CommandsPublishFrame>;
export type CommandsListFrame = Infer<typeof CommandsListFrame>;
export type ModerationWatchFrame = Infer<typeof ModerationWatchFrame>;
export type ModerationVerdictFrame = Infer<typeof ModerationVerdictFrame>;
export type CommandArg = Infer<typeof CommandArgShape>;
export type Command = Infer<typeof CommandShape>;
export type ClientFrame = Infer<(typeof clientFrameSchemas)[keyof typeof clientFrameSchemas]>;
/** A client frame that expects a `result` or `error` reply carrying its `r`. */
export type ClientRequest = Extract<ClientFrame, { r: number }>;

// ---- server -> client ---------------------------------------------------------------------------

// What a server sends is bounded by its frame, not by this build's limits: a later server may allow
// longer names or ids, and one value this build would refuse must not cost a client an event.
const ref = text(1);
const name = text();
/** No count bound but the frame's (the decoder's pre-scan already refuses impossible counts). */
const ANY = Number.MAX_SAFE_INTEGER;

/** One entry of a room's ordered log. Everything that changes a room is an event with the next `seq`. */
export const RoomEventShape = obj({
  room: ref,
  seq: uint(),
  /** Globally unique, time-sortable event id. */
  id: ref,
  /** What happened (`EventKind`); kinds this build does not know pass through. */
  kind: open<EventKind>(),
  /** Milliseconds since the Unix epoch, assigned by the server when stored. */
  ts: uint(),
  /** User id of the author/actor. */
  by: ref,
  /** Display name of `by` when the event was stored. */
  name,
  cid: opt(ref),
  body: opt(text()),
  /** Kind-specific fields; flat (scalar values) in protocol v1. */
  data: opt(record(scalar(text()), ANY, ANY)),
  ...eventExtensionFields,
});
export type RoomEvent = Infer<typeof RoomEventShape>;

/**
 * Stands in for an event this client cannot read (a field of the wrong type, nested `data`...):
 * it keeps the event's place in the room's log, so that nothing waits for a seq that already came.
 */
export interface UnknownEvent {
  room: string;
  seq: number;
  kind: 'unknown';
  id?: string;
  ts?: number;
  by?: string;
  /** Why the event could not be read. Set by this client, not sent by the server. */
  problem: string;
  // Absent, declared so that code reading them off any event compiles and finds nothing.
  name?: undefined;
  cid?: undefined;
  body?: undefined;
  data?: undefined;
}

/** What a placeholder keeps of the event: `room` and `seq` or nothing, then whichever others can be read. */
const PLACEHOLDER_FIELDS = [['room', ref], ['seq', uint()], ['id', ref], ['ts', uint()], ['by', ref]] as const;

/** What a client delivers for one seq of a room's log. */
export type AnyRoomEvent = RoomEvent | UnknownEvent;

/** A room event as read: the event, or its placeholder when it fails validation but `room` and `seq` can be read. */
export const AnyRoomEventShape: Schema<AnyRoomEvent> = {
  parse(v, path) {
    try {
      // Paths relative to the event, so that `problem` reads the same live and in a history page.
      return RoomEventShape.parse(v, '');
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      const fields = (typeof v === 'object' && v ? v : {}) as Record<string, unknown>;
      const placeholder: Record<string, unknown> = { kind: 'unknown', problem: err.message };
      for (const [key, shape] of PLACEHOLDER_FIELDS) {
        try {
          placeholder[key] = shape.parse(fields[key], key);
        } catch {
          if (key === 'room' || key === 'seq') throw new SchemaError(err.path ? `${path}.${err.path}` : path, err.problem, err.tooLarge);
        }
      }
      return placeholder as unknown as UnknownEvent;
    }
  },
};

/** One entry of a user's own log: a notice addressed to that user, with the user's next `seq`. */
export const UserEventShape = obj({
  seq: uint(),
  id: ref,
  /** `UserEventKind`: `added`, `removed`, `mention`, `dm`, or a kind this client does not know yet (skip it, keep its seq). */
  kind: open<UserEventKind>(),
  ts: uint(),
  data: record(scalar(text()), ANY, ANY),
});
export type UserEvent = Infer<typeof UserEventShape>;


export const RoomSummaryShape = obj({
  id: ref,
  name,
  /** `RoomKind`; kinds this build does not know pass through. */
  kind: open<RoomKind>(),
  /** Seq of the room's latest event (0 for none). */
  head: uint(),
  /** The caller's role (`Role`), absent when the caller is not a member. */
  role: opt(open<Role>()),
  /** Number of members. */
  members: uint(),
  /** The caller's read position (feature `unread`; members only). */
  read: opt(uint()),
  /** Messages from others after `read`, up to `limits.maxUnread`. */
  unread: opt(uint()),
  /** Of those, the ones that mention the caller. */
  mentions: opt(uint()),
});
export type RoomSummary = Infer<typeof RoomSummaryShape>;

export const UserShape = obj({
  id: ref,
  name,
  guest: bool(),
  /** True for a bot account (feature `bots`): its id starts with `bot:`. */
  bot: opt(bool()),
});
export type User = Infer<typeof UserShape>;

export const MemberShape = obj({
  user: ref,
  name,
  role: open<Role>(),
  state: open<PresenceState>(),
});
export type Member = Infer<typeof MemberShape>;

export const WelcomeFrame = obj({
  t: literal(Op.Welcome),
  r: reqId,
  v: uint(0xffff),
  user: UserShape,
  /** Id of this connection, for logs and support. */
  session: ref,
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
    /** Rooms with at most this many members show who read what (`read_state` of others); direct rooms always do. */
    receiptRoomSize: opt(uint()),
    /** Unread and mention counts stop here (a count equal to it means this many or more). */
    maxUnread: opt(uint()),
    /** Shortest time between two `read` frames of one room a client should send, ms. */
    readIntervalMs: opt(uint()),
    /** Most Web Push subscriptions one user may keep (feature `push`). */
    maxPushSubscriptions: opt(uint()),
    /** Most rooms one user may mute (feature `notify_settings`). */
    maxMutedRooms: opt(uint()),
    /** Longest search query (feature `search`). */
    maxSearchQuery: opt(uint()),
    /** Searches per second allowed on one connection (burst: twice that). */
    searchRate: opt(uint()),
    /** Longest reason of a moderator action or a report (feature `moderation`). */
    maxReason: opt(uint()),
    /** Longest mute or timed ban, seconds. */
    maxSanctionSeconds: opt(uint()),
    /** Longest slow-mode interval, seconds. */
    maxSlowSeconds: opt(uint()),
    /** Flood protection: this many messages from one user in one room within `floodWindowMs` mutes them for `floodMuteMs` (0: off). */
    floodMessages: opt(uint()),
    floodWindowMs: opt(uint()),
    floodMuteMs: opt(uint()),
    /** A guest may not post links in a public room until this long after they first signed in, ms (0: off). */
    guestLinkDelayMs: opt(uint()),
    /** Most members in one `member_page` page. */
    maxMemberPage: opt(uint()),
    /** Most pinned messages in one room. */
    maxPins: opt(uint()),
    /** Most messages one `clear` deletes. */
    maxClear: opt(uint()),
    /** Most words in one room's filter. */
    maxFilterWords: opt(uint()),
    /** Most commands one bot publishes to one room (feature `commands`). */
    maxCommands: opt(uint()),
    /** Most arguments of one command (feature `commands`). */
    maxCommandArgs: opt(uint()),
    /** Most buttons and selects on one message (feature `interactive`). */
    maxActions: opt(uint()),
    /** Most options of one select. */
    maxActionOptions: opt(uint()),
    /** Longest label of a button, select or option. */
    maxActionLabel: opt(uint()),
    /** Longest text of a streamed reply (feature `streams`). */
    maxStreamChars: opt(uint()),
    /** Most streams one bot connection has open at once. */
    maxStreams: opt(uint()),
    /** Shortest time between two fan-outs of a stream's text, ms: writes in between are sent together. */
    streamFlushMs: opt(uint()),
    /** A stream without new text this long is ended (and its text stored) by the server, ms. */
    streamIdleMs: opt(uint()),
    /** `stream_write` frames per second allowed per stream (burst: twice that). */
    streamWriteRate: opt(uint()),
    /** Most connections in one call (feature `calls`): a mesh, each sends its media to each other. */
    maxCallParticipants: opt(uint()),
    /** Rooms with at most this many members may have calls (direct rooms always may). */
    callRoomSize: opt(uint()),
    /** A call rings this long before it counts as missed, ms. */
    ringTimeoutMs: opt(uint()),
    /** A connection that drops out of a call has this long to come back before it is out, ms. */
    callReconnectMs: opt(uint()),
    /** Longest SDP in a `call_signal`. */
    maxSdp: opt(uint()),
    /** Sustained `call_signal` frames per second on one connection (burst: twice that). */
    signalRate: opt(uint()),
    /** Messages per second one incoming webhook, or one bot key over HTTP, may post; bursts of ten times that (feature `webhooks`). */
    hookRate: opt(uint()),
    /** Largest body of an HTTP request, a webhook's or a bot's post included, bytes (feature `webhooks`). */
    maxHttpBytes: opt(uint()),
    /** Attempts of one outgoing webhook delivery before it is kept as dead (feature `webhooks`). */
    webhookAttempts: opt(uint()),
    /** Longest time budget a room's moderation hook may be given, ms: the longest a sender waits for a verdict (feature `moderation_hook`). */
    moderationHookMaxMs: opt(uint()),
    /** Longest voice message, ms (feature `voice`, section 25). */
    maxVoiceMs: opt(uint()),
    /** Largest file one upload may hold, bytes (feature `files`). */
    maxUploadBytes: opt(uint()),
    /** Most files attached to one message. */
    maxFilesPerMessage: opt(uint()),
    /** Bytes of files one user may keep stored in all (0: no quota). */
    uploadQuotaBytes: opt(uint()),
    /** Uploads one user may start per minute. */
    uploadsPerMinute: opt(uint()),
    /** An upload not attached to a message within this time is deleted, ms. */
    uploadTtlMs: opt(uint()),
    /** Largest image the server decodes, in pixels (width × height); a larger one is refused. */
    maxImagePixels: opt(uint()),
    /** Media types an upload may have (sniffed from its bytes; `image/*` names a family); empty: any not refused. */
    allowedTypes: opt(arr(text(1), ANY)),
    /** Media types refused whatever `allowedTypes` says (by default executables, HTML and SVG). */
    refusedTypes: opt(arr(text(1), ANY)),
  }),
  /** The server's VAPID public key (base64url, an uncompressed P-256 point): `applicationServerKey` for `pushManager.subscribe` (feature `push`). */
  pushKey: opt(text()),
  /** What this server does beyond protocol v1 (`Feature`); absent from older servers. */
  features: opt(arr(open<Feature>(), ANY)),
});
/** Successful reply to a request; the remaining fields depend on the request (see docs/protocol.md). */
export const ResultFrame = obj({ t: literal(Op.Result), r: reqId, data: opt(anyValue()) });
export const ErrorFrame = obj({
  t: literal(Op.Error),
  r: opt(reqId),
  code: open<ErrorCode>(),
  message: text(),
  retryAfter: opt(uint()),
  /** Why, in one word a client can put in its own language: `muted`, `slow`, `banned`, `locked`, `guests`, `filter`, `links` (feature `moderation`); open. */
  reason: opt(text()),
});
export const EventFrame = obj({ t: literal(Op.Event), e: AnyRoomEventShape });
export const TypingStateFrame = obj({
  t: literal(Op.TypingState),
  room: ref,
  user: ref,
  name,
  on: bool(),
  /** The thread (root seq) the user types in; absent: in the room itself. */
  thread: opt(uint()),
});
export const PresenceFrame = obj({
  t: literal(Op.Presence),
  room: ref,
  user: ref,
  name,
  state: open<PresenceState>(),
});
export const ProfileFrame = obj({ t: literal(Op.Profile), room: ref, user: ref, name });
export const UserEventFrame = obj({ t: literal(Op.UserEvent), e: UserEventShape });
/**
 * A member's read position moved (feature `receipts`). To the member's own connections with their
 * counts (`unread`, `mentions`); to the other members of a direct room or of a room of at most
 * `limits.receiptRoomSize` members without them.
 */
export const ReadStateFrame = obj({
  t: literal(Op.ReadState),
  room: ref,
  user: ref,
  /** Read up to here. */
  seq: uint(),
  /** Reached a device of the user up to here (at least `seq`). */
  delivered: uint(),
  unread: opt(uint()),
  mentions: opt(uint()),
});
/**
 * To the user's own connections: a moderator restricted or freed them in `room` (`action`: mute,
 * unmute, kick, ban, unban; open string). `until` (ms epoch) ends a mute or timed ban.
 */
export const RestrictionFrame = obj({
  t: literal(Op.Restriction),
  room: ref,
  action: open<ModAction>(),
  until: opt(uint()),
  reason: opt(text()),
});

/** A bot's message to one member (`to`) of `room`, seen on that member's connections only (feature `bots`). */
export const EphemeralMessageFrame = obj({
  t: literal(Op.EphemeralMessage),
  room: ref,
  id: ref,
  ts: uint(),
  by: ref,
  name,
  to: ref,
  body: text(),
  replyTo: opt(uint()),
  thread: opt(uint()),
  /** Buttons and selects only `to` may use (feature `interactive`). */
  actions: opt(arr(MessageActionRead, ANY)),
});

/**
 * To a bot's connections: `user` clicked button `action` (or chose `value` in select `action`) of its
 * message `seq` or ephemeral message `eph`, or asked to stop its stream `stream` (action `stop`).
 */
export const ActionFrame = obj({
  t: literal(Op.Action),
  room: ref,
  aid: ref,
  action: ref,
  value: opt(ref),
  seq: opt(uint()),
  eph: opt(ref),
  stream: opt(ref),
  user: ref,
  name,
  ts: uint(),
});
/**
 * Text of a streamed reply: `text` goes at offset `at` of the whole (UTF-16 code units). A client that
 * holds less than `at` waits for a frame from 0, which the server sends to whoever subscribes mid-stream.
 */
export const StreamFrame = obj({
  t: literal(Op.Stream),
  room: ref,
  stream: ref,
  by: ref,
  name,
  /** When the stream started. */
  ts: uint(),
  at: uint(),
  text: text(),
  replyTo: opt(uint()),
  thread: opt(uint()),
  /** Who may stop it besides moderators; absent: any member. */
  for: opt(ref),
});
/** A streamed reply ended: `done` (the bot ended it), `timeout` or `closed` (its bot left); `seq`: the stored message. */
export const StreamDoneFrame = obj({
  t: literal(Op.StreamDone),
  room: ref,
  stream: ref,
  reason: open<'done' | 'timeout' | 'closed'>(),
  seq: opt(uint()),
});

/** One connection in a call, as `call_state` shows it. */
export const CallPeerShape = obj({
  user: ref,
  name,
  /** The connection (its `welcome.session`): where `call_signal` frames for it go. */
  session: ref,
  /** `joined`, or `reconnecting` while its connection is away (open string). */
  status: text(1),
  audio: bool(),
  video: bool(),
  screen: bool(),
});
export type CallPeer = Infer<typeof CallPeerShape>;

/** A call's state after a change, to every connection of everyone in it or rung by it (feature `calls`). */
export const CallStateFrame = obj({
  t: literal(Op.CallState),
  call: ref,
  room: ref,
  /** The caller, and their display name. */
  by: ref,
  name,
  video: bool(),
  /** `ringing` (nobody answered yet), `active` or `ended` (open string). */
  state: text(1),
  /** Increases with every change of this call: an older state arriving late is ignored. */
  v: uint(),
  /** When it was placed, and first answered, ms epoch. */
  since: uint(),
  answered: opt(uint()),
  peers: arr(CallPeerShape, ANY),
  /** Users whose devices still ring. */
  ringing: arr(ref, ANY),
  /** Users who declined. */
  declined: arr(ref, ANY),
  /** Why it ended (`CallEndReason`, open). */
  reason: opt(text()),
});
/** A signal from connection `from` (user `user`) of the call, for this connection (`to`) only. */
export const SignalFrame = obj({
  t: literal(Op.Signal),
  call: ref,
  from: ref,
  user: ref,
  to: ref,
  /** `offer`, `answer` or `candidate` (open). */
  kind: text(1),
  sdp: opt(text()),
  candidate: opt(obj({ candidate: text(), sdpMid: opt(text()), sdpMLineIndex: opt(uint()), usernameFragment: opt(text()) })),
});

/** A message waiting for the room's moderation hook: answer `moderation_verdict` with `id` before `deadline` (ms epoch). */
export const ModerationCheckFrame = obj({
  t: literal(Op.ModerationCheck),
  id: ref,
  room: ref,
  by: ref,
  name,
  body: text(),
  deadline: uint(),
  thread: opt(uint()),
  replyTo: opt(uint()),
  /** Present when the text is a new version of message `edit` (an `edit` request). */
  edit: opt(uint()),
});

export const serverFrameSchemas = {
  [Op.Welcome]: WelcomeFrame,
  [Op.Result]: ResultFrame,
  [Op.Error]: ErrorFrame,
  [Op.Event]: EventFrame,
  [Op.TypingState]: TypingStateFrame,
  [Op.Presence]: PresenceFrame,
  [Op.Profile]: ProfileFrame,
  [Op.UserEvent]: UserEventFrame,
  [Op.ReadState]: ReadStateFrame,
  [Op.Restriction]: RestrictionFrame,
  [Op.EphemeralMessage]: EphemeralMessageFrame,
  [Op.Action]: ActionFrame,
  [Op.Stream]: StreamFrame,
  [Op.StreamDone]: StreamDoneFrame,
  [Op.CallState]: CallStateFrame,
  [Op.Signal]: SignalFrame,
  [Op.ModerationCheck]: ModerationCheckFrame,
} as const;

export type ActionFrame = Infer<typeof ActionFrame>;
export type StreamFrame = Infer<typeof StreamFrame>;
export type StreamDoneFrame = Infer<typeof StreamDoneFrame>;
export type CallStateFrame = Infer<typeof CallStateFrame>;
export type SignalFrame = Infer<typeof SignalFrame>;

export type RestrictionFrame = Infer<typeof RestrictionFrame>;
export type WelcomeFrame = Infer<typeof WelcomeFrame>;
export type ResultFrame = Infer<typeof ResultFrame>;
export type ErrorFrame = Infer<typeof ErrorFrame>;
export type EventFrame = Infer<typeof EventFrame>;
export type TypingStateFrame = Infer<typeof TypingStateFrame>;
export type PresenceFrame = Infer<typeof PresenceFrame>;
export type ProfileFrame = Infer<typeof ProfileFrame>;
export type UserEventFrame = Infer<typeof UserEventFrame>;
export type ReadStateFrame = Infer<typeof ReadStateFrame>;
export type EphemeralMessageFrame = Infer<typeof EphemeralMessageFrame>;
export type ModerationCheckFrame = Infer<typeof ModerationCheckFrame>;
export type ServerFrame = Infer<(typeof serverFrameSchemas)[keyof typeof serverFrameSchemas]>;

const RoomSubscribed = obj({
  room: RoomSummaryShape,
  /** Events sent before this result because they were after the requested seq. */
  replayed: uint(),
  /** True when the client was further behind than the resume bound: nothing was replayed; refetch history. */
  gap: opt(bool()),
  /** The other members' positions, in a direct room or a room of at most `limits.receiptRoomSize` members (feature `receipts`). */
  reads: opt(arr(obj({ user: ref, seq: uint(), delivered: uint() }), ANY)),
});

/** The answer to edit, delete and react: the change event appended, or with `changed` false, nothing appended (see docs/protocol.md §6.16). */
const MessageChange = obj({ seq: uint(), id: ref, ts: uint(), changed: bool() });

/** The caller's notification settings: do not disturb, and the rooms they muted. */
const NotifySettings = obj({ dnd: bool(), muted: arr(ref, ANY) });

/** What a page says of itself (Open Graph, else its title): text only; `image` is an http(s) URL. */
export const LinkPreviewShape = obj({
  url: ref,
  title: opt(text()),
  description: opt(text()),
  site: opt(text()),
  image: opt(text()),
});
export type LinkPreview = Infer<typeof LinkPreviewShape>;
export type NotifySettings = Infer<typeof NotifySettings>;
/** A range of a search result's text that matched, in UTF-16 code units. */
const HighlightShape = obj({ at: uint(), len: uint() });

/** One message a search found, as it reads now (feature `search`). */
export const SearchHitShape = obj({
  room: ref,
  seq: uint(),
  id: ref,
  /** Author's user id and display name when the message was stored. */
  by: ref,
  name,
  /** The current text (after its last edit). */
  body: text(),
  ts: uint(),
  /** Seq of the thread root when the message is a thread reply. */
  thread: opt(uint()),
  /** When it was last edited, ms; absent when never. */
  edited: opt(uint()),
  /** Where the query's words are in `body`, in order, not overlapping. */
  highlights: arr(HighlightShape, ANY),
});
export type SearchHit = Infer<typeof SearchHitShape>;
export type Highlight = Infer<typeof HighlightShape>;
// A command as `commands_list` reads it: tolerant, like every server frame.
const CommandArgRead = obj({
  name: ref,
  type: text(1),
  required: bool(),
  description: opt(text()),
  choices: opt(arr(ref, ANY)),
  min: opt(uint()),
  max: opt(uint()),
});
const CommandRead = obj({ name: ref, description: text(), args: arr(CommandArgRead, ANY), permission: opt(text()) });
/** A command offered in a room, with the bot that answers it. */
export const RoomCommandShape = obj({
  ...CommandRead.shape,
  /** The bot's user id and display name. */
  bot: ref,
  botName: name,
  /** Whether the bot is connected now; a command sent to an offline bot is refused (`bot_offline`). */
  online: bool(),
});
export type RoomCommand = Infer<typeof RoomCommandShape>;

/** One ICE server for `RTCPeerConnection`: TURN ones with credentials minted for this call. */
export const IceServerShape = obj({ urls: arr(text(1), ANY), username: opt(text()), credential: opt(text()) });
export type IceServer = Infer<typeof IceServerShape>;

/** Schemas of the `data` of `result` frames, by the opcode of the request they answer. */
export const resultSchemas = {
  [Op.Ping]: obj({ ts: uint() }),
  [Op.RoomCreate]: obj({ room: RoomSummaryShape, created: bool() }),
  [Op.RoomList]: obj({
    rooms: arr(RoomSummaryShape, ANY),
    /** Present when more rooms follow: the `cursor` of the next page. */
    next: opt(ref),
  }),
  [Op.Join]: RoomSubscribed,
  [Op.Leave]: obj({ room: ref }),
  [Op.Invite]: obj({ room: ref, user: ref }),
  [Op.Subscribe]: RoomSubscribed,
  [Op.Unsubscribe]: obj({ room: ref }),
  [Op.Members]: obj({ members: arr(MemberShape, ANY) }),
  [Op.RoomUpdate]: obj({ room: RoomSummaryShape }),
  [Op.Send]: obj({ cid: ref, id: ref, seq: uint(), ts: uint(), duplicate: bool() }),
  [Op.History]: obj({ events: arr(AnyRoomEventShape, ANY), more: bool() }),
  [Op.SetProfile]: obj({ user: UserShape }),
  [Op.UserSubscribe]: obj({
    /** Seq of the user's latest notice (0 for none). */
    head: uint(),
    /** Notices sent before this result because they were after `after`. */
    replayed: uint(),
    /** True when `after` was further behind than the resume bound: nothing was replayed. */
    gap: opt(bool()),
  }),
  [Op.Edit]: MessageChange,
  [Op.Delete]: MessageChange,
  [Op.React]: MessageChange,
  /** The caller's position and counts after the `read` (positions never move back). */
  [Op.Read]: obj({ room: ref, seq: uint(), delivered: uint(), unread: uint(), mentions: uint() }),
  [Op.PushSubscribe]: obj({ /** Subscriptions the user now keeps. */ subscriptions: uint() }),
  [Op.PushUnsubscribe]: obj({ removed: bool() }),
  [Op.NotifySettings]: NotifySettings,
  [Op.LinkPreview]: LinkPreviewShape,
  [Op.FileUrls]: obj({
    /** One per requested file the caller may download, in request order; others are left out. */
    urls: arr(obj({ id: ref, url: text(1), thumb: opt(text(1)) }), ANY),
    /** When these URLs stop working, ms epoch: ask again after it. */
    exp: uint(),
  }),
  [Op.Search]: obj({
    /** Newest first. */
    results: arr(SearchHitShape, ANY),
    /** Present when more results follow: the `cursor` of the next page. */
    next: opt(ref),
  }),
  /** The `mod` event appended; `cleared` counts the messages a `clear` deleted. */
  [Op.Moderate]: obj({ seq: uint(), id: ref, ts: uint(), changed: bool(), cleared: opt(uint()) }),
  [Op.Report]: obj({ report: ref }),
  [Op.RoomRules]: RoomRulesShape(),
  [Op.MemberPage]: obj({
    members: arr(MemberShape, ANY),
    /** Members in all, and of them online now. */
    total: uint(),
    online: uint(),
    /** Present when more follow: the `offset` of the next page. */
    next: opt(uint()),
  }),
  [Op.BotState]: obj({
    /** The rooms the key may act in, with the bot's position (0: nothing handled yet). */
    rooms: arr(obj({ room: ref, handled: uint() }), ANY),
  }),
  [Op.BotHandled]: obj({ room: ref, handled: uint() }),
  [Op.Ephemeral]: obj({ id: ref, ts: uint(), delivered: bool() }),
  [Op.CommandsPublish]: obj({ seq: uint(), changed: bool() }),
  [Op.CommandsList]: obj({ commands: arr(RoomCommandShape, ANY) }),
  /** The action reached the bot's connections (at most once: its `aid` is spent). */
  [Op.Act]: obj({ aid: ref, ts: uint() }),
  [Op.StreamStart]: obj({ stream: ref, ts: uint() }),
  /** The stream's length after the write. */
  [Op.StreamWrite]: obj({ length: uint() }),
  /** `seq`, `id` and `ts` of the stored message; `stored` false when the stream held no text. */
  [Op.StreamEnd]: obj({ stored: bool(), seq: opt(uint()), id: opt(ref), ts: opt(uint()) }),
  [Op.CallStart]: CallJoined(),
  [Op.CallJoin]: CallJoined(),
  [Op.CallDecline]: obj({ call: ref }),
  [Op.CallLeave]: obj({ call: ref }),
  /** The rooms whose checks this connection now receives. */
  [Op.ModerationWatch]: obj({ rooms: arr(ref, ANY) }),
  /** False when the verdict came after the sender's wait was over (the room's fail mode decided). */
  [Op.ModerationVerdict]: obj({ applied: bool() }),
} as const;

/** The answer to `call_start` and `call_join`: the call as it is now, and how to reach the others. */
function CallJoined() {
  const { t: _t, ...state } = CallStateFrame.shape;
  return obj({
    ...state,
    /** True when `call_start` found a call going on in the room and joined it. */
    joinedExisting: opt(bool()),
    /** STUN and TURN servers; TURN credentials stop working at `iceExpires` (ms epoch). */
    ice: arr(IceServerShape, ANY),
    iceExpires: opt(uint()),
  });
}

/** A room's rules as one member sees them. */
function RoomRulesShape() {
  return obj({
    /** Slow mode: one message per this many ms per member (0: off). */
    slowMs: uint(),
    /** Read-only for everyone but moderators. */
    locked: bool(),
    /** `post` or `read` (guests may only read). */
    guests: open<GuestPolicy>(),
    /** Pinned messages' seqs, most recent pin first. */
    pins: arr(uint(), ANY),
    /** The caller's role, absent for a non-member. */
    role: opt(open<Role>()),
    /** The caller may moderate here (moderator, owner or server admin). */
    moderator: bool(),
    /** When the caller's mute ends, ms epoch. */
    mutedUntil: opt(uint()),
    /** How long before the caller may send under slow mode, ms. */
    waitMs: opt(uint()),
  });
}
export type RoomRules = Infer<ReturnType<typeof RoomRulesShape>>;

export type ResultOp = keyof typeof resultSchemas;
export type ResultData = { [K in ResultOp]: Infer<(typeof resultSchemas)[K]> };

function anyValue(): Schema<unknown> {
  return { parse: (v) => v };
}
