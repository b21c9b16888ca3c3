// Wire constants: frame opcodes, error codes, close codes and limits. The one place they are defined.

/** Protocol version spoken by this build; sent in `hello` and checked by the server. */
export const PROTOCOL_VERSION = 1;

/** Frame opcodes (`t`). 1-63 are sent by clients, 64-127 by the server. */
export const Op = {
  // client -> server
  Hello: 1,
  Ping: 2,
  RoomCreate: 10,
  RoomList: 11,
  Join: 12,
  Leave: 13,
  Invite: 14,
  Subscribe: 15,
  Unsubscribe: 16,
  Members: 17,
  RoomUpdate: 18,
  Send: 20,
  History: 21,
  Typing: 22,
  SetPresence: 23,
  SetProfile: 24,
  Edit: 25,
  Delete: 26,
  React: 27,
  UserSubscribe: 28,
  Read: 29,
  PushSubscribe: 31,
  PushUnsubscribe: 32,
  NotifySettings: 33,
  LinkPreview: 34,
  Search: 30,
  /** A moderator acts in a room: mute, kick, ban, slow mode, lock, pin... (feature `moderation`). */
  Moderate: 40,
  /** A member reports a message to the room's moderators (feature `reports`). */
  Report: 41,
  /** The room's rules as they apply to the caller: slow mode, lock, guests, pins, own mute (feature `moderation`). */
  RoomRules: 42,
  /** One page of a room's members, online first (feature `member_pages`). */
  MemberPage: 43,
  /** Signed, expiring download URLs for attachments of a room's messages (feature `files`, section 24). */
  FileUrls: 44,
  BotState: 35,
  BotHandled: 36,
  Ephemeral: 37,
  CommandsPublish: 38,
  CommandsList: 39,
  /** A click on a button or a choice in a select of a bot's message, or a stop of a streamed reply (feature `interactive`). */
  Act: 46,
  /** A bot starts a streamed reply in a room (feature `streams`). */
  StreamStart: 47,
  /** A bot adds text to its streamed reply. */
  StreamWrite: 48,
  /** A bot ends its streamed reply: the text is stored as one message. */
  StreamEnd: 49,
  /** Places a call in a room (rings its other members), or joins the call already going on there (feature `calls`). */
  CallStart: 52,
  /** Accepts a ringing call, or joins a call in progress (feature `calls`). */
  CallJoin: 53,
  /** Declines a ringing call; with `busy`, because the user is in another call (feature `calls`). */
  CallDecline: 54,
  /** Hangs up (the caller, before anyone answered: cancels) (feature `calls`). */
  CallLeave: 55,
  /** An SDP offer or answer, or an ICE candidate, for one other connection in the call; never stored (feature `calls`). */
  CallSignal: 56,
  /** The sender's microphone, camera and screen share went on or off (feature `calls`). */
  CallMedia: 57,
  /** A bot with the `moderate` scope offers to inspect messages of rooms before they are stored (feature `moderation_hook`). */
  ModerationWatch: 50,
  /** A bot's verdict on a `moderation_check`: allow, reject with a reason, or redact. */
  ModerationVerdict: 51,
  // server -> client
  Welcome: 64,
  Result: 65,
  Error: 66,
  Event: 67,
  TypingState: 68,
  Presence: 69,
  Profile: 70,
  UserEvent: 71,
  ReadState: 72,
  /** Sent to a user's own connections when a moderator restricts (or frees) them in a room (feature `moderation`). */
  Restriction: 76,
  EphemeralMessage: 74,
  /** To a bot's connections: someone clicked a button, chose in a select or stopped a stream of it (feature `interactive`). */
  Action: 79,
  /** To a room: text of a streamed reply, at an offset into it (feature `streams`). */
  Stream: 80,
  /** To a room: a streamed reply ended (stored as message `seq`, or not). */
  StreamDone: 81,
  /** A call's state after any change: who is in it, who is still ringing, how it ended (feature `calls`). */
  CallState: 83,
  /** A `call_signal` from another connection of the call, for this connection only (feature `calls`). */
  Signal: 84,
  /** A message for the room's moderation hook to judge before it is stored (feature `moderation_hook`). */
  ModerationCheck: 82,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

/** Stable error codes carried by the `error` frame. */
export const ErrorCode = {
  /** The frame could not be decoded or failed validation. */
  BadFrame: 'bad_frame',
  /** The opcode is not one the server accepts from clients. */
  UnknownType: 'unknown_type',
  /** A frame other than `hello` arrived before the handshake finished. */
  NotReady: 'not_ready',
  /** The token is missing, malformed, badly signed or not accepted. */
  Unauthorized: 'unauthorized',
  /** Signed in, but not allowed to do this (not a member, not the owner...). */
  Forbidden: 'forbidden',
  /** The room or user does not exist. */
  NotFound: 'not_found',
  /** The thing already exists in a way that conflicts with the request. */
  Conflict: 'conflict',
  /** Too many frames; `retryAfter` says when to try again (ms). */
  RateLimited: 'rate_limited',
  /** A field is longer than the server allows. */
  TooLarge: 'too_large',
  /** Storage is unreachable or failed mid-write: a write's outcome is unknown; retry (a send with the same cid). */
  Unavailable: 'unavailable',
  /** A per-user or per-address quota is used up (rooms created, open connections); waiting does not refill it soon. */
  LimitReached: 'limit_reached',
  /** The action's time is over (an edit after the edit window). */
  TooLate: 'too_late',
  /** The message was held for a moderator's review by the room's filters; it is not in the log (yet). */
  Held: 'held',
  /** The bot that owns the command is not connected: nothing was stored (feature `commands`). */
  BotOffline: 'bot_offline',
  /** The action id was used already: an action is delivered at most once (feature `interactive`). */
  Replayed: 'replayed',
  /** The client speaks a protocol version the server does not. */
  UnsupportedVersion: 'unsupported_version',
  /** An unexpected server fault. */
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * WebSocket close codes. Clients reconnect and resume after every code except the
 * ones in {@link FATAL_CLOSE_CODES}.
 */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  TooLarge: 1009,
  /** Undecodable frame or broken handshake. Fatal: retrying sends the same bytes. */
  ProtocolError: 4000,
  /** Token rejected at `hello`. Fatal unless the client can obtain a new token. */
  Unauthorized: 4001,
  /** Token expired while connected: obtain a fresh one, reconnect and resume. */
  TokenExpired: 4002,
  /** No `hello` within the handshake timeout. */
  HelloTimeout: 4003,
  /** Protocol version not supported. Fatal. */
  UnsupportedVersion: 4004,
  /**
   * The socket could not keep up with its outgoing frames: reconnect and resume. Reserved: the
   * reference server aborts a slow consumer instead, so its client sees 1006 (protocol section 11.2).
   */
  SlowConsumer: 4005,
  /** Sustained flooding after rate-limit errors: reconnect after a pause. */
  RateLimited: 4006,
  /** The server is draining (restart, deploy): reconnect, ideally to another node, and resume. */
  Reconnect: 4007,
  /** The user already has as many connections as the server allows: reconnect only after a long pause. */
  TooManyConnections: 4008,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which a client must not reconnect on its own. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.ProtocolError,
  CloseCode.Unauthorized,
  CloseCode.UnsupportedVersion,
]);

