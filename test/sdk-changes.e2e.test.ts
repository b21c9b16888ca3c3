// The SDK's edit, delete, react, reply, thread and mention API against a real server: a client that
// was away folds its way to exactly the state of one that never left and of a fresh history page;
// refusals arrive as their error classes; a reaction burst is paced, never closed for flooding.
import { ChatClient, ForbiddenError, foldChange, LimitReachedError, NotFoundError, TooLateError, type MessageView, type Room, type RoomEvent } from '@parley/sdk';
import { CloseCode } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { until } from './support/until.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

/** A client with default options (only the WebSocket injected, as Node needs). */
const connect = async (url: string, user: string): Promise<ChatClient> => {
  const client = new ChatClient({ url, token: userToken(user), WebSocket });
  await client.connect();
  return client;
};

/**
 * A room's messages as one client sees them: a history page, then every event it delivers folded in
 * with foldChange, the way an app keeps its timeline.
 */
async function timeline(room: Room, me: string): Promise<Map<number, MessageView>> {
  const views = new Map<number, MessageView>();
  const fold = (event: RoomEvent): void => {
    if (event.kind === 'msg' && !views.has(event.seq)) views.set(event.seq, event);
    const target = event.kind === 'msg' ? event.data?.thread : event.data?.target;
    const view = typeof target === 'number' ? views.get(target) : undefined;
    const next = view && foldChange(view, event, me);
    if (next) views.set(view.seq, next);
  };
  room.on('event', ({ event }) => fold(event));
  for (const event of (await room.history({ limit: 200 })).events) if (event.kind === 'msg') views.set(event.seq, event);
  return views;
}

/** The messages of a fresh history page, keyed by seq. */
async function page(room: Room): Promise<Map<number, MessageView>> {
  const { events } = await room.history({ limit: 200 });
  return new Map(events.filter((e) => e.kind === 'msg').map((e) => [e.seq, e]));
}

/**
 * What two views of a message must agree on. A message no change touched has no `rev` when it came
 * live and its own seq from history: both mean "nothing folded in yet".
 */
const comparable = (views: Map<number, MessageView>) =>
  [...views.values()].sort((a, b) => a.seq - b.seq).map((v) => ({ ...v, rev: v.rev ?? v.seq }));

