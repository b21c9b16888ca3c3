// One declaration per room event kind (ADR 0011): its fields and their schemas, who may append it,
// whether it fans out and how it changes the message projection. Wire schemas, the hot encoder, the
// store's SQL and docs/protocol.md §8.3 are derived from (or checked against) this file.
import { Limits, type AttachmentKind } from './codes.js';
import { arr, bool, obj, open, opt, str, text, uint, type Infer, type Schema } from './schema.js';

const userId = str(1, Limits.maxUserId);
const seq = uint();

/** A mentioned user and where in the body the mention is (UTF-16 offsets). */
export const MentionShape = obj({ user: userId, at: uint(Limits.maxBody), len: uint(Limits.maxBody) });
export type Mention = Infer<typeof MentionShape>;

// What a server sends is read tolerantly (protocol section 3.7): no bound but the frame's on lengths
// and counts, so that a later server with higher limits never turns a message into a placeholder.
const ANY = Number.MAX_SAFE_INTEGER;
const someone = text(1);
const MentionRead = obj({ user: someone, at: uint(), len: uint() });

/** One emoji of a message's reaction summary, as history shows it to one reader. */
export const ReactionSummaryShape = obj({
  emoji: text(1),
  /** Reactions with this emoji. */
  count: uint(),
  /** True when the reader is one of them. */
  me: bool(),
  /** The first reactors, in the order they reacted (at most Limits.maxReactionUsers). */
  users: arr(someone, ANY),
});
export type ReactionSummary = Infer<typeof ReactionSummaryShape>;

// A button or select as a server sends it (tolerant, like every read): ids and labels bounded by the frame.
const ActionOptionRead = obj({ value: someone, label: text() });
/** A button or select of a bot's message (feature `interactive`), as read. */
export const MessageActionRead = obj({
  id: someone,
  /** `button` or `select`; open: a later kind shows as text, never as a broken event. */
  type: text(1),
  label: text(),
  /** `primary`, `secondary` or `danger` (open). */
  style: opt(text()),
  /** Shown but not clickable. */
  disabled: opt(bool()),
  /** A select's choices. */
  options: opt(arr(ActionOptionRead, ANY)),
});
export type MessageAction = Infer<typeof MessageActionRead>;

/** A thread root's replies: how many, and the last one's seq and ts. */
export const RepliesShape = obj({ count: uint(), last: seq, lastTs: uint() });
export type Replies = Infer<typeof RepliesShape>;

/**
 * A file attached to a message (feature `files`, protocol section 24), as the server recorded it when
 * the upload finished: the type was decided by sniffing the bytes, never by the client's name or
 * header. Download URLs are not part of it (they expire): ask for them with `file_urls`.
 */
export const AttachmentShape = obj({
  /** The upload's id; `file_urls` turns it into a download URL. */
  id: someone,
  /** `image`, `audio`, `video`, `voice` or `file` (AttachmentKind); open. */
  kind: open<AttachmentKind>(),
  /** File name as the uploader gave it, made safe: no path, no control or direction characters. */
  name: text(),
  /** Media type sniffed from the bytes (`application/octet-stream` when unknown). */
  mime: text(1),
  /** Bytes. */
  size: uint(),
  /** Pixels, for images and video (after EXIF orientation). */
  width: opt(uint()),
  height: opt(uint()),
  /** ThumbHash of an image (base64): a blurred preview drawn before the thumbnail loads. */
  placeholder: opt(text()),
  /** True for an animated GIF or WebP (kept animated). */
  animated: opt(bool()),
  /** True when a thumbnail was made (`file_urls` gives its URL). */
  thumb: opt(bool()),
  /** Length of audio or video, ms (voice messages: measured by the recording client, checked by the server). */
  duration: opt(uint()),
  /** A voice message's loudness over its length: up to Limits.maxWaveform points of 0..255. */
  waveform: opt(arr(uint(), ANY)),
});
export type Attachment = Infer<typeof AttachmentShape>;