/** Limits every conforming peer enforces. Servers may lower some and announce them in `welcome`. */
export const Limits = {
  /** Largest frame in bytes. */
  maxFrameBytes: 64 * 1024,
  /** Deepest nesting of msgpack arrays/maps in a frame. */
  maxDepth: 8,
  /** Most entries in one msgpack map or array. */
  maxEntries: 1000,
  /** Longest message body, in UTF-16 code units. */
  maxBody: 4000,
  /** Longest room or display name. */
  maxName: 64,
  /** Longest room id. */
  maxRoomId: 64,
  /** Longest user id (JWT `sub`). */
  maxUserId: 128,
  /** Longest client message id (`cid`). */
  maxCid: 64,
  /** Most events in one history page. */
  maxHistory: 200,
  /** Most members named in one room create. */
  maxCreateMembers: 100,
  /** Most rooms in one `room_list` page (the default page size too). */
  maxRoomPage: 1000,
  /** Longest `room_list` cursor. */
  maxCursor: 128,
  /** Longest reaction emoji, in UTF-16 code units. */
  maxEmoji: 32,
  /** Most mentions in one message. */
  maxMentions: 50,
  /** Most distinct reaction emoji on one message (servers announce theirs in `welcome.limits`). */
  maxReactionEmoji: 20,
  /** Most reactions on one message, all emoji together (announced in `welcome.limits`). */
  maxReactions: 5000,
  /** Most reactors named per emoji in a message's reaction summary. */
  maxReactionUsers: 10,
  /** Default edit window, ms: a message may be edited this long after it was sent (announced as `editWindowMs`). */
  editWindowMs: 86_400_000,
  /** Longest device id. */
  maxDeviceId: 64,
  /** Default most members a room may have for its members to see each other's read positions (announced as `receiptRoomSize`). */
  receiptRoomSize: 20,
  /** Unread and mention counts stop at this number: a count equal to it means "this many or more" (announced as `maxUnread`). */
  maxUnread: 999,
  /** Default shortest time between two `read` frames of one room that a client sends, ms (announced as `readIntervalMs`). */
  readIntervalMs: 1000,
  /** Longest Web Push endpoint URL (feature `push`). */
  maxPushEndpoint: 1024,
  /** Most push subscriptions (browsers, devices) one user may keep (announced as `maxPushSubscriptions`). */
  maxPushSubscriptions: 10,
  /** Most rooms one user may mute (feature `notify_settings`; announced as `maxMutedRooms`). */
  maxMutedRooms: 1000,
  /** Longest search query, in UTF-16 code units (feature `search`, announced as `maxSearchQuery`). */
  maxSearchQuery: 256,
  /** Most words of a search query that count; later ones are ignored. */
  maxSearchTerms: 8,
  /** Most results in one search page (the default page size is 20). */
  maxSearchResults: 50,
  /** Most highlight ranges given for one search result. */
  maxHighlights: 32,
  /** Longest reason given with a moderator action or a report. */
  maxReason: 500,
  /** Longest mute or ban with a duration, seconds (30 days); without one a ban lasts until unbanned. */
  maxSanctionSeconds: 2_592_000,
  /** Longest slow-mode interval, seconds. */
  maxSlowSeconds: 3600,
  /** Most words in one room's filter. */
  maxFilterWords: 500,
  /** Most messages one `clear` removes. */
  maxClear: 200,
  /** Most pinned messages in one room. */
  maxPins: 20,
  /** Most members in one `member_page` page. */
  maxMemberPage: 200,
  /** Most commands one bot publishes to one room (feature `commands`). */
  maxCommands: 50,
  /** Most arguments of one command. */
  maxCommandArgs: 10,
  /** Most files attached to one message (feature `files`; announced as `maxFilesPerMessage`). */
  maxFilesPerMessage: 10,
  /** Longest upload id. */
  maxUploadId: 64,
  /** Longest attachment file name, in UTF-16 code units (longer names are cut by the server). */
  maxFileName: 200,
  /** Most points of a voice message's waveform (each 0..255). */
  maxWaveform: 256,
  /** Most files in one `file_urls` request. */
  maxFileUrls: 50,
  /** Longest command or argument name. */
  maxCommandName: 32,
  /** Longest command or argument description. */
  maxCommandDescription: 200,
  /** Most buttons and selects on one message (feature `interactive`, announced as `maxActions`). */
  maxActions: 10,
  /** Most options of one select. */
  maxActionOptions: 25,
  /** Longest label of a button, select or option, in UTF-16 code units. */
  maxActionLabel: 80,
  /** Longest id of a button, select, option value or action (`aid`). */
  maxActionId: 64,
  /** Longest text of a streamed reply, in UTF-16 code units (feature `streams`, announced as `maxStreamChars`). */
  maxStreamChars: 16_000,
  /** Most streamed replies one bot connection has open at once (announced as `maxStreams`). */
  maxStreams: 10,
  /** Default time between two fan-outs of a stream's new text, ms (announced as `streamFlushMs`). */
  streamFlushMs: 100,
  /** Default time a stream may go without new text before the server ends it, ms (announced as `streamIdleMs`). */
  streamIdleMs: 30_000,
  /** Default `stream_write` frames per second allowed per stream, burst twice that (announced as `streamWriteRate`). */
  streamWriteRate: 20,
  /** Longest SDP offer or answer in a `call_signal`, in UTF-16 code units (announced as `maxSdp`). */
  maxSdp: 20_000,
  /** Longest ICE candidate line in a `call_signal`. */
  maxCandidate: 1024,
  /** Default most connections in one call: a mesh, every one sends its media to every other (announced as `maxCallParticipants`). */
  maxCallParticipants: 4,
  /** Longest call id. */
  maxCallId: 40,
  /** Largest body of an HTTP request (posts of incoming webhooks and bots, the admin API), bytes; announced as `maxHttpBytes`. */
  maxHttpBytes: 16 * 1024,
} as const;