describe.each(kinds)('SDK message changes (%s)', (kind) => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode(kind);
  });
  afterAll(async () => {
    await node?.destroy();
  });

  test('a client away while messages are edited, deleted, reacted to and answered folds to the state of one that stayed and of a fresh page', { timeout: 60_000 }, async () => {
    const proxy = new TcpProxy(node.server.port);
    await proxy.start();
    const ana = await connect(node.url, 'ana');
    const stayer = await connect(node.url, 'bo');
    const away = await connect(`ws://127.0.0.1:${proxy.port}/ws`, 'bo');
    try {
      const id = `changes-${kind}`;
      const room = await ana.createRoom({ kind: 'public', id });
      const stayerRoom = await stayer.join(id);
      const awayRoom = await away.join(id);
      const m1 = await room.send('lunch at noon?');
      const m2 = await room.send('@bo are you in?', { mentions: [{ user: 'bo', at: 0, len: 3 }] });
      const m3 = await room.send('typo');
      await awayRoom.react(m1.seq, '👍');
      await until(() => awayRoom.lastSeq === m1.seq + 3 && stayerRoom.lastSeq === m1.seq + 3);
      const stayed = await timeline(stayerRoom, 'bo');
      const folded = await timeline(awayRoom, 'bo');
      const changeSeqs = (r: Room) => {
        const seen: number[] = [];
        for (const k of ['edit', 'delete', 'reaction'] as const) r.on(k, ({ event, target }) => void seen.push(event.data?.target === target ? event.seq : -event.seq));
        return seen;
      };
      const awayChanges = changeSeqs(awayRoom);
      const stayerChanges = changeSeqs(stayerRoom);

      await proxy.cut();
      await until(() => away.state === 'reconnecting');
      // While bo's first device is away: ana changes her messages, bo's other device reacts and takes
      // back the reaction the away device made, and the away device queues a reaction of its own.
      await room.edit(m1.seq, 'lunch at 12:30?');
      await room.react(m1.seq, '🎉');
      await room.react(m2.seq, '👍');
      await stayerRoom.react(m2.seq, '❤️');
      const t1 = await room.send('which place?', { thread: m1.seq });
      await room.send('the usual', { thread: m1.seq });
      const r1 = await room.send('re: that', { replyTo: m2.seq });
      const typoFixed = await room.edit(m3.seq, 'typo, fixed');
      await room.delete(m3.seq);
      await room.edit(m2.seq, '@bo @cy are you in?', { mentions: [{ user: 'bo', at: 0, len: 3 }, { user: 'cy', at: 4, len: 3 }] });
      await room.react(m1.seq, '🎉', false);
      await stayerRoom.react(m1.seq, '👍', false);
      await room.react(t1.seq, '👀');
      const queued = awayRoom.react(r1.seq, '🙌');
      const head = (await room.react(m2.seq, '🔥')).seq;

      await proxy.start();
      const ack = await queued;

      expect(ack.changed).toBe(true);
      await until(() => awayRoom.lastSeq === ack.seq && stayerRoom.lastSeq === ack.seq, 30_000);
      expect(ack.seq).toBe(head + 1);
      // Every change event once, in seq order, on the away client (replayed) as on the one that stayed.
      expect(awayChanges).toEqual(stayerChanges);
      expect(awayChanges).toEqual([...new Set(awayChanges)].sort((a, b) => a - b));
      expect(awayChanges).toHaveLength(12);
      const fresh = await page(awayRoom);
      expect(comparable(folded)).toEqual(comparable(stayed));
      expect(comparable(folded)).toEqual(comparable(fresh));
      // And the state is the one intended, not merely the same everywhere.
      const v = (seq: number) => folded.get(seq)!;
      expect(v(m1.seq)).toMatchObject({ body: 'lunch at 12:30?', replies: { count: 2 } });
      expect(v(m1.seq).reactions ?? []).toEqual([]);
      expect(v(m2.seq)).toMatchObject({ body: '@bo @cy are you in?', mentions: [{ user: 'bo' }, { user: 'cy' }] });
      expect(v(m2.seq).reactions).toEqual([
        { emoji: '👍', count: 1, me: false, users: ['ana'] },
        { emoji: '❤️', count: 1, me: true, users: ['bo'] },
        { emoji: '🔥', count: 1, me: false, users: ['ana'] },
      ]);
      expect(v(m3.seq)).toMatchObject({ deleted: true, edited: typoFixed.ts });
      expect(v(m3.seq).body ?? '').toBe('');
      expect(v(r1.seq)).toMatchObject({ data: { replyTo: m2.seq }, reactions: [{ emoji: '🙌', count: 1, me: true }] });
      const thread = await awayRoom.history({ thread: m1.seq });
      expect(thread.events.map((e) => e.body)).toEqual(['which place?', 'the usual']);
    } finally {
      await Promise.all([ana.close(), stayer.close(), away.close()]);
      await proxy.cut();
    }
  });

  test('refusals surface as their error classes and store nothing', async () => {
    const ana = await connect(node.url, 'ana');
    const bo = await connect(node.url, 'bo');
    try {
      const id = `refusals-${kind}`;
      const room = await ana.createRoom({ kind: 'public', id });
      const boRoom = await bo.join(id);
      const mine = await room.send('mine');

      await expect(boRoom.edit(mine.seq, 'not yours')).rejects.toBeInstanceOf(ForbiddenError);
      await expect(boRoom.delete(mine.seq)).rejects.toBeInstanceOf(ForbiddenError);
      await expect(room.edit(mine.seq + 50, 'nothing there')).rejects.toBeInstanceOf(NotFoundError);
      await expect(room.react(1, '👍')).rejects.toBeInstanceOf(NotFoundError); // seq 1 is the room's creation
      await expect(room.react(mine.seq, 'not an emoji')).rejects.toMatchObject({ code: 'bad_frame' });
      const head = (await room.send('another')).seq;
      await room.delete(head);
      await expect(room.edit(head, 'back from the dead')).rejects.toBeInstanceOf(NotFoundError);
      await expect(room.react(head, '👍')).rejects.toBeInstanceOf(NotFoundError);
      // A handle kept after leaving still sends, and the server refuses a non-member.
      await boRoom.leave();
      const left = (await room.history({ limit: 1 })).events[0]!.seq;
      await expect(boRoom.react(mine.seq, '👍')).rejects.toBeInstanceOf(ForbiddenError);

      const { events } = await room.history({ after: left });
      expect(events).toEqual([]);
      expect((await room.history({ before: head + 1, limit: 200 })).events.filter((e) => e.kind === 'edit' || e.kind === 'reaction')).toEqual([]);
    } finally {
      await Promise.all([ana.close(), bo.close()]);
    }
  });

  test('an edit after the edit window fails with TooLateError; a reaction past the distinct-emoji limit with LimitReachedError', { timeout: 60_000 }, async () => {
    const strict = await startNode(kind, { editWindowMs: 1 });
    const ana = await connect(strict.url, 'ana');
    try {
      const room = await ana.join('lobby');
      const { seq } = await room.send('quick');
      const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂🤗'];
      const max = ana.limits!.maxReactionEmoji!;
      expect(max).toBe(20);
      await Promise.all(emoji.slice(0, max).map((e) => room.react(seq, e)));

      await expect(room.edit(seq, 'too late')).rejects.toBeInstanceOf(TooLateError);
      await expect(room.react(seq, emoji[max]!)).rejects.toBeInstanceOf(LimitReachedError);
      const { events } = await room.history();
      expect(events.filter((e) => e.kind === 'reaction')).toHaveLength(max);
      expect(events.filter((e) => e.kind === 'edit')).toHaveLength(0);
      expect(events.find((e) => e.seq === seq)!.reactions).toHaveLength(max);
    } finally {
      await ana.close();
      await strict.destroy();
    }
  });
});

