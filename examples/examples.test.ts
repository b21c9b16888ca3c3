// The examples run against a real node: the bots answer commands, the script chats and reads history.
import { ChatClient } from '@parley/sdk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startNode, type TestNode } from '../test/support/server.js';
import { until } from '../test/support/until.js';
import { diceBot } from './bot/dice-bot.js';
import { echoSlowlyBot } from './bot/echo-slowly-bot.js';
import { profanityBot } from './bot/profanity-bot.js';
import { roll } from './bot/dice.js';
import { weatherBot } from './bot/weather-bot.js';
import { guestToken } from './guest.js';
import { hello } from './sdk-script/hello.js';

describe('dice', () => {
  test('roll parses NdM and sums', () => {
    const seq = [0, 0.5, 0.99];
    let i = 0;
    expect(roll('3d6', () => seq[i++]!)).toBe('🎲 3d6: 1 + 4 + 6 = 11');
    expect(roll(undefined, () => 0.99)).toBe('🎲 d6: 6');
    expect(roll('20', () => 0)).toBe('🎲 d20: 1');
    expect(roll('0d6')).toMatch(/^I roll/);
    expect(roll('banana')).toMatch(/^Usage/);
  });
});

describe('examples against a server', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('pglite');
  });
  afterAll(async () => {
    await node?.destroy();
  });

  /** A key for a new bot scoped to the lobby, the way an admin makes one. */
  async function botKey(name: string): Promise<string> {
    return (await node.server.hub.bots!.create(name, ['lobby'])).key.key;
  }

  /** Sends each command as a guest and collects the answers of bot `id`, in order. */
  async function ask(id: string, commands: string[], answers: number): Promise<string[]> {
    const user = new ChatClient({ url: node.url, token: await guestToken(node.http, 'Player'), WebSocket });
    try {
      await user.connect();
      const lobby = await user.join('lobby');
      const replies: string[] = [];
      const got = new Promise<void>((resolve) =>
        user.on('message', ({ event }) => {
          if (event.by === id) replies.push(event.body ?? '');
          if (replies.length === answers) resolve();
        }),
      );
      for (const c of commands) await lobby.send(c);
      await got;
      return replies;
    } finally {
      await user.close();
    }
  }

  test('the dice bot answers /roll and /echo in the room', async () => {
    const bot = diceBot(node.url, await botKey('Dice Bot'));
    await bot.start();
    try {
      const replies = await ask('bot:dicebot', ['/roll 2d6', '/echo hello bot', 'no command here'], 2);
      expect(replies[0]).toMatch(/^🎲 2d6: [1-6] \+ [1-6] = \d+$/);
      const [a, b, sum] = replies[0]!.match(/\d+/g)!.slice(2).map(Number);
      expect(a! + b!).toBe(sum);
      expect(replies[1]).toBe('hello bot');
    } finally {
      await bot.stop();
    }
  });

  test('the profanity bot masks words and refuses advertising before anything is stored', async () => {
    const hub = node.server.hub;
    const key = (await hub.bots!.create('Profanity Filter', ['lobby'], ['moderate'])).key.key;
    await hub.webhooks!.setModerationHook({ room: 'lobby', bot: 'bot:profanityfilter', timeoutMs: 1000, fail: 'open' });
    hub.moderationHooks.invalidate('lobby');
    const bot = profanityBot(node.url, key);
    await bot.start();
    const user = new ChatClient({ url: node.url, token: await guestToken(node.http, 'Sailor'), WebSocket });
    try {
      await user.connect();
      const lobby = await user.join('lobby');
      const ack = await lobby.send('what the heck, darn it');
      expect((await node.server.store.message('lobby', ack.seq))?.body).toBe('what the ****, **** it');
      await expect(lobby.send('casino bonus here!')).rejects.toThrow('no advertising here');
      expect((await lobby.send('all good')).seq).toBe(ack.seq + 1);
    } finally {
      await user.close();
      await bot.stop();
      await hub.webhooks!.clearModerationHook('lobby');
      hub.moderationHooks.invalidate('lobby');
    }
  });

  test('the weather bot answers from its table, a quoted city included', async () => {
    const bot = weatherBot(node.url, await botKey('Weather Bot'));
    await bot.start();
    try {
      const replies = await ask('bot:weatherbot', ['/weather Lisbon', '/weather "São Paulo" 3', '/weather Atlantis'], 3);
      expect(replies).toEqual(['Lisbon: ☀️ 24°', 'São Paulo: 🌧 21°, ⛅ 25°, ☀️ 28°', 'Atlantis: I have no forecast for Atlantis.']);
    } finally {
      await bot.stop();
    }
  });

  test('the echo-slowly bot streams its answer; Stop ends it early, the text is stored once, and Again streams it anew', async () => {
    const bot = echoSlowlyBot(node.url, await botKey('Echo Slowly'), 150);
    await bot.start();
    const user = new ChatClient({ url: node.url, token: await guestToken(node.http, 'Listener'), WebSocket });
    try {
      await user.connect();
      const lobby = await user.join('lobby');
      const grew: string[] = [];
      lobby.on('stream', ({ stream }) => grew.push(stream.text));
      const ended = new Promise<{ seq?: number; text: string }>((resolve) => lobby.on('streamEnd', ({ stream, seq }) => resolve({ text: stream.text, ...(seq !== undefined && { seq }) })));
      await lobby.send('/slowly one two three four five six seven eight nine ten');
      // Stop once a few words are out: the bot stops writing and ends the stream with what it had.
      await until(() => grew.some((t) => t.split(' ').length >= 3));
      const stream = lobby.streams[0]!;
      expect(stream).toMatchObject({ by: 'bot:echoslowly', for: user.user!.id });
      await lobby.act({ stream: stream.id }, 'stop');
      const { seq, text } = await ended;
      expect(text.split(' ').length).toBeLessThan(10);
      expect(text.startsWith('one two three')).toBe(true);
      expect(lobby.streams).toEqual([]);
      const page = await lobby.history({ after: seq! - 1, limit: 5 });
      const stored = page.events.filter((e) => e.by === 'bot:echoslowly');
      expect(stored).toEqual([expect.objectContaining({ seq, body: text, actions: [{ id: 'again', type: 'button', label: 'Again' }] })]);
      // Again: a new stream of the same words, answering the clicked message.
      const again = new Promise<string>((resolve) => lobby.on('streamEnd', ({ stream: s }) => resolve(s.text)));
      expect(await lobby.act({ seq: seq! }, 'again')).toMatchObject({ aid: expect.any(String) });
      expect(await again).toBe(text);
    } finally {
      await user.close();
      await bot.stop();
    }
  });

  test('the hello script sends a message, prints it back from history, and really leaves the room', async () => {
    const lines = await hello(node.http, 'lobby', () => {});
    expect(lines[0]).toMatch(/^sent #\d+ to lobby$/);
    expect(lines.some((l) => l.endsWith('Hello Script: Hello from Hello Script!'))).toBe(true);
    expect(lines.at(-1)).toBe('left lobby');
    const watcher = new ChatClient({ url: node.url, token: await guestToken(node.http, 'Watcher'), WebSocket });
    try {
      await watcher.connect();
      const lobby = await watcher.join('lobby');
      expect((await lobby.members()).map((m) => m.name)).not.toContain('Hello Script');
      const { events } = await lobby.history({ limit: 3 });
      expect(events.map((e) => [e.kind, e.name])).toEqual([['join', 'Hello Script'], ['msg', 'Hello Script'], ['leave', 'Hello Script']]);
    } finally {
      await watcher.close();
    }
  });
});