/** Event kinds defined by this version. Clients must ignore kinds they do not know (but still count their seq). */
export const EventKind = {
  /** A chat message: `body`, `cid`. */
  Message: 'msg',
  /** `by` became a member. `data.inviter` when added by someone else. */
  Join: 'join',
  /** `by` stopped being a member. */
  Leave: 'leave',
  /** The room was created or changed: `data.name`, `data.kind`. */
  Room: 'room',
  /** `by` changed the text of their message `data.target`: `body`, `mentions`. */
  Edit: 'edit',
  /** `by` deleted message `data.target` (its body is gone from storage). */
  Delete: 'delete',
  /** `by` put (`data.on`) or took back an emoji `data.emoji` on message `data.target`. */
  Reaction: 'reaction',
  /** A moderator action `data.action` (mute, kick, ban, slow, lock, pin...) by `by`. */
  Moderation: 'mod',
  /** Bot `by` published (or replaced) its commands in the room: `data.names` (comma-separated). */
  Commands: 'commands',
  /** A call `data.call` placed by `by` started, ended (`data.duration`, ms) or was missed (`data.action`). */
  Call: 'call',
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** What an attachment is (`Attachment.kind`); open on the wire: a later server may add kinds. */
export const AttachmentKind = {
  /** A raster image the server could decode: `width`, `height`, `placeholder`, a thumbnail. */
  Image: 'image',
  /** Audio or video the browser may play inline (served with Range support). */
  Audio: 'audio',
  Video: 'video',
  /** A recorded voice message: audio with `duration` and `waveform`. */
  Voice: 'voice',
  /** Anything else: downloaded, never shown inline. */
  File: 'file',
} as const;
export type AttachmentKind = (typeof AttachmentKind)[keyof typeof AttachmentKind];

/** What a `moderate` request (and a `mod` event's `data.action`) does. */
export const ModAction = {
  Mute: 'mute',
  Unmute: 'unmute',
  Kick: 'kick',
  Ban: 'ban',
  Unban: 'unban',
  Slow: 'slow',
  Lock: 'lock',
  Unlock: 'unlock',
  Pin: 'pin',
  Unpin: 'unpin',
  Clear: 'clear',
  Role: 'role',
  Guests: 'guests',
} as const;
export type ModAction = (typeof ModAction)[keyof typeof ModAction];

/** What a `call` event's `data.action` says. */
export const CallAction = { Started: 'started', Ended: 'ended', Missed: 'missed' } as const;
export type CallAction = (typeof CallAction)[keyof typeof CallAction];

/** Why a call ended (`call_state.reason`, a missed `call` event's `data.reason`); open. */
export const CallEndReason = {
  /** Everyone but one hung up. */
  Hangup: 'hangup',
  /** The caller hung up before anyone answered. */
  Cancelled: 'cancelled',
  /** Everyone rung declined. */
  Declined: 'declined',
  /** Everyone rung was in another call. */
  Busy: 'busy',
  /** Nobody answered within `limits.ringTimeoutMs`. */
  Timeout: 'timeout',
  /** The other side's connection went and did not come back within `limits.callReconnectMs`. */
  Lost: 'lost',
} as const;
export type CallEndReason = (typeof CallEndReason)[keyof typeof CallEndReason];

/** What guests may do in a room (`moderate` action `guests`). */
export const GuestPolicy = { Post: 'post', Read: 'read' } as const;
export type GuestPolicy = (typeof GuestPolicy)[keyof typeof GuestPolicy];

/** Kinds of the per-user log (ADR 0011): what is addressed to one person. */
export const UserEventKind = {
  /** Made a member of `data.room` by `data.by`. */
  Added: 'added',
  /** No longer a member of `data.room`. */
  Removed: 'removed',
  /** Mentioned in message `data.seq` of `data.room`. */
  Mention: 'mention',
  /** A direct conversation `data.room` with `data.with` was opened. */
  Direct: 'dm',
  /** `data.by` calls in `data.room` (call `data.call`, `data.video`) until `data.until` (ms epoch) unless a `ring_end` for it follows (feature `calls`). */
  Ring: 'ring',
  /** The ring of call `data.call` is over for this user: answered on some device, declined, cancelled or timed out. */
  RingEnd: 'ring_end',
} as const;
export type UserEventKind = (typeof UserEventKind)[keyof typeof UserEventKind];

/** What a server announces in `welcome.features` beyond v1 (ADR 0011). */
export const Feature = {
  Edit: 'edit',
  Delete: 'delete',
  Reactions: 'reactions',
  Replies: 'replies',
  Threads: 'threads',
  Mentions: 'mentions',
  UserLog: 'user_log',
  Devices: 'devices',
  StrictRequests: 'strict_requests',
  /** Read positions per member (`read`, `read_state`) and receipts in direct and small rooms (section 18). */
  Receipts: 'receipts',
  /** Unread and mention counts per room in room summaries and `read_state` (section 18). */
  Unread: 'unread',
  /** Web Push to users with no open connection (`push_subscribe`, `welcome.pushKey`). */
  Push: 'push',
  /** Per-room mute and do-not-disturb kept by the server (`notify_settings`). */
  NotifySettings: 'notify_settings',
  /** Open Graph previews of a message's first link (`link_preview`). */
  LinkPreviews: 'link_previews',
  /** The `search` request (section 6.21) and history pages `around` a seq. */
  Search: 'search',
  Moderation: 'moderation',
  Reports: 'reports',
  MemberPages: 'member_pages',
  /** Bot accounts signing in with keys, their per-room positions and ephemeral replies (protocol section 21). */
  Bots: 'bots',
  /** Command manifests published by bots, `/` commands routed to their bot (protocol section 21). */
  Commands: 'commands',
  /** Buttons and selects on bot messages, `act` routed to the bot (protocol section 26). */
  Interactive: 'interactive',
  /** Streamed replies: text fanned out as it grows, stored once (protocol section 26). */
  Streams: 'streams',
  /** Voice and video calls: ringing, signalling, call events, TURN credentials (protocol section 28). */
  Calls: 'calls',
  /** Incoming and outgoing webhooks and bots posting over HTTP (protocol section 27). */
  Webhooks: 'webhooks',
  /** Bots with the `moderate` scope judge messages before they are stored (`moderation_watch`, section 27.4). */
  ModerationHook: 'moderation_hook',
  /** Voice messages: voice attachments whose `duration` and `waveform` the server checks (protocol section 25). */
  Voice: 'voice',
  /** Uploads over HTTP (tus), attachments on messages, signed download URLs (protocol section 24). */
  Files: 'files',
} as const;
export type Feature = (typeof Feature)[keyof typeof Feature];

export const RoomKind = { Public: 'public', Private: 'private', Direct: 'dm' } as const;
export type RoomKind = (typeof RoomKind)[keyof typeof RoomKind];

export const PresenceState = { Online: 'online', Away: 'away', Offline: 'offline' } as const;
export type PresenceState = (typeof PresenceState)[keyof typeof PresenceState];

export const Role = { Owner: 'owner', Moderator: 'moderator', Member: 'member' } as const;
export type Role = (typeof Role)[keyof typeof Role];
