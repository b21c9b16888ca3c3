// Echo-slowly bot: /slowly <words> streams them back word by word (Stop ends it), then offers Again.
import { createBot, text, type BotStream } from '@parley/sdk/bot';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';

async function echo(s: BotStream, words: string, delayMs: number): Promise<void> {
  for (const [i, word] of words.split(/\s+/).entries()) if (!s.stopped) s.write(i ? ` ${word}` : word), await new Promise((r) => setTimeout(r, delayMs));
  await s.end({ actions: [{ id: 'again', type: 'button', label: 'Again' }] });
}

export const echoSlowlyBot = (url: string, key: string, delayMs = 200) =>
  createBot({ url, key, WebSocket })
    .command('slowly', { description: 'Say it back, slowly', args: { words: text('What to say') } }, async (ctx) => echo(await ctx.stream(), ctx.args.words, delayMs))
    .onAction('again', async (ctx) => echo(await ctx.stream(), (await ctx.message())?.body ?? '…', delayMs));

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bot = echoSlowlyBot(process.env.PARLEY_URL ?? 'ws://localhost:8080/ws', process.env.PARLEY_BOT_KEY ?? '');
  await bot.start();
  process.on('SIGINT', () => void bot.stop().then(() => process.exit(0)));
}
