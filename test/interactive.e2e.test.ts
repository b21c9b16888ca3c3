// Buttons, selects and streamed replies on raw sockets, on both stores (protocol section 26): what a
// bot attaches is checked; a click reaches the bot once, with the clicking user, and forged ones
// (someone else's ephemeral message, a replayed action id, a button that does not exist) are refused
// in words; a stream fans out coalesced text, is stored once, reaches a late subscriber, times out,
// and refuses a flood of writes.
import { ErrorCode, Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const ADMIN = 'admin-token-for-the-interactive-tests-0123';
const pg = await postgresAvailable();

async function createBot(node: TestNode, name: string): Promise<RawClient> {
  const res = await fetch(node.http + '/v1/admin/bots', {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, rooms: ['lobby'] }),
  });
  const body = (await res.json()) as { key: { key: string } };
  const bot = await RawClient.signedIn(node.url, body.key.key);
  await bot.ok({ t: Op.Join, room: 'lobby' });
  return bot;
}

async function member(node: TestNode, user: string): Promise<RawClient> {
  const c = await RawClient.signedIn(node.url, userToken(user));
  await c.ok({ t: Op.Join, room: 'lobby' });
  return c;
}

/** The room event at `seq`, once it reached `c`. */
async function eventAt(c: RawClient, seq: number): Promise<Record<string, any>> {
  return (await c.next((f) => f.t === Op.Event && (f.e as { seq: number }).seq === seq)).e as Record<string, any>;
}

const BUTTONS = [
  { id: 'yes', type: 'button', label: 'Yes', style: 'primary' },
  { id: 'no', type: 'button', label: 'No', disabled: true },
  { id: 'size', type: 'select', label: 'Size', options: [{ value: 's', label: 'Small' }, { value: 'l', label: 'Large' }] },
];