/**
 * Optional top-level event fields beyond v1. `mentions` is carried by `msg` and `edit` events; the
 * others describe a `msg` in its current state and appear only in history (the message projection).
 * v1 clients drop top-level fields they do not know, which is why structure lives here and not in
 * the flat `data`.
 */
export const eventExtensionFields = {
  /** Users mentioned in `body`. */
  mentions: opt(arr(MentionRead, ANY)),
  /** Seq of the last event folded into this view of the message (its own seq when nothing changed it). */
  rev: opt(seq),
  /** Ts of the last edit. */
  edited: opt(uint()),
  /** True for a deleted message: its body is gone. */
  deleted: opt(bool()),
  /** Reaction summary, by first reaction. */
  reactions: opt(arr(ReactionSummaryShape, ANY)),
  /** Replies in the thread this message is the root of. */
  replies: opt(RepliesShape),
  /** Buttons and selects of a bot's message (`msg`, and an `edit` that replaces them; feature `interactive`). */
  actions: opt(arr(MessageActionRead, ANY)),
  /** Files attached to a `msg` (feature `files`); gone once the message is deleted. */
  attachments: opt(arr(AttachmentShape, ANY)),
} as const;
export type EventExtensionField = keyof typeof eventExtensionFields;

/** How an event of a kind changes the message projection (the `msg` it targets, or a thread root). */
export type ProjectionEffect = 'none' | 'thread_reply' | 'edit' | 'redact' | 'reaction';

export interface KindDeclaration {
  kind: string;
  /** The request that appends it (with its opcode), or the room change the server records with it. */
  appendedBy: string;
  /** Who may append it. */
  who: string;
  /** Top-level fields beyond room, seq, id, kind, ts, by, name; `?` marks optional ones. */
  fields: readonly string[];
  /** The flat `data` map's keys, with their schemas; `required` ones are always present. */
  data: Readonly<Record<string, { schema: Schema<unknown>; required: boolean }>>;
  /** Published to the room's subscribers as it is stored (every kind today: the log is the room). */
  fanOut: boolean;
  projection: ProjectionEffect;
  /** The projection effect in words (docs/protocol.md §8.3). */
  effect: string;
}

const req = (schema: Schema<unknown>) => ({ schema, required: true });
const optional = (schema: Schema<unknown>) => ({ schema, required: false });

