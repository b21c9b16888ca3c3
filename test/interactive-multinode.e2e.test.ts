// Buttons and streamed replies across two nodes over Redis and PostgreSQL: a click on one node reaches
// the bot on the other once, the bot's update reaches the clicker; a stream written through one node
// grows on the other, a member subscribing there mid-stream gets the text so far, and a stop sent
// through that node reaches the bot.
import { ChatClient } from '@parley/sdk';
import { createBot, type BotStream } from '@parley/sdk/bot';
import { ErrorCode, Op } from '@parley/sdk/protocol';
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { redisAvailable } from './support/redis.js';
import { postgresAvailable, userToken, type TestNode } from './support/server.js';
import { twoNodesOverRedis } from './support/two-nodes.js';
import { until } from './support/until.js';

const available = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!available)('buttons and streamed replies on two nodes over Redis', () => {
  let a: TestNode;
  let b: TestNode;
  twoNodesOverRedis({}, (x, y) => ([a, b] = [x, y]));


  test('a click on one node reaches the bot on the other once; its update and its stream reach the members', async () => {
    const { key } = (await a.server.hub.bots!.create('Voter', ['lobby'])).key;
    const clicks: string[] = [];
    let stream: BotStream | undefined;
    const stopped: string[] = [];
    const bot = createBot({ url: b.url, key, WebSocket }).onAction('yes', async (ctx) => {
      clicks.push(`${ctx.user.id} ${ctx.action}`);
      await ctx.update(`Voted by ${ctx.user.name}`, { actions: [{ id: 'yes', type: 'button', label: 'Yes', disabled: true }] });
      stream = await ctx.stream();
      stream.onStop(({ user }) => stopped.push(user));
      stream.write('Counting');
    });
    await bot.start();
    const ana = new ChatClient({ url: a.url, token: userToken('ana', 'Ana'), WebSocket });
    try {
      await ana.connect();
      const room = await ana.join('lobby');
      const { seq } = await bot.room('lobby')!.send('Vote?', { actions: [{ id: 'yes', type: 'button', label: 'Yes' }] });
      const ack = await room.act({ seq }, 'yes');
      await until(() => clicks.length === 1);
      expect(clicks).toEqual(['ana yes']);
      // The same click again is refused, and the bot heard it once.
      const raw = await RawClient.signedIn(a.url, userToken('ana', 'Ana'));
      expect(await raw.request({ t: Op.Act, room: 'lobby', seq, action: 'yes', aid: ack.aid })).toMatchObject({ code: ErrorCode.Replayed });
      // The update reached the clicker's node.
      await until(async () => (await room.history({ after: seq - 1, limit: 1 })).events[0]?.body === 'Voted by Ana');
      expect((await room.history({ after: seq - 1, limit: 1 })).events[0]).toMatchObject({ actions: [{ id: 'yes', type: 'button', label: 'Yes', disabled: true }] });
      // The stream grows on node a; a member subscribing there mid-stream gets the text so far.
      await until(() => room.streams.some((s) => s.text === 'Counting'));
      await raw.ok({ t: Op.Subscribe, room: 'lobby' });
      expect(await raw.next((f) => f.t === Op.Stream)).toMatchObject({ at: 0, text: 'Counting', by: 'bot:voter', for: 'ana' });
      // A stop through node a reaches the bot on node b; the end reaches both.
      await room.act({ stream: room.streams[0]!.id }, 'stop');
      await until(() => stopped.length === 1);
      expect(stopped).toEqual(['ana']);
      const end = await stream!.end();
      expect(end.stored).toBe(true);
      await until(() => room.streams.length === 0);
      expect((await raw.next((f) => f.t === Op.StreamDone)).seq).toBe(end.seq);
      raw.ws.terminate();
    } finally {
      await ana.close();
      await bot.stop();
    }
  });
});
