// A node's view of each room's moderation (rules, mutes, bans, filter) and the checks every send,
// edit, react, join and read passes. Cached per room; every node drops its copy when any node changes
// a room's moderation (the broker's moderation channel), and re-reads it after a while when several
// nodes share a broker that may drop (ADR 0018).
import { ErrorCode, GuestPolicy, Limits, ModAction, RoomKind, type RoomRules } from '@parley/sdk/protocol';
import { createHash } from 'node:crypto';
import type { RoomRulesRecord, SanctionRecord } from '../store/moderation.js';
import { RequestError } from './errors.js';
import type { Hub } from './hub.js';
import type { Session } from './session.js';

/** The broker channel every node follows: moderation changes of any room. */
export const MODERATION_CHANNEL = 'm/';
/** The user id automatic actions (flood protection) are recorded under. */
export const SYSTEM_ACTOR = { id: 'parley', name: 'Parley' } as const;
/** How long a node trusts its copy of a room's moderation when a broker may drop invalidations, ms. */
const CLUSTERED_TTL_MS = 2000;
/** Most rooms whose moderation one node keeps in memory. */
const MAX_CACHED = 10_000;
const LINK = /(?:https?:\/\/|www\.)\S|\b[\w-]+\.(?:com|net|org|io|ru|xyz|top|info|biz|ly|gg|me)\b/i;

export interface RoomModeration {
  kind: string;
  rules: RoomRulesRecord;
  /** subject -> until (ms epoch, undefined: until lifted). */
  mutes: Map<string, number | undefined>;
  bans: Map<string, number | undefined>;
  /** Device hashes banned (guests banned by device). */
  deviceBans: Map<string, number | undefined>;
  /** The room's filter as one expression of escaped words, or null without words. */
  filter: RegExp | null;
  loadedAt: number;
}

/** The key a guest's device is banned under: a hash, so the stored key does not give the device id back. */
export function deviceKey(device: string): string {
  return createHash('sha256').update(`parley-device\n${device}`).digest('base64url').slice(0, 22);
}

export const userSubject = (user: string): string => `user:${user}`;
export const deviceSubject = (hash: string, user: string): string => `device:${hash}|${user}`;

/**
 * Builds a room filter from plain words: each is matched case-insensitively as a whole word (a
 * trailing `*` matches any ending). No user-written expression ever runs, so no filter can be made
 * slow on purpose; the words are escaped and joined into one alternation.
 */
