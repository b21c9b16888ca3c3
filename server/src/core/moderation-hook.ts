// The moderation hook (ADR 0022): a room may name a bot that judges each message before it is stored.
// The node that holds the send publishes a `moderation_check` on the channel of (room, bot), which
// that bot's watching connections follow on whatever node they are; the verdict comes back to the
// asking node over its own channel. The sender waits at most the room's budget; then the room's fail
// mode decides.
import { encodeFrame, ErrorCode, Limits, Op, PresenceState, type ModerationVerdictFrame } from '@parley/sdk/protocol';
import { randomBytes } from 'node:crypto';
import type { ModerationHookConfig, WebhookStore } from '../store/webhooks.js';
import type { Config } from '../config.js';
import { RequestError } from './errors.js';

/** The channel (and socket topic) of the checks of `room` for `bot`. */
export const hookTopic = (room: string, bot: string): string => `hk/${room}/${bot}`;
/** The channel on which a node hears the verdicts on its own checks. */
export const verdictChannel = (node: string): string => `hv/${node}`;
/** How long a node trusts what it read of a room's hook (another node's change shows after this). */
const CONFIG_TTL_MS = 1000;

export interface Verdict {
  verdict: 'allow' | 'reject' | 'redact';
  reason?: string | undefined;
  body?: string | undefined;
}

/** A message as the hook sees it. */
export interface Judged {
  room: string;
  by: string;
  name: string;
  body: string;
  thread?: number | undefined;
  replyTo?: number | undefined;
  /** Set when the text is an edit of message `edit`. */
  edit?: number | undefined;
}

export interface ModerationHookDeps {
  store: WebhookStore | undefined;
  publish(channel: string, frame: Uint8Array): void;
  /** Whether the bot has a connection on any node. */
  online(bot: string): Promise<boolean>;
}

interface Pending {
  bot: string;
  done: (v: Verdict | undefined) => void;
}

export class ModerationHooks {
  /** This node's name in check ids: verdicts find their way back here. */
  readonly node = randomBytes(6).toString('hex');
  private counter = 0;
  private readonly configs = new Map<string, { config: ModerationHookConfig | null; at: number }>();
  /** Reads in flight, shared by every send that asks meanwhile. */
  private readonly loading = new Map<string, Promise<ModerationHookConfig | null>>();
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly deps: ModerationHookDeps) {}

  /**
   * The room's hook as this node knows it now: null for none, undefined when it was never read
   * ({@link config}). A copy older than CONFIG_TTL_MS is still answered while it is read again in
   * the background, so that a busy room's sends never all wait on the same read.
   */
  peek(room: string): ModerationHookConfig | null | undefined {
    if (!this.deps.store) return null;
    const c = this.configs.get(room);
    if (!c || Date.now() - c.at >= CONFIG_TTL_MS) void this.load(room).catch(() => undefined);
    return c?.config;
  }

  async config(room: string): Promise<ModerationHookConfig | null> {
    const c = this.configs.get(room);
    if (!this.deps.store) return null;
    return c && Date.now() - c.at < CONFIG_TTL_MS ? c.config : this.load(room);
  }

  private load(room: string): Promise<ModerationHookConfig | null> {
    let p = this.loading.get(room);
    if (p) return p;
    p = (async () => {
      try {
        const config = (await this.deps.store!.moderationHook(room)) ?? null;
        if (this.configs.size >= 10_000) this.configs.clear();
        this.configs.set(room, { config, at: Date.now() });
        return config;
      } finally {
        this.loading.delete(room);
      }
    })();
    this.loading.set(room, p);
    return p;
  }

  /** Forgets what this node read of the room's hook (it was just changed here). */
  invalidate(room: string): void {
    this.configs.delete(room);
  }

  /**
   * Asks the room's bot about `m`; resolves with the body to store (the same, or the redacted one).
   * Throws `forbidden` (reason `hook`) for a rejection, and, failing closed, `unavailable` when the
   * bot is offline or did not answer within the budget.
   */
  async judge(config: ModerationHookConfig, m: Judged): Promise<{ body: string; redacted: boolean }> {
    const verdict = (await this.deps.online(config.bot)) ? await this.ask(config, m) : undefined;
    if (!verdict) {
      if (config.fail === 'open') return { body: m.body, redacted: false };
      throw new RequestError(ErrorCode.Unavailable, 'this room\'s moderation check did not answer in time: the message was not sent; try again', 1000, 'hook');
    }
    if (verdict.verdict === 'reject') {
      const why = verdict.reason?.trim();
      throw new RequestError(ErrorCode.Forbidden, why ? `your message was refused by this room's moderation: ${why}` : 'your message was refused by this room\'s moderation', undefined, 'hook');
    }
    if (verdict.verdict === 'redact' && verdict.body !== undefined && verdict.body !== m.body) return { body: verdict.body, redacted: true };
    return { body: m.body, redacted: false };
  }

  private ask(config: ModerationHookConfig, m: Judged): Promise<Verdict | undefined> {
    const id = `${this.node}.${(++this.counter).toString(36)}`;
    const deadline = Date.now() + config.timeoutMs;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), config.timeoutMs);
      const finish = (v: Verdict | undefined) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(v);
      };
      this.pending.set(id, { bot: config.bot, done: finish });
      const frame: Record<string, unknown> = { t: Op.ModerationCheck, id, room: m.room, by: m.by, name: m.name, body: m.body, deadline };
      if (m.thread !== undefined) frame.thread = m.thread;
      if (m.replyTo !== undefined) frame.replyTo = m.replyTo;
      if (m.edit !== undefined) frame.edit = m.edit;
      this.deps.publish(hookTopic(m.room, config.bot), encodeFrame(frame));
    });
  }

  /**
   * A verdict from bot `bot`: applied here when the check is this node's, passed on to the node
   * that asked otherwise. False when it came too late (or names no check of this node).
   */
  verdict(bot: string, f: ModerationVerdictFrame): boolean {
    const node = f.id.split('.')[0]!;
    if (node !== this.node) {
      this.deps.publish(verdictChannel(node), encodeFrame({ ...f, bot }));
      return true;
    }
    return this.settle(bot, f);
  }

  /** A verdict passed on by another node. */
  fromBroker(f: ModerationVerdictFrame & { bot: string }): void {
    this.settle(f.bot, f);
  }

  private settle(bot: string, f: ModerationVerdictFrame): boolean {
    const p = this.pending.get(f.id);
    // Only the bot the room names decides; another bot's word on the check is ignored.
    if (!p || p.bot !== bot) return false;
    p.done({ verdict: f.verdict as Verdict['verdict'], reason: f.reason, body: f.body });
    return true;
  }

}

/** Whether a presence state counts as connected for routing checks. */
export function connected(state: string | undefined): boolean {
  return (state ?? PresenceState.Offline) !== PresenceState.Offline;
}

/** Limits of webhooks and the moderation hook announced in `welcome.limits`. */
export function webhookLimits(config: Pick<Config, 'hookRate' | 'webhookAttempts' | 'moderationHookMaxMs'>): Record<string, number> {
  return {
    hookRate: config.hookRate,
    maxHttpBytes: Limits.maxHttpBytes,
    webhookAttempts: config.webhookAttempts,
    moderationHookMaxMs: config.moderationHookMaxMs,
  };
}