export const kinds = [
  {
    kind: 'msg',
    appendedBy: '`send` (20)',
    who: 'a member (a guest joins a public room by sending)',
    fields: ['body', 'cid', 'mentions?', 'actions?', 'attachments?'],
    data: {
      replyTo: optional(seq),
      thread: optional(seq),
      /** Set by the server when the body invokes a published command (feature `commands`): its name and its bot. */
      cmd: optional(str(1, Limits.maxCommandName)),
      bot: optional(userId),
      /** The streamed reply this message is the final text of (feature `streams`). */
      stream: optional(str(1, Limits.maxActionId)),
      /** Set by the server on a message an incoming webhook posted (feature `webhooks`): the hook's id; `by` is `hook:<id>`. */
      hook: optional(str(1, 64)),
      /** Set by the server when the room's moderation hook redacted the text: the bot that did (feature `moderation_hook`). */
      redacted: optional(userId),
    },
    fanOut: true,
    projection: 'thread_reply',
    effect: 'a message (`rev` = its seq); with `data.thread`, the root counts one more reply (`replies`) and takes `rev` = this seq; `actions` (a bot\'s only) are its buttons and selects',
  },
  {
    kind: 'join',
    appendedBy: '`join` (12), `invite` (14), `room_create` (10), a guest\'s first `send`',
    who: 'the user who became a member (for `invite`, a member adds them; for `room_create`, the creator)',
    fields: [],
    data: { inviter: optional(userId) },
    fanOut: true,
    projection: 'none',
    effect: 'none',
  },
  {
    kind: 'leave',
    appendedBy: '`leave` (13); the server when a guest\'s membership ends',
    who: 'the member who left',
    fields: [],
    data: {},
    fanOut: true,
    projection: 'none',
    effect: 'none',
  },
  {
    kind: 'room',
    appendedBy: '`room_create` (10), `room_update` (18), `leave` by the owner',
    who: 'the creator or the owner (on creation: `data.name`, `data.kind`; when ownership passed: `data.owner`)',
    fields: [],
    data: { name: optional(str(0, Limits.maxName)), kind: optional(str(1, 32)), owner: optional(userId) },
    fanOut: true,
    projection: 'none',
    effect: 'none',
  },
  {
    kind: 'edit',
    appendedBy: '`edit` (25)',
    who: 'the author of the target, within `editWindowMs` of sending it',
    fields: ['body', 'mentions?', 'actions?'],
    data: { target: req(seq) },
    fanOut: true,
    projection: 'edit',
    effect: 'the target takes `body` and `mentions` (and `actions` when given), `edited` = ts, `rev` = seq (none once deleted)',
  },
  {
    kind: 'delete',
    appendedBy: '`delete` (26)',
    who: 'the author of the target, or a moderator of the room (redaction; also appended by `moderate` `clear`)',
    fields: [],
    data: { target: req(seq) },
    fanOut: true,
    projection: 'redact',
    effect: 'the target becomes a tombstone: `deleted`, no `body`, `mentions`, `attachments` or `reactions` (removed from storage, with the bodies of its edits and its files), `rev` = seq',
  },
  {
    kind: 'reaction',
    appendedBy: '`react` (27)',
    who: 'a member (a guest joins a public room by reacting)',
    fields: [],
    data: { target: req(seq), emoji: req(str(1, Limits.maxEmoji)), on: req(bool()) },
    fanOut: true,
    projection: 'reaction',
    effect: "`by`'s `emoji` is added to (`on`) or taken off the target's `reactions`, `rev` = seq",
  },
  {
    kind: 'mod',
    appendedBy: '`moderate` (40); the server when flood protection mutes someone',
    who: 'a moderator or the owner of the room, or a server admin',
    fields: [],
    data: {
      action: req(str(1, 32)),
      user: optional(userId),
      target: optional(seq),
      until: optional(uint()),
      seconds: optional(uint()),
      role: optional(str(1, 32)),
      guests: optional(str(1, 32)),
      count: optional(uint()),
      reason: optional(str(0, Limits.maxReason)),
    },
    fanOut: true,
    projection: 'none',
    effect: 'none (pins, slow mode, lock, mutes and bans are room rules, read with `room_rules`)',
  },
  {
    kind: 'commands',
    appendedBy: '`commands_publish` (38)',
    who: 'a bot whose key is scoped to the room',
    fields: [],
    data: { names: req(str(0, 4000)) },
    fanOut: true,
    projection: 'none',
    effect: 'none (the room\'s current commands are per-room state, read with `commands_list`)',
  },
  {
    kind: 'call',
    appendedBy: '`call_start` (52); the server when the call ends',
    who: 'the caller (`by`): on `call_start` (`started`), and for them when the call ends (`ended`, or `missed` when nobody answered)',
    fields: [],
    data: {
      action: req(str(1, 32)),
      call: req(str(1, Limits.maxCallId)),
      video: optional(bool()),
      duration: optional(uint()),
      reason: optional(str(1, 32)),
    },
    fanOut: true,
    projection: 'none',
    effect: 'none (a call in progress is live state, read from `call_state` frames)',
  },
] as const satisfies readonly KindDeclaration[];

export type DeclaredKind = (typeof kinds)[number]['kind'];

/** The declaration of `kind`, or undefined for a kind this version does not know. */
export function kindDeclaration(kind: string): KindDeclaration | undefined {
  return kinds.find((k) => k.kind === kind);
}

/** Kinds that change the message projection: the store's projection trigger handles exactly these. */
export const projectedKinds: readonly string[] = /* @__PURE__ */ kinds.filter((k) => k.projection !== 'none').map((k) => k.kind);