describe('SDK reaction burst', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('pglite');
  });
  afterAll(async () => {
    await node?.destroy();
  });

  test('200 reactions at once from one client all land, paced at the send rate, without a 4006 close', { timeout: 60_000 }, async () => {
    const ana = await connect(node.url, 'ana');
    try {
      const closes: number[] = [];
      ana.on('error', ({ error }) => 'closeCode' in error && closes.push(error.closeCode as number));
      const states: string[] = [];
      ana.on('state', ({ newState }) => states.push(newState));
      const room = await ana.join('lobby');
      const { seq } = await room.send('react to me');
      const emoji = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🔥', '👀', '🙌', '💯'];
      const started = Date.now();

      const acks = await Promise.all(Array.from({ length: 200 }, (_, i) => room.react(seq, emoji[i % 10]!, Math.floor(i / 10) % 2 === 0)));

      const took = Date.now() - started;
      expect(acks.filter((a) => a.changed)).toHaveLength(200);
      expect(closes).not.toContain(CloseCode.RateLimited);
      expect(states).toEqual([]);
      // 200 writes at the announced 10 per second, past one second in reserve.
      expect(took).toBeGreaterThan(((200 - ana.limits!.sendRate) / ana.limits!.sendRate) * 1000 * 0.9);
      const last = (await room.history({ limit: 1 })).events[0]!;
      expect(last.seq).toBe(acks.at(-1)!.seq);
    } finally {
      await ana.close();
    }
  });
});
