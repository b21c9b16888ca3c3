// An example bot: an ordinary SDK client in Node that answers /roll and /echo in a room.
// Run: npm run build && node examples/dist/bot/dice-bot.js [http://localhost:8080] [room]
import { ChatClient } from '@parley/sdk';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { guestToken, wsUrl } from '../guest.js';
import { answer } from './commands.js';

export interface BotOptions {
  /** Server base URL, e.g. http://localhost:8080. */
  server: string;
  room: string;
  /** A token for the bot's user; a guest token named `name` when absent. */
  token?: string;
  name?: string;
}

/** Connects, joins the room and answers commands until the returned client is closed. */
export async function startBot(options: BotOptions): Promise<ChatClient> {
  const token = options.token ?? (await guestToken(options.server, options.name ?? 'Dice Bot'));
  const client = new ChatClient({ url: wsUrl(options.server), token, WebSocket });
  await client.connect();
  const me = client.user!.id;
  client.on('message', ({ room, event }) => {
    if (event.by === me || !event.body) return;
    const reply = answer(event.body);
    if (reply) room.send(reply).catch((err: unknown) => console.error('bot: reply failed:', err));
  });
  await client.join(options.room);
  return client;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = process.argv[2] ?? process.env.PARLEY_URL ?? 'http://localhost:8080';
  const room = process.argv[3] ?? 'lobby';
  const bot = await startBot({ server, room, token: process.env.PARLEY_TOKEN });
  console.log(`dice bot is in #${room} on ${server}; try /roll 2d6 or /echo hi (Ctrl+C to stop)`);
  process.on('SIGINT', () => void bot.close().then(() => process.exit(0)));
}