export function compileFilter(words: readonly string[]): RegExp | null {
  const parts = words
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean)
    .map((w) => {
      const prefix = w.endsWith('*');
      const core = (prefix ? w.slice(0, -1) : w).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return prefix ? `${core}[\\p{L}\\p{N}_]*` : core;
    });
  if (parts.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${parts.join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
}

/**
 * Who makes a change, as the checks see them: a connection, or a poster over HTTP (an incoming
 * webhook, a bot with its key), which the checks treat alike.
 */
export type Actor = Pick<Session, 'userId' | 'userName' | 'admin' | 'guest' | 'device' | 'firstSeen' | 'log'>;

/** Thrown by the checks when a message must be held for review instead of stored. */
export class HoldForReview extends Error {
  override readonly name = 'HoldForReview';
}

function active(until: number | undefined, now: number): boolean {
  return until === undefined || until > now;
}

function inWords(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.ceil(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.ceil(m / 60)} h`;
}

export class Moderation {
  private readonly cache = new Map<string, Promise<RoomModeration | null>>();
  private readonly loaded = new Map<string, RoomModeration>();
  /** `${room}\n${user}` -> when their last message was accepted (slow mode, this node). */
  private readonly lastSent = new Map<string, number>();
  /** `${room}\n${user}` -> accepted message times within the flood window (guests in public rooms). */
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly hub: Hub,
    private readonly clustered: boolean,
  ) {}

  /** The room's moderation, cached; null for a room that does not exist. */
  state(room: string): Promise<RoomModeration | null> {
    const hit = this.peek(room);
    if (hit) return Promise.resolve(hit);
    let p = this.cache.get(room);
    if (!p) {
      if (this.cache.size >= MAX_CACHED) this.forgetAll();
      p = this.load(room);
      this.cache.set(room, p);
      p.catch(() => this.cache.delete(room));
    }
    return p;
  }

  /** The room's moderation when this node holds a fresh copy. */
  peek(room: string): RoomModeration | undefined {
    const m = this.loaded.get(room);
    if (!m) return undefined;
    if (this.clustered && Date.now() - m.loadedAt > CLUSTERED_TTL_MS) {
      this.invalidate(room);
      return undefined;
    }
    return m;
  }

  invalidate(room: string): void {
    this.cache.delete(room);
    this.loaded.delete(room);
  }

  private forgetAll(): void {
    this.cache.clear();
    this.loaded.clear();
    this.lastSent.clear();
    this.recent.clear();
  }

  private async load(room: string): Promise<RoomModeration | null> {
    const found = await this.hub.store.moderation.rules(room);
    if (!found) return null;
    const m: RoomModeration = { kind: found.kind, rules: found.rules, mutes: new Map(), bans: new Map(), deviceBans: new Map(), filter: compileFilter([...this.hub.config.filterWords, ...found.rules.words]), loadedAt: Date.now() };
    for (const s of found.sanctions) addSanction(m, s);
    // Only the latest load is kept: an invalidation while this one was in flight wins.
    if (this.cache.has(room)) this.loaded.set(room, m);
    return m;
  }

  /** Whether the session may moderate `room` given its role there. */
  static may(s: Session, role: string | undefined): boolean {
    return s.admin || role === 'owner' || role === 'moderator';
  }

  /** Refuses a banned user (or banned guest device): join, subscribe, history, send. */
  checkBan(s: Actor, m: RoomModeration, now = Date.now()): void {
    let until: number | undefined | null = null;
    const byUser = m.bans.get(userSubject(s.userId));
    if (m.bans.has(userSubject(s.userId)) && active(byUser, now)) until = byUser;
    else if (s.device !== undefined && s.guest) {
      const key = deviceKey(s.device);
      if (m.deviceBans.has(key) && active(m.deviceBans.get(key), now)) until = m.deviceBans.get(key);
    }
    if (until === null) return;
    if (until === undefined) throw new RequestError(ErrorCode.Forbidden, 'you are banned from this room', undefined, 'banned');
    throw new RequestError(ErrorCode.Forbidden, `you are banned from this room for ${inWords(until - now)} more`, until - now, 'banned');
  }

  /** The checks of a read (join, subscribe, history): only bans. Moderators and admins are never refused. */
  async checkRead(s: Session, room: string): Promise<void> {
    if (s.admin) return;
    const m = await this.state(room);
    if (m) this.checkBan(s, m);
  }

  /**
   * The checks of a change by `s` in `room` (send, edit, react): ban, mute, lock, guests, then for a
   * message's text the filter, slow mode, the link delay for new guests and flood protection. Throws
   * a RequestError (forbidden, with `retryAfter` where waiting helps) or {@link HoldForReview}.
   * Returns a promise only when it has to read something first (a guest's first-seen time).
   */
  checkChange(s: Actor, m: RoomModeration, room: string, moderator: boolean, what: 'send' | 'edit' | 'react', body?: string): void | Promise<void> {
    if (moderator || s.admin) return;
    const now = Date.now();
    this.checkBan(s, m, now);
    if (m.mutes.has(userSubject(s.userId))) {
      const until = m.mutes.get(userSubject(s.userId));
      if (active(until, now)) {
        if (until === undefined) throw new RequestError(ErrorCode.Forbidden, 'you are muted in this room', undefined, 'muted');
        throw new RequestError(ErrorCode.Forbidden, `you are muted in this room for ${inWords(until - now)} more`, until - now, 'muted');
      }
    }
    if (m.rules.locked) throw new RequestError(ErrorCode.Forbidden, 'this room is locked: it is read-only for now', undefined, 'locked');
    if (s.guest && m.rules.guests === GuestPolicy.Read) throw new RequestError(ErrorCode.Forbidden, 'guests can only read this room; sign in to take part', undefined, 'guests');
    if (body !== undefined && m.filter?.test(body)) {
      if (what === 'send' && m.rules.filterAction === 'hold') throw new HoldForReview('held');
      throw new RequestError(ErrorCode.Forbidden, 'your message contains a word this room does not allow', undefined, 'filter');
    }
    if (what !== 'send') return;
    const key = `${room}\n${s.userId}`;
    if (m.rules.slowMs > 0) {
      const last = this.lastSent.get(key);
      if (last !== undefined && now - last < m.rules.slowMs) {
        const wait = m.rules.slowMs - (now - last);
        throw new RequestError(ErrorCode.Forbidden, `slow mode: wait ${inWords(wait)} before your next message`, wait, 'slow');
      }
    }
    const publicGuest = s.guest && m.kind === RoomKind.Public;
    const delay = m.rules.linkDelayMs ?? this.hub.config.guestLinkDelayMs;
    if (publicGuest && delay > 0 && body !== undefined && LINK.test(body)) {
      if (s.firstSeen === undefined) {
        return this.hub.store.moderation.firstSeen(s.userId).then((at) => {
          s.firstSeen = at ?? now;
          this.checkChange(s, m, room, moderator, what, body);
        });
      }
      if (now - s.firstSeen < delay) {
        const wait = delay - (now - s.firstSeen);
        throw new RequestError(ErrorCode.Forbidden, `new guests can post links ${inWords(delay)} after arriving: wait ${inWords(wait)}`, wait, 'links');
      }
    }
    if (publicGuest) this.countFlood(s, m, room, key, now);
    if (m.rules.slowMs > 0) this.lastSent.set(key, now);
  }

  /** Flood protection: past the limit, the guest is muted here (stored and announced like a moderator's mute). */
  private countFlood(s: Actor, m: RoomModeration, room: string, key: string, now: number): void {
    const { floodMessages, floodWindowMs, floodMuteMs } = this.hub.config;
    if (floodMessages <= 0) return;
    const times = (this.recent.get(key) ?? []).filter((t) => now - t < floodWindowMs);
    times.push(now);
    if (this.recent.size >= MAX_CACHED) this.recent.clear();
    this.recent.set(key, times);
    if (times.length <= floodMessages) return;
    this.recent.delete(key);
    const until = now + floodMuteMs;
    m.mutes.set(userSubject(s.userId), until);
    const reason = `flood: more than ${floodMessages} messages in ${inWords(floodWindowMs)}`;
    void this.hub
      .moderate({
        room,
        actor: SYSTEM_ACTOR,
        action: ModAction.Mute,
        target: s.userId,
        reason,
        event: { action: ModAction.Mute, user: s.userId, until, reason },
        impose: [{ subject: userSubject(s.userId), kind: 'mute', until, by: SYSTEM_ACTOR.id, reason }],
      }, { action: ModAction.Mute, user: s.userId, until, reason })
      .catch((err: unknown) => s.log.warn('automatic mute failed', { err }));
    throw new RequestError(ErrorCode.Forbidden, `you are muted in this room for ${inWords(floodMuteMs)}: ${reason}`, floodMuteMs, 'muted');
  }

  /** The room's rules as `s` sees them (`room_rules`). */
  rulesFor(s: Session, m: RoomModeration, room: string, role: string | undefined): RoomRules {
    const now = Date.now();
    const out: RoomRules = { slowMs: m.rules.slowMs, locked: m.rules.locked, guests: m.rules.guests, pins: m.rules.pins, moderator: Moderation.may(s, role) };
    if (role) out.role = role;
    const muted = m.mutes.get(userSubject(s.userId));
    if (m.mutes.has(userSubject(s.userId)) && active(muted, now)) out.mutedUntil = muted ?? Number.MAX_SAFE_INTEGER;
    const last = this.lastSent.get(`${room}\n${s.userId}`);
    if (m.rules.slowMs > 0 && last !== undefined && now - last < m.rules.slowMs) out.waitMs = m.rules.slowMs - (now - last);
    return out;
  }
}

function addSanction(m: RoomModeration, s: SanctionRecord): void {
  if (s.subject.startsWith('device:')) {
    if (s.kind === 'ban') m.deviceBans.set(s.subject.slice('device:'.length).split('|')[0]!, s.until);
    return;
  }
  (s.kind === 'ban' ? m.bans : m.mutes).set(s.subject, s.until);
}

/** Limits of moderation announced in `welcome.limits`. */
export function moderationLimits(config: Hub['config']): Record<string, number> {
  return {
    maxReason: Limits.maxReason,
    maxSanctionSeconds: Limits.maxSanctionSeconds,
    maxSlowSeconds: Limits.maxSlowSeconds,
    floodMessages: config.floodMessages,
    floodWindowMs: config.floodWindowMs,
    floodMuteMs: config.floodMuteMs,
    guestLinkDelayMs: config.guestLinkDelayMs,
    maxMemberPage: Limits.maxMemberPage,
    maxPins: Limits.maxPins,
    maxClear: Limits.maxClear,
    maxFilterWords: Limits.maxFilterWords,
  };
}
