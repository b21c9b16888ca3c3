// The `welcome` frame. Its limits and features are the same for every connection of a server (one
// set for guests, one for everyone else): they are encoded once, and each hello encodes only its own
// fields and joins the two maps, which gives the bytes encodeFrame would give for the whole frame.
import { encodeFrame, Limits, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import type { Config } from '../config.js';
import { serverFeatures } from './features.js';
import { fileLimits } from './file-requests.js';
import { moderationLimits } from './moderation.js';
import { webhookLimits } from './moderation-hook.js';
import type { RoomCreationLimits } from './room-limits.js';

/** What a welcome says about the connection itself. */
export interface WelcomeFields {
  r: number;
  user: { id: string; name: string; guest: boolean; bot?: true };
  session: string;
}

/** The fields of a welcome after the connection's own, as sent to a guest or to anyone else. */
export function welcomeConstants(c: Config, roomLimits: RoomCreationLimits, pushKey: string | undefined, guest: boolean): object {
  return {
    limits: {
      maxFrameBytes: Limits.maxFrameBytes,
      maxBody: Limits.maxBody,
      maxHistory: Limits.maxHistory,
      resumeLimit: c.resumeLimit,
      sendRate: c.sendRate,
      frameRate: c.frameRate,
      typingTtlMs: c.typingTtlMs,
      maxCreatedRooms: roomLimits.quota(guest),
      roomCreatesPerMinute: roomLimits.perMinute,
      workRate: c.workRate,
      workBurst: c.workBurst,
      maxPending: c.maxPending,
      editWindowMs: c.editWindowMs,
      maxReactionEmoji: Limits.maxReactionEmoji,
      maxReactions: Limits.maxReactions,
      maxMentions: Limits.maxMentions,
      receiptRoomSize: c.receiptRoomSize,
      maxUnread: Limits.maxUnread,
      readIntervalMs: Limits.readIntervalMs,
      maxPushSubscriptions: Limits.maxPushSubscriptions,
      maxMutedRooms: Limits.maxMutedRooms,
      maxSearchQuery: Limits.maxSearchQuery,
      searchRate: c.searchRate,
      ...moderationLimits(c),
      maxCommands: Limits.maxCommands,
      maxCommandArgs: Limits.maxCommandArgs,
      maxActions: Limits.maxActions,
      maxActionOptions: Limits.maxActionOptions,
      maxActionLabel: Limits.maxActionLabel,
      maxStreamChars: Limits.maxStreamChars,
      maxStreams: Limits.maxStreams,
      streamFlushMs: c.streamFlushMs,
      streamIdleMs: c.streamIdleMs,
      streamWriteRate: c.streamWriteRate,
      maxCallParticipants: c.maxCallParticipants,
      callRoomSize: c.callRoomSize,
      ringTimeoutMs: c.ringTimeoutMs,
      callReconnectMs: c.callReconnectMs,
      maxSdp: Limits.maxSdp,
      signalRate: c.signalRate,
      ...webhookLimits(c),
      maxVoiceMs: c.maxVoiceMs,
      ...fileLimits(c),
    },
    features: serverFeatures(c),
    ...(pushKey !== undefined ? { pushKey } : {}),
  };
}

/** A msgpack map of at most 15 entries starts with one byte, 0x80 | entries. */
const FIXMAP = 0x80;

/**
 * Joins two encoded maps of at most 15 entries each (and 15 together) into one: their entries in
 * order, under one header. Throws if either is not such a map.
 */
export function joinMaps(a: Uint8Array, b: Uint8Array): Uint8Array {
  const n = (a[0]! & 0x0f) + (b[0]! & 0x0f);
  if ((a[0]! & 0xf0) !== FIXMAP || (b[0]! & 0xf0) !== FIXMAP || n > 15) throw new RangeError('joinMaps takes two small msgpack maps');
  const out = new Uint8Array(a.length + b.length - 1);
  out[0] = FIXMAP | n;
  out.set(a.subarray(1), 1);
  out.set(b.subarray(1), a.length);
  return out;
}

/** Encodes welcomes for one server: the constant fields once per kind of user, the rest per hello. */
export class WelcomeEncoder {
  /** By guest or not, and the push key (set once at start-up, but read at each hello all the same). */
  readonly #tails = new Map<string, Uint8Array>();

  constructor(
    private readonly config: Config,
    private readonly roomLimits: RoomCreationLimits,
  ) {}

  encode(fields: WelcomeFields, pushKey: string | undefined): Uint8Array {
    const guest = fields.user.guest;
    const key = `${guest}\n${pushKey ?? ''}`;
    let tail = this.#tails.get(key);
    if (!tail) this.#tails.set(key, (tail = Uint8Array.from(encodeFrame(welcomeConstants(this.config, this.roomLimits, pushKey, guest)))));
    return joinMaps(encodeFrame({ t: Op.Welcome, r: fields.r, v: PROTOCOL_VERSION, user: fields.user, session: fields.session }), tail);
  }
}
