// Bot accounts end to end on real sockets, on both stores: created over HTTP and with the CLI, keys
// listed, rotated and revoked, scoped to rooms, names reserved; the bot framework's commands, help,
// usage errors, ephemeral replies, exactly-once answers across a crash, and the offline refusal.
import { ChatClient, type RoomEvent } from '@parley/sdk';
import { createBot, int, string, text, type Bot } from '@parley/sdk/bot';
import { CloseCode, ErrorCode, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { freshStorage, guestToken, postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const ADMIN = 'admin-token-for-the-bot-tests-0123456789';
const run = promisify(execFile);
const pg = await postgresAvailable();

/** Calls the admin API; resolves with the status and the JSON body. */
async function admin(node: TestNode, method: string, path: string, body?: unknown, token = ADMIN): Promise<{ status: number; body: any }> {
  const res = await fetch(node.http + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** A hello with `token`: the welcome, or the error and the close code. */
async function hello(node: TestNode, token: string): Promise<{ frame: Record<string, any>; close?: number; client: RawClient }> {
  const client = await RawClient.open(node.url);
  const frame = await client.request({ t: Op.Hello, v: PROTOCOL_VERSION, token });
  if (frame.t === Op.Welcome) return { frame, client };
  return { frame, close: (await client.closed).code, client };
}

describe.each<StoreKind>(['pglite', 'postgres'])('bot accounts (%s)', (kind) => {
  let node: TestNode;
  beforeAll(async () => {
    if (kind === 'postgres' && !pg) return;
    node = await startNode(kind, { adminToken: ADMIN, rooms: ['lobby', 'ops'] });
  });
  afterAll(async () => {
    await node?.destroy();
  });

  test.skipIf(kind === 'postgres' && !pg)('an admin creates a bot over HTTP; its key signs it in as a stable, verified bot user; the secret is never listed', async () => {
    const created = await admin(node, 'POST', '/v1/admin/bots', { name: 'WeatherBot', rooms: ['lobby'] });
    expect(created.status).toBe(201);
    expect(created.body.bot).toMatchObject({ id: 'bot:weatherbot', name: 'WeatherBot' });
    const key: string = created.body.key.key;
    expect(key).toMatch(/^pbot_[0-9a-f]{16}_/);
    const first = await hello(node, key);
    expect(first.frame.user).toEqual({ id: 'bot:weatherbot', name: 'WeatherBot', guest: false, bot: true });
    expect(first.frame.features).toEqual(expect.arrayContaining(['bots', 'commands']));
    expect(first.frame.limits).toMatchObject({ maxCommands: 50, maxCommandArgs: 10 });
    first.client.ws.terminate();
    const listed = await admin(node, 'GET', '/v1/admin/bots');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(22));
    expect(listed.body.bots).toEqual([expect.objectContaining({ id: 'bot:weatherbot', keys: [expect.objectContaining({ id: created.body.key.id, rooms: ['lobby'], revoked: false })] })]);
    // Stored as a hash, not as the secret.
    const store = node.server.store as unknown as { sql: { query(q: string): Promise<{ hash: string }[]> } };
    const [row] = await store.sql.query('SELECT hash FROM bot_keys');
    expect(row!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain(row!.hash);
  });

  test.skipIf(kind === 'postgres' && !pg)('the admin API refuses a wrong token, bad bodies and a second bot with the same name in other clothes', async () => {
    expect((await admin(node, 'GET', '/v1/admin/bots', undefined, 'wrong')).status).toBe(401);
    expect((await admin(node, 'POST', '/v1/admin/bots', { name: 'NoRooms', rooms: [] })).body.error.code).toBe('bad_request');
    expect((await admin(node, 'POST', '/v1/admin/bots', { name: 'BadRoom', rooms: ['no spaces'] })).status).toBe(400);
    expect((await admin(node, 'POST', '/v1/admin/bots', 'just a string')).status).toBe(400);
    const twin = await admin(node, 'POST', '/v1/admin/bots', { name: 'weather bot', rooms: ['lobby'] });
    expect(twin).toMatchObject({ status: 409, body: { error: { code: 'name_taken' } } });
  });

  test.skipIf(kind === 'postgres' && !pg)('no guest, renamed user or host token takes a bot\'s name or id', async () => {
    await admin(node, 'POST', '/v1/admin/bots', { name: 'Squatted', rooms: ['lobby'] });
    const guest = await fetch(node.http + '/v1/guest', { method: 'POST', body: JSON.stringify({ name: 'squatted' }) });
    expect(guest.status).toBe(409);
    expect(((await guest.json()) as any).error.message).toMatch(/bot's name/);
    const ana = await RawClient.signedIn(node.url, userToken('ana', 'Ana'));
    expect(await ana.request({ t: Op.SetProfile, name: 'SQUATTED' })).toMatchObject({ t: Op.Error, code: ErrorCode.Conflict });
    ana.ws.terminate();
    const host = await hello(node, userToken('mallory', 'Squatted'));
    expect(host.frame.user.name).toBe('Squatted (not a bot)');
    host.client.ws.terminate();
    const impostor = await hello(node, userToken('bot:squatted', 'Squatted'));
    expect(impostor).toMatchObject({ frame: { code: ErrorCode.Unauthorized }, close: CloseCode.Unauthorized });
  });

  test.skipIf(kind === 'postgres' && !pg)('a key works only in its rooms; rotating and revoking refuse the old key and close its connections', async () => {
    const { body } = await admin(node, 'POST', '/v1/admin/bots', { name: 'Scoped', rooms: ['lobby'] });
    const bot = await RawClient.signedIn(node.url, body.key.key);
    expect(await bot.ok({ t: Op.Join, room: 'lobby' })).toMatchObject({ room: { id: 'lobby' } });
    for (const frame of [{ t: Op.Join, room: 'ops' }, { t: Op.Send, room: 'ops', cid: 'c1', body: 'hi' }, { t: Op.History, room: 'ops' }]) {
      expect(await bot.request(frame)).toMatchObject({ t: Op.Error, code: ErrorCode.Forbidden, message: 'this bot\'s key is not scoped to room "ops"' });
    }
    expect(await bot.request({ t: Op.RoomCreate, kind: 'public', id: 'botroom' })).toMatchObject({ code: ErrorCode.Forbidden });
    expect(await bot.ok({ t: Op.BotState })).toEqual({ rooms: [{ room: 'lobby', handled: 0 }] });

    const rotated = await admin(node, 'POST', `/v1/admin/bots/bot:scoped/keys/${body.key.id}/rotate`);
    expect(rotated.status).toBe(201);
    expect(rotated.body.key.rooms).toEqual(['lobby']);
    expect((await bot.closed).code).toBe(CloseCode.Unauthorized);
    expect(await hello(node, body.key.key)).toMatchObject({ frame: { code: ErrorCode.Unauthorized }, close: CloseCode.Unauthorized });
    const fresh = await hello(node, rotated.body.key.key);
    expect(fresh.frame.user.id).toBe('bot:scoped');

    expect((await admin(node, 'DELETE', `/v1/admin/bots/bot:scoped/keys/${rotated.body.key.id}`)).status).toBe(200);
    expect((await fresh.client.closed).code).toBe(CloseCode.Unauthorized);
    expect(await hello(node, rotated.body.key.key)).toMatchObject({ close: CloseCode.Unauthorized });
    // A key that only looks like one, and one for a missing bot.
    expect(await hello(node, 'pbot_0123456789abcdef_' + 'x'.repeat(43))).toMatchObject({ close: CloseCode.Unauthorized });
    expect((await admin(node, 'DELETE', '/v1/admin/bots/bot:nobody/keys/0123456789abcdef')).status).toBe(404);
  });

  test.skipIf(kind === 'postgres' && !pg)('only bots use bot requests, and a manifest that cannot be typed is refused', async () => {
    const user = await RawClient.signedIn(node.url, userToken('carol'));
    expect(await user.request({ t: Op.BotState })).toMatchObject({ code: ErrorCode.Forbidden });
    expect(await user.request({ t: Op.Ephemeral, room: 'lobby', to: 'x', body: 'hi' })).toMatchObject({ code: ErrorCode.Forbidden });
    user.ws.terminate();
    const { body } = await admin(node, 'POST', '/v1/admin/bots', { name: 'Manifests', rooms: ['lobby'] });
    const bot = await RawClient.signedIn(node.url, body.key.key);
    await bot.ok({ t: Op.Join, room: 'lobby' });
    const publish = (commands: unknown[]) => bot.request({ t: Op.CommandsPublish, room: 'lobby', commands });
    const arg = (name: string, type: string, required: boolean, extra = {}) => ({ name, type, required, ...extra });
    expect(await publish([{ name: 'a', description: '', args: [arg('x', 'text', true), arg('y', 'string', true)] }])).toMatchObject({ message: expect.stringMatching(/comes last/) });
    expect(await publish([{ name: 'a', description: '', args: [arg('x', 'string', false), arg('y', 'string', true)] }])).toMatchObject({ message: expect.stringMatching(/cannot follow/) });
    expect(await publish([{ name: 'a', description: '', args: [arg('x', 'choice', true)] }])).toMatchObject({ message: expect.stringMatching(/needs choices/) });
    expect(await publish([{ name: 'a', description: '', args: [] }, { name: 'a', description: '', args: [] }])).toMatchObject({ message: expect.stringMatching(/twice/) });
    expect(await publish([{ name: 'Bad Name', description: '', args: [] }])).toMatchObject({ code: ErrorCode.BadFrame });
    const ok = await bot.ok({ t: Op.CommandsPublish, room: 'lobby', commands: [{ name: 'ping', description: 'Pong', args: [] }] });
    expect(ok.changed).toBe(true);
    expect(await bot.ok({ t: Op.CommandsPublish, room: 'lobby', commands: [{ name: 'ping', description: 'Pong', args: [] }] })).toEqual({ seq: ok.seq, changed: false });
    const history = await bot.ok({ t: Op.History, room: 'lobby', after: ok.seq - 1, limit: 1 });
    expect(history.events[0]).toMatchObject({ kind: 'commands', by: 'bot:manifests', data: { names: 'ping' } });
    bot.ws.terminate();
  });
});

describe.skipIf(!pg)('the CLI (PostgreSQL)', () => {
  const storage = freshStorage('postgres');
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('postgres', {}, storage);
  });
  afterAll(async () => {
    await node?.destroy();
  });
  const cli = (...args: string[]) =>
    run(process.execPath, ['server/dist/cli.js', 'bots', ...args], { env: { ...process.env, DATABASE_URL: storage.databaseUrl, PARLEY_DB_SCHEMA: storage.dbSchema } });

  test('parley bots create, list, rotate and revoke manage the keys the server signs bots in with', async () => {
    const created = await cli('create', 'CliBot', '--rooms', 'lobby');
    expect(created.stdout).toContain('created CliBot (user id bot:clibot)');
    const key = created.stdout.trim().split('\n').at(-1)!;
    const keyId = /key ([0-9a-f]{16})/.exec(created.stdout)![1]!;
    expect((await hello(node, key)).frame.user).toMatchObject({ id: 'bot:clibot', bot: true });
    const listed = await cli('list');
    expect(listed.stdout).toContain(`key ${keyId}  rooms lobby  live`);
    expect(listed.stdout).not.toContain(key);
    const rotated = await cli('rotate', 'bot:clibot', keyId);
    const newKey = rotated.stdout.trim().split('\n').at(-2)!;
    expect(await hello(node, key)).toMatchObject({ close: CloseCode.Unauthorized });
    expect((await hello(node, newKey)).frame.user.id).toBe('bot:clibot');
    const newId = /key ([0-9a-f]{16})/.exec(rotated.stdout)![1]!;
    await cli('revoke', 'bot:clibot', newId);
    expect(await hello(node, newKey)).toMatchObject({ close: CloseCode.Unauthorized });
    await expect(cli('create', 'clibot', '--rooms', 'lobby')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('exists already') });
    await expect(cli('create', 'NoScope')).rejects.toMatchObject({ code: 2 });
  });
});

test('the CLI works on the embedded store a server then opens', async () => {
  const storage = freshStorage('pglite');
  const env = { ...process.env, PARLEY_DATA_DIR: storage.dataDir, DATABASE_URL: '' };
  const created = await run(process.execPath, ['server/dist/cli.js', 'bots', 'create', 'Embedded Bot', '--rooms', 'lobby'], { env });
  const key = created.stdout.trim().split('\n').at(-1)!;
  expect((await run(process.execPath, ['server/dist/cli.js', 'bots', 'list'], { env })).stdout).toContain('bot:embeddedbot  Embedded Bot');
  const node = await startNode('pglite', {}, storage);
  try {
    const signed = await hello(node, key);
    expect(signed.frame.user).toMatchObject({ id: 'bot:embeddedbot', name: 'Embedded Bot', bot: true });
    signed.client.ws.terminate();
  } finally {
    await node.destroy();
  }
}, 60_000);

describe.skipIf(!pg)('the bot framework (PostgreSQL)', () => {
  let node: TestNode;
  const bots: Bot[] = [];
  const clients: ChatClient[] = [];
  beforeAll(async () => {
    node = await startNode('postgres', { adminToken: ADMIN });
  });
  afterAll(async () => {
    for (const b of bots) await b.stop().catch(() => undefined);
    for (const c of clients) await c.close();
    await node?.destroy();
  });

  async function keyFor(name: string, rooms = ['lobby']): Promise<string> {
    const { status, body } = await admin(node, 'POST', '/v1/admin/bots', { name, rooms });
    expect(status).toBe(201);
    return body.key.key;
  }
  async function member(name: string, token = userToken(name.toLowerCase(), name)) {
    const client = new ChatClient({ url: node.url, token, WebSocket });
    clients.push(client);
    await client.connect();
    const room = await client.join('lobby');
    const ephemeral: string[] = [];
    const messages: RoomEvent[] = [];
    room.on('ephemeral', ({ message }) => ephemeral.push(message.body));
    room.on('message', ({ event }) => messages.push(event));
    return { client, room, ephemeral, messages };
  }
  function weather(key: string, calls: string[] = []): Bot {
    const bot = createBot({ url: node.url, key, WebSocket, onError: () => {} })
      .command('weather', { description: 'Forecast', args: { city: string('City'), days: int({ min: 1, max: 3 }).optional() } }, (ctx) => {
        calls.push(`${ctx.args.city}|${ctx.args.days}`);
        return ctx.reply(`${ctx.args.city}: sunny for ${ctx.args.days ?? 1} day(s)`);
      })
      .command('say', { description: 'Say it', args: { words: text() }, permission: 'signed-in' }, (ctx) => ctx.reply(ctx.args.words));
    bots.push(bot);
    return bot;
  }

  test('typed arguments reach the handler; usage errors and /help go to the invoker alone; answers quote the command', async () => {
    const calls: string[] = [];
    const bot = weather(await keyFor('Forecaster'), calls);
    await bot.start();
    const ana = await member('Ana');
    const bob = await member('Bob');
    const commands = await ana.client.commands('lobby');
    expect(commands.map((c) => [c.name, c.botName, c.online])).toEqual([['weather', 'Forecaster', true], ['say', 'Forecaster', true], ['help', 'Forecaster', true]]);
    expect(commands[0]!.args).toEqual([{ name: 'city', type: 'string', required: true, description: 'City' }, { name: 'days', type: 'int', required: false, min: 1, max: 3 }]);

    const sent = await ana.room.send('/weather "São Paulo" 2');
    await until(() => bob.messages.some((m) => m.by === 'bot:forecaster'));
    const answer = bob.messages.find((m) => m.by === 'bot:forecaster')!;
    expect(answer).toMatchObject({ body: 'São Paulo: sunny for 2 day(s)', data: { replyTo: sent.seq } });
    expect(calls).toEqual(['São Paulo|2']);
    const invocation = bob.messages.find((m) => m.seq === sent.seq)!;
    expect(invocation.data).toMatchObject({ cmd: 'weather', bot: 'bot:forecaster' });

    await ana.room.send('/weather Lisbon 9');
    await ana.room.send('/weather');
    await ana.room.send('/help');
    await until(() => ana.ephemeral.length === 3);
    expect(ana.ephemeral[0]).toBe('Days must be 1 to 3.');
    expect(ana.ephemeral[1]).toBe('City is missing; usage: /weather <city> [days].');
    expect(ana.ephemeral[2]).toContain('/weather <city> [days] — Forecast');
    expect(calls).toHaveLength(1);
    // Bob saw the three commands, no answer and none of the ephemeral replies.
    await new Promise((r) => setTimeout(r, 200));
    expect(bob.ephemeral).toEqual([]);
    expect(bob.messages.filter((m) => m.by === 'bot:forecaster')).toHaveLength(1);
  });

  test('argument injection is only text: an open quote is a usage error, a closed one a literal city; a guest may not run a signed-in command', async () => {
    const calls: string[] = [];
    const bot = weather(await keyFor('Injected'), calls);
    await bot.start();
    // Two bots own /weather now: the room routes it to the first by name ("Forecaster"), so this one gets /say only.
    const guest = await member('Gus', guestToken(node, 'Gus'));
    await guest.room.send('/say hi');
    await until(() => guest.ephemeral.length >= 1);
    expect(guest.ephemeral.at(-1)).toBe('You may not run /say.');
    const calls2: string[] = [];
    const solo = createBot({ url: node.url, key: await keyFor('Solo', ['lobby']), WebSocket, onError: () => {} }).command(
      'city',
      { description: 'Echo a city', args: { name: string() } },
      (ctx) => (calls2.push(ctx.args.name), ctx.reply(`city=[${ctx.args.name}]`)),
    );
    bots.push(solo);
    await solo.start();
    const eve = await member('Eve');
    await eve.room.send('/city "; rm -rf');
    await until(() => eve.ephemeral.length === 1);
    expect(eve.ephemeral[0]).toBe('A quote is left open; usage: /city <name>.');
    await eve.room.send('/city "; rm -rf /"');
    await until(() => eve.messages.some((m) => m.by === 'bot:solo'));
    expect(eve.messages.find((m) => m.by === 'bot:solo')!.body).toBe('city=[; rm -rf /]');
    expect(calls2).toEqual(['; rm -rf /']);
    expect(calls).toEqual([]);
  });

  test('a bot that crashes mid-command answers every command exactly once after it restarts', async () => {
    const key = await keyFor('Phoenix');
    let hang = true;
    const first = createBot({ url: node.url, key, WebSocket, onError: () => {} }).command('n', { description: 'Number', args: { n: int() } }, async (ctx) => {
      await ctx.reply(`answer ${ctx.args.n}`);
      // The second command is answered, then the process "dies" before it records its position.
      if (ctx.args.n === 2 && hang) await new Promise(() => {});
    });
    await first.start();
    const ana = await member('Nia');
    for (const n of [1, 2, 3]) await ana.room.send(`/n ${n}`);
    await until(() => ana.messages.filter((m) => m.by === 'bot:phoenix').length === 2);
    // The crash: the server drops the bot's connection for good (a fatal close, no reconnect).
    for (const s of node.server.hub.sessionsOf('bot:phoenix')) s.conn.close(CloseCode.Unauthorized, 'test: crash');
    await until(async () => (await ana.client.commands('lobby')).find((c) => c.name === 'n')?.online === false);
    hang = false;
    const second = createBot({ url: node.url, key, WebSocket, onError: () => {} }).command('n', { description: 'Number', args: { n: int() } }, (ctx) => ctx.reply(`answer ${ctx.args.n}`));
    bots.push(second);
    await second.start();
    await until(() => ana.messages.filter((m) => m.by === 'bot:phoenix').length >= 3);
    // A reconnect (not a crash) resumes the room without answering anything again.
    for (const s of node.server.hub.sessionsOf('bot:phoenix')) s.conn.close(CloseCode.Reconnect, 'test: reconnect');
    await ana.room.send('/n 4').catch(async () => {
      await until(async () => (await ana.client.commands('lobby')).find((c) => c.name === 'n')?.online === true);
      await ana.room.send('/n 4');
    });
    await until(() => ana.messages.filter((m) => m.by === 'bot:phoenix').length >= 4);
    await new Promise((r) => setTimeout(r, 300));
    const { events } = await ana.room.history({ limit: 200 });
    const answers = events.filter((e) => e.by === 'bot:phoenix' && e.kind === 'msg').map((e) => e.body);
    expect(answers).toEqual(['answer 1', 'answer 2', 'answer 3', 'answer 4']);
  });

  test('messages sent while a bot was down reach its handlers once when it comes back; mentions too', async () => {
    const key = await keyFor('Catcher');
    const seen: string[] = [];
    const make = () =>
      createBot({ url: node.url, key, WebSocket, onError: () => {} })
        .onMessage(/^note /, (ctx) => void seen.push(ctx.event.body!))
        .onMention((ctx) => ctx.reply(`hello ${ctx.user.name}`));
    const first = make();
    await first.start();
    const ana = await member('Tia');
    await ana.room.send('note one');
    await until(() => seen.length === 1);
    await first.stop();
    await ana.room.send('note two');
    await ana.room.send('@Catcher are you there?', { mentions: [{ user: 'bot:catcher', at: 0, len: 8 }] });
    await ana.room.send('note three');
    const second = make();
    bots.push(second);
    await second.start();
    await until(() => seen.length === 3 && ana.messages.some((m) => m.by === 'bot:catcher'));
    expect(seen).toEqual(['note one', 'note two', 'note three']);
    expect(ana.messages.filter((m) => m.by === 'bot:catcher').map((m) => m.body)).toEqual(['hello Tia']);
  });

  test('a command for a bot that is offline is refused in words and nothing is stored; stop() drains the handler in progress', async () => {
    const key = await keyFor('Sleepy');
    let started = false;
    let finished = false;
    const bot = createBot({ url: node.url, key, WebSocket }).command('slow', { description: 'Slow' }, async (ctx) => {
      started = true;
      await new Promise((r) => setTimeout(r, 300));
      await ctx.reply('done');
      finished = true;
    });
    await bot.start();
    const ana = await member('Ola');
    await ana.room.send('/slow');
    await until(() => started);
    await bot.stop();
    expect(finished).toBe(true);
    await until(() => ana.messages.some((m) => m.by === 'bot:sleepy' && m.body === 'done'));
    const before = (await ana.room.history({ limit: 1 })).events[0]!.seq;
    await expect(ana.room.send('/slow')).rejects.toMatchObject({ code: ErrorCode.BotOffline, message: 'Sleepy is offline: /slow was not sent' });
    expect((await ana.room.history({ limit: 1 })).events[0]!.seq).toBe(before);
    // Text that is no published command still goes through.
    await expect(ana.room.send('/shrug whatever')).resolves.toMatchObject({ duplicate: false });
  });
});