describe.each<StoreKind>(['pglite', 'postgres'])('interactive messages and streamed replies (%s)', (kind) => {
  let node: TestNode;
  beforeAll(async () => {
    if (kind === 'postgres' && !pg) return;
    node = await startNode(kind, { adminToken: ADMIN, rooms: ['lobby'], streamIdleMs: 1500, streamWriteRate: 5, streamFlushMs: 50 });
  });
  afterAll(async () => {
    await node?.destroy();
  });
  const it = test.skipIf(kind === 'postgres' && !pg);

  it('a bot message carries buttons and selects; only bots attach them, and bad ones are refused in words', async () => {
    const bot = await createBot(node, 'Buttons');
    const ana = await member(node, 'ana');
    const sent = await bot.ok({ t: Op.Send, room: 'lobby', cid: 'b1', body: 'Ship it?', actions: BUTTONS });
    const live = await ana.next((f) => f.t === Op.Event && (f.e as any).seq === sent.seq);
    expect((live.e as any).actions).toEqual(BUTTONS);
    expect((live.e as any).data).toBeUndefined();
    const page = await ana.ok({ t: Op.History, room: 'lobby', after: sent.seq - 1, limit: 1 });
    expect(page.events[0]).toMatchObject({ seq: sent.seq, body: 'Ship it?', actions: BUTTONS });

    const send = (c: RawClient, actions: unknown) => c.request({ t: Op.Send, room: 'lobby', cid: `x${Math.random().toString(36).slice(2)}`, body: 'x', actions });
    expect(await send(ana, [BUTTONS[0]])).toMatchObject({ code: ErrorCode.Forbidden, message: 'only bots may put buttons or selects on a message' });
    expect(await send(bot, [BUTTONS[0], BUTTONS[0]])).toMatchObject({ code: ErrorCode.BadFrame, message: 'actions[1]: id "yes" is used twice on this message' });
    expect(await send(bot, [{ id: 'pick', type: 'select', label: 'Pick' }])).toMatchObject({ code: ErrorCode.BadFrame, message: 'actions[0]: a select needs at least one option' });
    expect(await send(bot, [{ id: 'b', type: 'button', label: 'B', options: [{ value: 'v', label: 'V' }] }])).toMatchObject({ message: 'actions[0]: a button has no options' });
    expect(await send(bot, [{ id: 'b', type: 'button', label: 'x'.repeat(81) }])).toMatchObject({ code: expect.stringMatching(/bad_frame|too_large/) });
    expect(await send(bot, Array.from({ length: 11 }, (_, i) => ({ id: `b${i}`, type: 'button', label: 'B' })))).toMatchObject({ code: expect.stringMatching(/bad_frame|too_large/) });
    expect(await send(bot, [{ id: 'has space', type: 'button', label: 'B' }])).toMatchObject({ code: ErrorCode.BadFrame });
    bot.ws.terminate();
    ana.ws.terminate();
  });

  it('a click reaches the bot once with the clicking user and is acknowledged; the bot disables the buttons; forged clicks are refused', async () => {
    const bot = await createBot(node, 'Clicks');
    const ana = await member(node, 'ana2');
    const bob = await member(node, 'bob2');
    const { seq } = await bot.ok({ t: Op.Send, room: 'lobby', cid: 'c1', body: 'Deploy?', actions: BUTTONS });
    const ack = await ana.ok({ t: Op.Act, room: 'lobby', seq, action: 'yes', aid: 'aid-ana-0001' });
    expect(ack).toMatchObject({ aid: 'aid-ana-0001', ts: expect.any(Number) });
    const got = await bot.next((f) => f.t === Op.Action);
    expect(got).toMatchObject({ room: 'lobby', seq, action: 'yes', aid: 'aid-ana-0001', user: 'ana2', name: 'ana2' });
    expect(await ana.ok({ t: Op.Act, room: 'lobby', seq, action: 'size', value: 'l', aid: 'aid-ana-0002' })).toMatchObject({ aid: 'aid-ana-0002' });
    expect(await bot.next((f) => f.t === Op.Action && f.aid === 'aid-ana-0002')).toMatchObject({ action: 'size', value: 'l' });

    const act = (c: RawClient, frame: Record<string, unknown>) => c.request({ t: Op.Act, room: 'lobby', seq, aid: `aid-${Math.random().toString(36).slice(2, 12)}`, ...frame });
    expect(await ana.request({ t: Op.Act, room: 'lobby', seq, action: 'yes', aid: 'aid-ana-0001' })).toMatchObject({ code: ErrorCode.Replayed });
    expect(await act(ana, { action: 'maybe' })).toMatchObject({ code: ErrorCode.NotFound, message: 'the message has no button or select "maybe"' });
    expect(await act(ana, { action: 'no' })).toMatchObject({ code: ErrorCode.Forbidden, message: '"No" is disabled' });
    expect(await act(ana, { action: 'size', value: 'xl' })).toMatchObject({ code: ErrorCode.NotFound, message: '"size" has no option "xl"' });
    expect(await act(ana, { action: 'size' })).toMatchObject({ code: ErrorCode.BadFrame });
    expect(await act(ana, { action: 'yes', value: 's' })).toMatchObject({ code: ErrorCode.BadFrame });
    expect(await act(ana, { seq: 1, action: 'yes' })).toMatchObject({ code: ErrorCode.NotFound });
    expect(await act(ana, { seq: undefined, action: 'yes' })).toMatchObject({ code: ErrorCode.BadFrame });
    expect(await ana.request({ t: Op.Act, room: 'lobby', seq, action: 'yes', aid: 'short' })).toMatchObject({ code: ErrorCode.BadFrame });
    // Exactly the two good clicks reached the bot.
    await new Promise((r) => setTimeout(r, 100));
    expect(bot.frames.filter((f) => f.t === Op.Action).map((f) => f.aid)).toEqual(['aid-ana-0001', 'aid-ana-0002']);

    // The bot answers by disabling its buttons and changing the text: one edit, in the log and in history.
    const edit = await bot.ok({ t: Op.Edit, room: 'lobby', seq, body: 'Deploying (ana2 said yes)', actions: BUTTONS.map((b) => ({ ...b, disabled: true })) });
    expect(edit.changed).toBe(true);
    const live = await bob.next((f) => f.t === Op.Event && (f.e as any).seq === edit.seq);
    expect(live.e).toMatchObject({ kind: 'edit', data: { target: seq }, actions: [expect.objectContaining({ id: 'yes', disabled: true }), expect.anything(), expect.anything()] });
    const page = await bob.ok({ t: Op.History, room: 'lobby', after: seq - 1, limit: 1 });
    expect(page.events[0]).toMatchObject({ body: 'Deploying (ana2 said yes)', actions: [expect.objectContaining({ disabled: true }), expect.anything(), expect.anything()] });
    expect(await act(bob, { action: 'yes' })).toMatchObject({ code: ErrorCode.Forbidden, message: '"Yes" is disabled' });
    // Someone else's edit of a bot message is refused as before; a same edit changes nothing.
    expect(await bob.request({ t: Op.Edit, room: 'lobby', seq, body: 'x' })).toMatchObject({ code: ErrorCode.Forbidden });
    expect((await bot.ok({ t: Op.Edit, room: 'lobby', seq, body: 'Deploying (ana2 said yes)', actions: BUTTONS.map((b) => ({ ...b, disabled: true })) })).changed).toBe(false);

    // A person's message has no buttons to click; a deleted message has none either.
    const plain = await ana.ok({ t: Op.Send, room: 'lobby', cid: 'p1', body: 'hi' });
    expect(await act(bob, { seq: plain.seq, action: 'yes' })).toMatchObject({ code: ErrorCode.NotFound, message: `message ${plain.seq} has no buttons or selects` });
    await bot.ok({ t: Op.Delete, room: 'lobby', seq });
    expect(await act(bob, { action: 'size', value: 's' })).toMatchObject({ code: ErrorCode.NotFound });

    // An offline bot is said to be offline, and the action id is not spent.
    const other = await bot.ok({ t: Op.Send, room: 'lobby', cid: 'c2', body: 'Again?', actions: [BUTTONS[0]] });
    bot.ws.terminate();
    await until(async () => (await ana.request({ t: Op.Act, room: 'lobby', seq: other.seq, action: 'yes', aid: 'aid-offline-1' })).code === ErrorCode.BotOffline);
    ana.ws.terminate();
    bob.ws.terminate();
  });

  it('the buttons of an ephemeral message work only for the member it was shown to', async () => {
    const bot = await createBot(node, 'Whisper');
    const ana = await member(node, 'ana3');
    const bob = await member(node, 'bob3');
    const eph = await bot.ok({ t: Op.Ephemeral, room: 'lobby', to: 'ana3', body: 'Only you', actions: [BUTTONS[0]] });
    const shown = await ana.next((f) => f.t === Op.EphemeralMessage);
    expect(shown).toMatchObject({ id: eph.id, actions: [BUTTONS[0]] });
    expect(await bob.request({ t: Op.Act, room: 'lobby', eph: eph.id, action: 'yes', aid: 'aid-bob3-001' })).toMatchObject({
      code: ErrorCode.Forbidden,
      message: 'this message was shown to someone else: only they may use its buttons',
    });
    expect(await ana.ok({ t: Op.Act, room: 'lobby', eph: eph.id, action: 'yes', aid: 'aid-ana3-001' })).toMatchObject({ aid: 'aid-ana3-001' });
    expect(await bot.next((f) => f.t === Op.Action)).toMatchObject({ eph: eph.id, user: 'ana3', action: 'yes' });
    expect(await ana.request({ t: Op.Act, room: 'lobby', eph: 'eph_nothing', action: 'yes', aid: 'aid-ana3-002' })).toMatchObject({ code: ErrorCode.NotFound });
    for (const c of [bot, ana, bob]) c.ws.terminate();
  });

  it('a stream fans out coalesced text, is stored once as one message, and a late subscriber gets the text so far', async () => {
    const bot = await createBot(node, 'Streamer');
    const ana = await member(node, 'ana4');
    const { stream } = await bot.ok({ t: Op.StreamStart, room: 'lobby', for: 'ana4' });
    expect(stream).toMatch(/^st_/);
    for (const piece of ['Hel', 'lo, ', 'wor']) expect((await bot.ok({ t: Op.StreamWrite, stream, text: piece })).length).toBeGreaterThan(0);
    await until(() => ana.frames.filter((f) => f.t === Op.Stream).map((f) => f.text).join('') === 'Hello, wor');
    const frames = ana.frames.filter((f) => f.t === Op.Stream);
    expect(frames.length).toBeLessThan(3); // written back to back: coalesced
    expect(frames[0]).toMatchObject({ room: 'lobby', stream, by: 'bot:streamer', name: 'Streamer', at: 0, for: 'ana4' });

    // Someone who subscribes mid-stream gets the text so far, from 0.
    const late = await RawClient.signedIn(node.url, userToken('late4'));
    await late.ok({ t: Op.Subscribe, room: 'lobby' });
    expect(await late.next((f) => f.t === Op.Stream)).toMatchObject({ stream, at: 0, text: 'Hello, wor' });

    // Only the member it is for (or a moderator) stops it; the bot receives the stop.
    const stranger = await member(node, 'stranger4');
    expect(await stranger.request({ t: Op.Act, room: 'lobby', stream, action: 'stop', aid: 'aid-str4-01' })).toMatchObject({ code: ErrorCode.Forbidden });
    expect(await ana.request({ t: Op.Act, room: 'lobby', stream, action: 'go', aid: 'aid-ana4-00' })).toMatchObject({ code: ErrorCode.BadFrame });
    await ana.ok({ t: Op.Act, room: 'lobby', stream, action: 'stop', aid: 'aid-ana4-01' });
    expect(await bot.next((f) => f.t === Op.Action)).toMatchObject({ stream, action: 'stop', user: 'ana4' });

    await bot.ok({ t: Op.StreamWrite, stream, text: 'ld' });
    const end = await bot.ok({ t: Op.StreamEnd, stream });
    expect(end).toMatchObject({ stored: true, seq: expect.any(Number) });
    const done = await ana.next((f) => f.t === Op.StreamDone);
    expect(done).toMatchObject({ stream, reason: 'done', seq: end.seq });
    expect(ana.frames.filter((f) => f.t === Op.Stream).map((f) => f.text).join('')).toBe('Hello, world');
    expect(await eventAt(ana, end.seq)).toMatchObject({ kind: 'msg', body: 'Hello, world', by: 'bot:streamer', data: { stream } });
    expect(ana.events('lobby').filter((e) => e.data?.stream === stream)).toHaveLength(1);
    // History and resume show the one final message; the stream is gone.
    const page = await late.ok({ t: Op.History, room: 'lobby', after: end.seq - 1 });
    expect(page.events).toEqual([expect.objectContaining({ seq: end.seq, body: 'Hello, world' })]);
    expect(await bot.request({ t: Op.StreamWrite, stream, text: 'more' })).toMatchObject({ code: ErrorCode.NotFound });
    expect(await ana.request({ t: Op.Act, room: 'lobby', stream, action: 'stop', aid: 'aid-ana4-02' })).toMatchObject({ code: ErrorCode.NotFound });
    for (const c of [bot, ana, late, stranger]) c.ws.terminate();
  });

  it('a stream that stops getting text is ended and stored by the timeout; a bot leaving ends its streams; floods are refused', async () => {
    const bot = await createBot(node, 'Sleepy');
    const ana = await member(node, 'ana5');
    const user = await RawClient.signedIn(node.url, userToken('nobot5'));
    expect(await user.request({ t: Op.StreamStart, room: 'lobby' })).toMatchObject({ code: ErrorCode.Forbidden });
    const { stream } = await bot.ok({ t: Op.StreamStart, room: 'lobby' });
    await bot.ok({ t: Op.StreamWrite, stream, text: 'half an answer' });
    const done = await ana.next((f) => f.t === Op.StreamDone && f.stream === stream, 5000);
    expect(done).toMatchObject({ reason: 'timeout', seq: expect.any(Number) });
    expect(await eventAt(ana, done.seq as number)).toMatchObject({ body: 'half an answer', data: { stream } });

    // More writes than the rate allows are refused with a time to wait; the text written stays.
    const flood = await bot.ok({ t: Op.StreamStart, room: 'lobby' });
    const replies = await Promise.all(Array.from({ length: 20 }, () => bot.request({ t: Op.StreamWrite, stream: flood.stream, text: 'x' })));
    const limited = replies.filter((r) => r.t === Op.Error);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toMatchObject({ code: ErrorCode.RateLimited, retryAfter: expect.any(Number) });
    const accepted = replies.length - limited.length;
    const ended = await bot.ok({ t: Op.StreamEnd, stream: flood.stream });
    expect((await eventAt(ana, ended.seq)).body).toBe('x'.repeat(accepted));
    // Too much text in all is refused too, and what fits stays.
    const big = await bot.ok({ t: Op.StreamStart, room: 'lobby' });
    const pieces = await Promise.all(Array.from({ length: 5 }, () => bot.request({ t: Op.StreamWrite, stream: big.stream, text: 'y'.repeat(4000) })));
    expect(pieces.filter((r) => r.t === Op.Result)).toHaveLength(4);
    expect(pieces.find((r) => r.t === Op.Error)).toMatchObject({ code: ErrorCode.TooLarge, message: expect.stringContaining('16000') });
    // The bot leaves: the stream ends with what it had.
    bot.ws.terminate();
    const closed = await ana.next((f) => f.t === Op.StreamDone && f.stream === big.stream, 5000);
    expect(closed).toMatchObject({ reason: 'closed' });
    expect((await eventAt(ana, closed.seq as number)).body).toBe('y'.repeat(16000));
    ana.ws.terminate();
    user.ws.terminate();
  });
});
