// Dice bot: /roll [NdM] and /echo <words>. Run: PARLEY_BOT_KEY=pbot_… node examples/dist/bot/dice-bot.js
import { createBot, string, text } from '@parley/sdk/bot';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { roll } from './dice.js';

export const diceBot = (url: string, key: string) =>
  createBot({ url, key, WebSocket })
    .command('roll', { description: 'Roll dice', args: { dice: string('NdM, e.g. 2d6').optional() } }, (ctx) => ctx.reply(roll(ctx.args.dice)))
    .command('echo', { description: 'Say it back', args: { words: text('What to say') } }, (ctx) => ctx.reply(ctx.args.words));

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bot = diceBot(process.env.PARLEY_URL ?? 'ws://localhost:8080/ws', process.env.PARLEY_BOT_KEY ?? '');
  await bot.start();
  process.on('SIGINT', () => void bot.stop().then(() => process.exit(0)));
}
