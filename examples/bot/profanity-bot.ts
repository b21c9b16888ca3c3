// Profanity filter: the room's moderation hook (its key needs the `moderate` scope, and the room must
// name it: PUT /admin/api/hooks/moderation/<room>). Run: PARLEY_BOT_KEY=pbot_… node examples/dist/bot/profanity-bot.js
import { createBot } from '@parley/sdk/bot';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';

const MASKED = /\b(darn|heck|frick)\w*/gi;
const BANNED = /\b(buy followers|casino bonus)\b/i;

export const profanityBot = (url: string, key: string) =>
  createBot({ url, key, WebSocket, help: false }).moderate(({ body }) => {
    if (BANNED.test(body)) return { reject: 'no advertising here' };
    const masked = body.replace(MASKED, (word) => '*'.repeat(word.length));
    return masked === body ? 'allow' : { redact: masked };
  });

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bot = profanityBot(process.env.PARLEY_URL ?? 'ws://localhost:8080/ws', process.env.PARLEY_BOT_KEY ?? '');
  await bot.start();
  process.on('SIGINT', () => void bot.stop().then(() => process.exit(0)));
}
