// Requests of a room's moderation hook (feature `moderation_hook`, protocol section 27.4): a bot with
// the `moderate` scope follows the checks of rooms that name it, and answers each with a verdict.
import { Op, type ModerationVerdictFrame, type ModerationWatchFrame, type ResultData } from '@parley/sdk/protocol';
import { badRequest, forbidden } from './errors.js';
import { hookTopic } from './moderation-hook.js';
import type { Session } from './session.js';

const VERDICTS = new Set(['allow', 'reject', 'redact']);

/** The bot behind the connection, when its key has the `moderate` scope. */
function moderatingBot(s: Session): NonNullable<Session['bot']> {
  if (!s.bot) throw forbidden('only bots (signed in with a bot key) judge messages');
  if (!s.bot.scopes.has('moderate')) throw forbidden('this bot\'s key has no `moderate` scope: an admin gives it one (scopes: ["moderate"])');
  return s.bot;
}

export async function moderationWatch(s: Session, f: ModerationWatchFrame): Promise<ResultData[typeof Op.ModerationWatch]> {
  const bot = moderatingBot(s);
  if (f.rooms.length === 0) throw badRequest('rooms is empty');
  for (const room of f.rooms) {
    if (!bot.rooms.has(room)) throw forbidden(`this bot's key is not scoped to room "${room}"`);
    const config = await s.hub.moderationHooks.config(room);
    if (config?.bot !== bot.id) throw forbidden(`room "${room}" does not name ${bot.name} as its moderation hook (admin HTTP API: PUT /admin/api/hooks/moderation/${encodeURIComponent(room)})`);
  }
  for (const room of f.rooms) s.hub.watch(s, hookTopic(room, bot.id));
  return { rooms: [...f.rooms] };
}

export function moderationVerdict(s: Session, f: ModerationVerdictFrame): ResultData[typeof Op.ModerationVerdict] {
  const bot = moderatingBot(s);
  if (!VERDICTS.has(f.verdict)) throw badRequest('verdict must be allow, reject or redact');
  if (f.verdict === 'redact' && f.body === undefined) throw badRequest('a redact verdict carries the text to store instead (body)');
  if (!/^[0-9a-f]{12}\.[0-9a-z]{1,12}$/.test(f.id)) throw badRequest('id is not the id of a moderation_check');
  return { applied: s.hub.moderationHooks.verdict(bot.id, f) };
}
