// Requests of bots and about bots (features `bots` and `commands`, protocol section 21): a bot's rooms
// and positions, ephemeral replies, command manifests, and routing a `/command` message to its bot.
import {
  ErrorCode,
  EventKind,
  invocation,
  Op,
  PresenceState,
  type BotHandledFrame,
  type Command,
  type CommandsListFrame,
  type CommandsPublishFrame,
  type EphemeralFrame,
  type ResultData,
} from '@parley/sdk/protocol';
import { createHash, randomBytes } from 'node:crypto';
import type { BotRegistry } from '../bots/registry.js';
import { badRequest, forbidden, RequestError } from './errors.js';
import { requireMember, requireVisible } from './room-state.js';
import { checkActions } from './interactive.js';
import type { Session } from './session.js';

/** The registry, or a refusal when this server keeps no bots (a store without SQL). */
function registry(s: Session): BotRegistry {
  const { bots } = s.hub;
  if (!bots) throw new RequestError(ErrorCode.Forbidden, 'this server has no bot accounts');
  return bots;
}

/** The bot behind this connection; other users are refused. */
function requireBot(s: Session): NonNullable<Session['bot']> {
  if (!s.bot) throw forbidden('only bots (signed in with a bot key) may do this');
  return s.bot;
}

export async function botState(s: Session): Promise<ResultData[typeof Op.BotState]> {
  const bot = requireBot(s);
  const rooms = [...bot.rooms];
  const positions = await registry(s).positions(bot.id, rooms);
  return { rooms: rooms.map((room) => ({ room, handled: positions.get(room) ?? 0 })) };
}

export async function botHandled(s: Session, f: BotHandledFrame): Promise<ResultData[typeof Op.BotHandled]> {
  const bot = requireBot(s);
  return { room: f.room, handled: await registry(s).handled(bot.id, f.room, f.seq) };
}

/** Delivered to every connection of `to`, on every node; stored nowhere (not a room event). */
export async function ephemeral(s: Session, f: EphemeralFrame): Promise<ResultData[typeof Op.Ephemeral]> {
  requireBot(s);
  checkActions(s, f.actions);
  const { hub } = s;
  if (!(await hub.store.getMember(f.room, f.to))) throw new RequestError(ErrorCode.NotFound, `${f.to} is not a member of "${f.room}"`);
  const id = `eph_${randomBytes(12).toString('base64url')}`;
  const ts = Date.now();
  const frame: Record<string, unknown> = { t: Op.EphemeralMessage, room: f.room, id, ts, by: s.userId, name: s.userName, to: f.to, body: f.body };
  if (f.replyTo !== undefined) frame.replyTo = f.replyTo;
  if (f.thread !== undefined) frame.thread = f.thread;
  if (f.actions) {
    // Kept so that a click can be checked: only `to` may use these buttons.
    await registry(s).keepEphemeral({ id, room: f.room, bot: s.userId, to: f.to, actions: f.actions, ts });
    frame.actions = f.actions;
  }
  hub.publishToUser(f.to, frame);
  const states = await hub.announcer.states([f.to]);
  return { id, ts, delivered: states.get(f.to) !== PresenceState.Offline };
}

/**
 * Replaces the bot's commands in the room: a `commands` event records the change in the room's log
 * (its cid is the manifest's hash, so publishing the same list again changes nothing), then the
 * per-room state `commands_list` reads is updated.
 */
export async function publishCommands(s: Session, f: CommandsPublishFrame): Promise<ResultData[typeof Op.CommandsPublish]> {
  const bot = requireBot(s);
  checkManifest(f.commands);
  await requireMember(s, f.room);
  const bots = registry(s);
  const current = await bots.commandsOf(bot.id, f.room);
  const json = canonical(f.commands);
  if (current && canonical(current.commands) === json) return { seq: current.seq, changed: false };
  // The same list published again after another one is a change again: the previous seq is in the cid.
  const cid = `cmds-${createHash('sha256').update(`${current?.seq ?? 0}\n${json}`).digest('base64url').slice(0, 40)}`;
  const names = f.commands.map((c) => c.name).join(',');
  const { event, duplicate } = await s.hub.store.append({ room: f.room, kind: EventKind.Commands, by: s.userId, name: s.userName, cid, data: { names } });
  if (!duplicate) s.hub.publishEvent(event);
  await bots.setCommands(bot.id, f.room, f.commands, event.seq);
  return { seq: event.seq, changed: true };
}

export async function listCommands(s: Session, f: CommandsListFrame): Promise<ResultData[typeof Op.CommandsList]> {
  if (!s.memberOf.has(f.room)) await requireVisible(s, f.room);
  const { bots } = s.hub;
  if (!bots) return { commands: [] };
  const commands = await bots.roomCommands(f.room);
  const states = await s.hub.announcer.states([...new Set(commands.map((c) => c.bot))]);
  return { commands: commands.map((c) => ({ ...c, online: (states.get(c.bot) ?? PresenceState.Offline) !== PresenceState.Offline })) };
}

/**
 * For a `/name …` message: the published command it invokes and its bot, to be recorded in the
 * message's data (`cmd`, `bot`) so that only that bot answers. Refused with `bot_offline` when the
 * bot is not connected: nothing is stored, and the sender is told in words. Undefined for any other text.
 */
export async function routeCommand(s: Session, room: string, body: string): Promise<{ cmd: string; bot: string } | undefined> {
  const { bots } = s.hub;
  if (!bots || s.bot) return undefined; // bots' own messages are answers, never commands
  const name = invocation(body)?.name;
  if (name === undefined) return undefined;
  if (!s.memberOf.has(room)) await requireVisible(s, room); // a private room's bots are nobody else's business
  const owner = (await bots.routesOf(room)).find((c) => c.name === name);
  if (!owner) return undefined;
  const states = await s.hub.announcer.states([owner.bot]);
  if ((states.get(owner.bot) ?? PresenceState.Offline) === PresenceState.Offline) {
    throw new RequestError(ErrorCode.BotOffline, `${owner.botName} is offline: /${name} was not sent`);
  }
  return { cmd: name, bot: owner.bot };
}

/** JSON with object keys sorted: the store's jsonb does not keep the order they were sent in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** Names unique, `text` only last, no required argument after an optional one, choices where needed. */
function checkManifest(commands: readonly Command[]): void {
  const seen = new Set<string>();
  commands.forEach((c, i) => {
    if (seen.has(c.name)) throw badRequest(`commands[${i}]: "${c.name}" is listed twice`);
    seen.add(c.name);
    const args = new Set<string>();
    let optional = false;
    c.args.forEach((a, j) => {
      const where = `commands[${i}].args[${j}]`;
      if (args.has(a.name)) throw badRequest(`${where}: "${a.name}" is listed twice`);
      args.add(a.name);
      if (a.type === 'text' && j !== c.args.length - 1) throw badRequest(`${where}: a text argument takes the rest of the line, so it comes last`);
      if (a.type === 'choice' && !a.choices?.length) throw badRequest(`${where}: a choice argument needs choices`);
      if (a.required && optional) throw badRequest(`${where}: a required argument cannot follow an optional one`);
      if (!a.required) optional = true;
      if (a.min !== undefined && a.max !== undefined && a.min > a.max) throw badRequest(`${where}: min is above max`);
    });
  });
}
