// The examples run against a real node: the bot answers commands, the script chats and reads history.
import { ChatClient } from '@parley/sdk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startNode, type TestNode } from '../test/support/server.js';
import { answer, roll } from './bot/commands.js';
import { startBot } from './bot/dice-bot.js';
import { guestToken } from './guest.js';
import { hello } from './sdk-script/hello.js';

describe('bot commands', () => {
  test('roll parses NdM and sums', () => {
    const seq = [0, 0.5, 0.99];
    let i = 0;
    expect(roll('3d6', () => seq[i++]!)).toBe('🎲 3d6: 1 + 4 + 6 = 11');
    expect(roll('', () => 0.99)).toBe('🎲 d6: 6');
    expect(roll('20', () => 0)).toBe('🎲 d20: 1');
    expect(roll('0d6')).toMatch(/^I roll/);
    expect(roll('banana')).toMatch(/^Usage/);
  });
  test('answer routes commands and ignores chat', () => {
    expect(answer('/echo  hi there ')).toBe('hi there');
    expect(answer('/ECHO x')).toBe('x');
    expect(answer('/unknown')).toBeNull();
    expect(answer('just chatting /roll')).toBeNull();
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

  test('the dice bot answers /roll and /echo in the room', async () => {
    const bot = await startBot({ server: node.http, room: 'lobby', name: 'Dice Bot' });
    const user = new ChatClient({ url: node.url, token: await guestToken(node.http, 'Player'), WebSocket });
    try {
      await user.connect();
      const lobby = await user.join('lobby');
      const replies: string[] = [];
      const got = new Promise<void>((resolve) =>
        user.on('message', ({ event }) => {
          if (event.name === 'Dice Bot') replies.push(event.body ?? '');
          if (replies.length === 2) resolve();
        }),
      );
      await lobby.send('/roll 2d6');
      await lobby.send('/echo hello bot');
      await lobby.send('no command here');
      await got;
      expect(replies[0]).toMatch(/^🎲 2d6: [1-6] \+ [1-6] = \d+$/);
      const [a, b, sum] = replies[0]!.match(/\d+/g)!.slice(2).map(Number);
      expect(a! + b!).toBe(sum);
      expect(replies[1]).toBe('hello bot');
    } finally {
      await user.close();
      await bot.close();
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
