// Commands across two nodes over Redis and PostgreSQL: a user on one node reaches a bot on the other,
// gets its ephemeral replies there, hears it is offline once it stops, and a key revoked through one
// node closes the bot's connection on the other.
import { ChatClient } from '@parley/sdk';
import { createBot, string } from '@parley/sdk/bot';
import { CloseCode, ErrorCode } from '@parley/sdk/protocol';
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { redisAvailable } from './support/redis.js';
import { postgresAvailable, userToken, type TestNode } from './support/server.js';
import { twoNodesOverRedis } from './support/two-nodes.js';
import { until } from './support/until.js';

const available = (await postgresAvailable()) && (await redisAvailable());
const ADMIN = 'admin-token-for-the-two-node-bot-test-0123';

describe.skipIf(!available)('bot commands on two nodes over Redis', () => {
  let a: TestNode;
  let b: TestNode;
  twoNodesOverRedis({ adminToken: ADMIN }, (x, y) => ([a, b] = [x, y]));


  test('a command sent on one node is answered by the bot on the other, ephemeral replies included; offline once it stops', async () => {
    const { key } = (await a.server.hub.bots!.create('Relay', ['lobby'])).key;
    const bot = createBot({ url: b.url, key, WebSocket }).command('where', { description: 'Which node', args: { tag: string() } }, async (ctx) => {
      await ctx.reply(`public ${ctx.args.tag}`);
      await ctx.replyEphemeral(`private ${ctx.args.tag}`);
    });
    await bot.start();
    const user = new ChatClient({ url: a.url, token: userToken('ana', 'Ana'), WebSocket });
    const other = new ChatClient({ url: a.url, token: userToken('bea', 'Bea'), WebSocket });
    try {
      await Promise.all([user.connect(), other.connect()]);
      const room = await user.join('lobby');
      const seen: string[] = [];
      const whispers: string[] = [];
      const overheard: string[] = [];
      room.on('message', ({ event }) => event.by === 'bot:relay' && seen.push(event.body ?? ''));
      room.on('ephemeral', ({ message }) => whispers.push(`${message.name}: ${message.body}`));
      (await other.join('lobby')).on('ephemeral', ({ message }) => overheard.push(message.body));
      await until(async () => (await user.commands('lobby')).some((c) => c.name === 'where' && c.online));
      await room.send('/where x1');
      await until(() => seen.length === 1 && whispers.length === 1);
      expect(seen).toEqual(['public x1']);
      expect(whispers).toEqual(['Relay: private x1']);
      expect(overheard).toEqual([]);

      await bot.stop();
      await until(async () => (await user.commands('lobby')).every((c) => !c.online), 10_000);
      await expect(room.send('/where x2')).rejects.toMatchObject({ code: ErrorCode.BotOffline, message: 'Relay is offline: /where was not sent' });
    } finally {
      await Promise.all([user.close(), other.close()]);
    }
  });

  test('a key revoked through one node closes the bot\'s connection on the other', async () => {
    const created = await a.server.hub.bots!.create('Revoked', ['lobby']);
    const raw = await RawClient.signedIn(b.url, created.key.key);
    const res = await fetch(`${a.http}/v1/admin/bots/bot:revoked/keys/${created.key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    expect((await raw.closed).code).toBe(CloseCode.Unauthorized);
  });
});
