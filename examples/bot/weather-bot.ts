// Weather bot: /weather <city> [days], from a local table (no internet). Run like the dice bot.
import { createBot, int, string } from '@parley/sdk/bot';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';

const TABLE: Record<string, string[]> = { lisbon: ['☀️ 24°', '⛅ 22°', '🌧 18°'], 'são paulo': ['🌧 21°', '⛅ 25°', '☀️ 28°'], oslo: ['❄️ -3°', '🌨 -5°', '⛅ 0°'] };
const forecast = (city: string, days: number) => TABLE[city.toLowerCase()]?.slice(0, days).join(', ') ?? `I have no forecast for ${city}.`;

export const weatherBot = (url: string, key: string) =>
  createBot({ url, key, WebSocket }).command(
    'weather',
    { description: 'Forecast for a city', args: { city: string('City, "quoted" if it has spaces'), days: int({ min: 1, max: 3, description: 'Days ahead' }).optional() } },
    (ctx) => ctx.reply(`${ctx.args.city}: ${forecast(ctx.args.city, ctx.args.days ?? 1)}`),
  );

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bot = weatherBot(process.env.PARLEY_URL ?? 'ws://localhost:8080/ws', process.env.PARLEY_BOT_KEY ?? '');
  await bot.start();
  process.on('SIGINT', () => void bot.stop().then(() => process.exit(0)));
}
