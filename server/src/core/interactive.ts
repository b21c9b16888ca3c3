// Buttons and selects on bot messages (feature `interactive`, protocol section 26): checking what a bot
// attaches, and `act`, a click routed to the bot that owns the message, at most once per action id.
import { ErrorCode, Op, PresenceState, type ActFrame, type MessageAction, type MessageActionInput, type ResultData } from '@parley/sdk/protocol';
import { BOT_ID_PREFIX } from '../bots/registry.js';
import { canonical } from './bot-requests.js';
import { badRequest, forbidden, notFound, RequestError } from './errors.js';
import { Moderation } from './moderation.js';
import { requireVisible } from './room-state.js';
import type { Session } from './session.js';

/**
 * What the frame schema cannot say: only bots attach actions; ids unique on the message; a select has
 * options with unique values, a button has none.
 */
export function checkActions(s: Session, actions: readonly MessageActionInput[] | undefined): void {
  if (!actions) return;
  if (!s.bot) throw forbidden('only bots may put buttons or selects on a message');
  const ids = new Set<string>();
  actions.forEach((a, i) => {
    const where = `actions[${i}]`;
    if (ids.has(a.id)) throw badRequest(`${where}: id "${a.id}" is used twice on this message`);
    ids.add(a.id);
    if (a.type === 'button' && a.options) throw badRequest(`${where}: a button has no options`);
    if (a.type === 'select') {
      if (!a.options?.length) throw badRequest(`${where}: a select needs at least one option`);
      const values = new Set<string>();
      for (const o of a.options) {
        if (values.has(o.value)) throw badRequest(`${where}: option value "${o.value}" is used twice`);
        values.add(o.value);
      }
    }
  });
}

/** Whether two lists of actions say the same (an edit that changes nothing appends nothing). */
export function sameActions(a: readonly MessageAction[] | null | undefined, b: readonly MessageAction[] | undefined): boolean {
  if (b === undefined) return true;
  return canonical(a ?? []) === canonical(b);
}

/** The bot a click goes to, checked against the actions it was made on. */
interface Target {
  bot: string;
  actions: readonly MessageAction[];
}

/** A click on a message, an ephemeral message, or a stop of a stream: checked, spent, then sent to the bot. */
export async function act(s: Session, f: ActFrame): Promise<ResultData[typeof Op.Act]> {
  const { bots } = s.hub;
  if (!bots) throw forbidden('this server has no bots');
  const targets = [f.seq, f.eph, f.stream].filter((x) => x !== undefined).length;
  if (targets !== 1) throw badRequest('name exactly one of seq (a message), eph (an ephemeral message) or stream');
  if (!s.memberOf.has(f.room)) await requireVisible(s, f.room);
  // A replay is told as one, whatever became of its target since (spent again below: two at once cannot both pass).
  if (await bots.actionSpent(s.userId, f.aid)) throw replayed(f.aid);
  let bot: string;
  if (f.stream !== undefined) {
    if (f.action !== 'stop') throw badRequest('the only action on a stream is "stop"');
    if (f.value !== undefined) throw badRequest('"stop" takes no value');
    const stream = s.hub.streams.find(f.stream);
    if (!stream || stream.room !== f.room) throw notFound(`no stream "${f.stream}" in "${f.room}" (it may have ended)`);
    if (stream.for !== undefined && stream.for !== s.userId && !Moderation.may(s, (await s.hub.store.getMember(f.room, s.userId))?.role)) {
      throw forbidden('only the member this reply is for, or a moderator, may stop it');
    }
    bot = stream.bot;
  } else {
    const target = f.seq !== undefined ? await messageTarget(s, f.room, f.seq) : await ephemeralTarget(s, f.room, f.eph!);
    checkChoice(target.actions, f);
    bot = target.bot;
  }
  const states = await s.hub.announcer.states([bot]);
  if ((states.get(bot) ?? PresenceState.Offline) === PresenceState.Offline) throw new RequestError(ErrorCode.BotOffline, 'the bot is offline: try again later');
  if (!(await bots.spendAction(s.userId, f.aid, f.room))) throw replayed(f.aid);
  const ts = Date.now();
  const frame: Record<string, unknown> = { t: Op.Action, room: f.room, aid: f.aid, action: f.action };
  if (f.value !== undefined) frame.value = f.value;
  if (f.seq !== undefined) frame.seq = f.seq;
  if (f.eph !== undefined) frame.eph = f.eph;
  if (f.stream !== undefined) frame.stream = f.stream;
  Object.assign(frame, { user: s.userId, name: s.userName, ts });
  s.hub.publishToUser(bot, frame);
  return { aid: f.aid, ts };
}

const replayed = (aid: string) => new RequestError(ErrorCode.Replayed, `action "${aid}" was sent already: an action reaches its bot once`);

async function messageTarget(s: Session, room: string, seq: number): Promise<Target> {
  const message = await s.hub.store.message(room, seq);
  if (!message || message.deleted) throw notFound(`no message ${seq} in "${room}"`);
  const actions = message.by.startsWith(BOT_ID_PREFIX) ? await s.hub.bots!.messageActions(room, seq) : null;
  if (!actions) throw notFound(`message ${seq} has no buttons or selects`);
  return { bot: message.by, actions };
}

async function ephemeralTarget(s: Session, room: string, id: string): Promise<Target> {
  const eph = await s.hub.bots!.ephemeral(id);
  if (!eph || eph.room !== room) throw notFound(`no ephemeral message "${id}" with buttons in "${room}"`);
  if (eph.to !== s.userId) throw forbidden('this message was shown to someone else: only they may use its buttons');
  return eph;
}

/** The button or select exists and is enabled; a select's value is one of its options. */
function checkChoice(actions: readonly MessageAction[], f: ActFrame): void {
  const a = actions.find((x) => x.id === f.action);
  if (!a) throw notFound(`the message has no button or select "${f.action}"`);
  if (a.disabled) throw forbidden(`"${a.label}" is disabled`);
  if (a.type === 'select') {
    if (f.value === undefined) throw badRequest(`"${f.action}" is a select: send the chosen option's value`);
    if (!a.options?.some((o) => o.value === f.value)) throw notFound(`"${f.action}" has no option "${f.value}"`);
  } else if (f.value !== undefined) throw badRequest(`"${f.action}" is a button: it takes no value`);
}
