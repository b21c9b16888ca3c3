// Edits, deletes, reactions, replies, threads and mentions through the SDK against the fake server:
// what goes on the wire, the typed errors, the events, and the outbox's guarantees for changes
// (call order, pacing with sends, retry across a reconnect).
import { describe, expect, it } from 'vitest';
import {
  ForbiddenError,
  InvalidRequestError,
  LimitReachedError,
  NotFoundError,
  TooLateError,
  type ChangeContext,
  type RoomEvents,
} from '../src/index.js';
import { ErrorCode, EventKind, Op } from '../src/protocol/index.js';
import { makeClient, record, sleep, startServer } from './helpers.js';

async function setup(serverOptions: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer(serverOptions);
  server.createRoom('lobby', 'public', ['alice', 'bob']);
  const client = makeClient(server, { requestTimeoutMs: 5000 });
  await client.connect();
  const room = await client.join('lobby');
  return { server, client, room };
}

/** Records one room event type of a room handle. */
function recordRoom<K extends keyof RoomEvents>(room: { on: (k: K, l: (c: RoomEvents[K]) => void) => () => void }, name: K): RoomEvents[K][] {
  const seen: RoomEvents[K][] = [];
  room.on(name, (ctx) => seen.push(ctx));
  return seen;
}

describe('changes to messages', () => {
  it('edits, reacts and deletes: each resolves with the stored change and arrives as its own event, in seq order', async () => {
    const { client, room } = await setup();
    const edits = recordRoom(room, 'edit');
    const deletes = record(client, 'delete');
    const reactions = recordRoom(room, 'reaction');
    const all = record(client, 'event');
    const { seq } = await room.send('hello');

    const edited = await room.edit(seq, 'hello, world');
    const reacted = await room.react(seq, '👍');
    const unreacted = await room.react(seq, '👍', false);
    const deleted = await room.delete(seq);

    expect([edited, reacted, unreacted, deleted].map((a) => [a.seq, a.changed])).toEqual([[seq + 1, true], [seq + 2, true], [seq + 3, true], [seq + 4, true]]);
    await sleep(50);
    const target = (c: ChangeContext) => [c.event.seq, c.target, c.room.id];
    expect(edits.map(target)).toEqual([[seq + 1, seq, 'lobby']]);
    expect(edits[0]!.event.body).toBe('hello, world');
    expect(reactions.map((c) => [c.event.seq, c.event.data])).toEqual([
      [seq + 2, { target: seq, emoji: '👍', on: true }],
      [seq + 3, { target: seq, emoji: '👍', on: false }],
    ]);
    expect(deletes.map(target)).toEqual([[seq + 4, seq, 'lobby']]);
    expect(all.map((c) => c.event.kind).slice(-5)).toEqual([EventKind.Message, EventKind.Edit, EventKind.Reaction, EventKind.Reaction, EventKind.Delete]);
  });

  it('answers a repeated change with changed: false', async () => {
    const { room } = await setup();
    const { seq } = await room.send('hi');
    await room.react(seq, '🎉');

    const again = await room.react(seq, '🎉');
    const sameText = await room.edit(seq, 'hi');

    expect([again.changed, sameText.changed]).toEqual([false, false]);
  });

  it('sends replyTo, thread and mentions with a message and thread/main with a history request', async () => {
    const { server, room } = await setup();
    const root = await room.send('root');

    await room.send('@bob look', { replyTo: root.seq, thread: root.seq, mentions: [{ user: 'bob', at: 0, len: 4 }] });
    await room.history({ thread: root.seq, limit: 10 });
    await room.history({ main: true });

    const sent = server.last.sent(Op.Send).at(-1)!;
    expect(sent).toMatchObject({ body: '@bob look', replyTo: root.seq, thread: root.seq, mentions: [{ user: 'bob', at: 0, len: 4 }] });
    const [threadPage, mainPage] = server.last.sent(Op.History).slice(-2);
    expect(threadPage).toMatchObject({ thread: root.seq, limit: 10 });
    expect(threadPage).not.toHaveProperty('main');
    expect(mainPage).toMatchObject({ main: true });
    expect(mainPage).not.toHaveProperty('thread');
  });

  it('surfaces each refusal as its error class: too_late, forbidden, not_found, limit_reached', async () => {
    const { server, room } = await setup();
    const mine = await room.send('mine');
    const theirs = server.post('lobby', { by: 'bob', body: 'not yours' });
    server.intercept((frame, conn) => {
      if (frame.t === Op.Edit && frame.body === 'late') return conn.error(frame.r, ErrorCode.TooLate, 'edit window over'), true;
      if (frame.t === Op.React && frame.emoji === '🛑') return conn.error(frame.r, ErrorCode.LimitReached, 'too many emoji'), true;
      return false;
    });

    await expect(room.edit(mine.seq, 'late')).rejects.toBeInstanceOf(TooLateError);
    await expect(room.edit(mine.seq, 'late')).rejects.toMatchObject({ code: 'too_late' });
    await expect(room.edit(theirs.seq, 'mine now')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(room.delete(theirs.seq)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(room.react(999, '👍')).rejects.toBeInstanceOf(NotFoundError);
    await expect(room.react(mine.seq, '🛑')).rejects.toBeInstanceOf(LimitReachedError);
    await room.delete(mine.seq);
    await expect(room.edit(mine.seq, 'after delete')).rejects.toBeInstanceOf(NotFoundError);

    // A refused change does not hold the room's queue: the next write goes through.
    expect((await room.send('still here')).seq).toBeGreaterThan(mine.seq);
  });

  it('refuses a change the server would refuse locally, sending nothing: blank or long text, mention outside the text, long emoji, bad seq', async () => {
    const { server, room } = await setup();
    const { seq } = await room.send('text');
    const before = server.last.frames.length;

    const refusals = [
      room.edit(seq, '   '),
      room.edit(seq, 'x'.repeat(4001)),
      room.edit(seq, 'short', { mentions: [{ user: 'bob', at: 3, len: 4 }] }),
      room.send('short', { mentions: [{ user: 'bob', at: 0, len: 0 }] }),
      room.react(seq, 'x'.repeat(33)),
      room.react(seq, ''),
      room.delete(-1),
      room.send('reply', { replyTo: 1.5 }),
    ];

    for (const refusal of refusals) await expect(refusal).rejects.toBeInstanceOf(InvalidRequestError);
    await sleep(50);
    expect(server.last.frames.length).toBe(before);
  });

  it('keeps sends and changes of a room in call order: a toggled reaction ends as last called', async () => {
    const { server, room } = await setup();
    const { seq } = await room.send('target');

    const acks = await Promise.all([room.react(seq, '👍'), room.react(seq, '👍', false), room.send('between'), room.react(seq, '👍'), room.edit(seq, 'edited')]);

    expect(acks.map((a) => a.seq)).toEqual([seq + 1, seq + 2, seq + 3, seq + 4, seq + 5]);
    expect(server.rooms.get('lobby')!.changed.get(seq)).toMatchObject({ body: 'edited', reactions: new Map([['👍', new Set(['alice'])]]) });
  });

  it('sends a change to a message only once the earlier change to it is answered, later writes of the room behind it', async () => {
    const { server, room } = await setup();
    const a = await room.send('a');
    const b = await room.send('b');
    let release: (() => void) | undefined;
    server.intercept((frame, conn) => {
      if (frame.t !== Op.React || frame.seq !== a.seq || release) return false;
      release = () => server.handle(frame, conn);
      return true;
    });

    const writes = [room.react(a.seq, '👍'), room.react(b.seq, '👍'), room.react(a.seq, '👍', false), room.send('c')];
    await server.waitFor(() => server.last.sent(Op.React).length === 2);
    await sleep(100);

    // The change to `b` went ahead; the second change to `a` waits for the first, the send behind it.
    expect(server.last.sent(Op.React).map((f) => [f.seq, f.on])).toEqual([[a.seq, true], [b.seq, true]]);
    expect(server.last.sent(Op.Send).map((f) => f.body)).toEqual(['a', 'b']);
    release!();
    const acks = await Promise.all(writes);
    expect(server.last.sent(Op.React).map((f) => [f.seq, f.on])).toEqual([[a.seq, true], [b.seq, true], [a.seq, false]]);
    expect(acks.map((ack) => ack.seq)).toEqual([b.seq + 2, b.seq + 1, b.seq + 3, b.seq + 4]);
    expect(acks.slice(0, 3).map((ack) => 'changed' in ack && ack.changed)).toEqual([true, true, true]);
  });

  it('re-sends a change in flight when the socket drops; one already stored resolves with changed: false', async () => {
    const { server, room } = await setup();
    const { seq } = await room.send('hello');
    const other = await room.send('other');
    // The first connection applies the edit and the reaction, then dies before either answer leaves.
    const first = server.last;
    server.intercept((frame, conn) => {
      if ((frame.t !== Op.Edit && frame.t !== Op.React) || conn !== first) return false;
      server.handle(frame, conn, { reply: false });
      if (frame.t === Op.React) conn.terminate();
      return true;
    });

    const [edit, react] = await Promise.all([room.edit(seq, 'edited'), room.react(other.seq, '❤️')]);

    const second = server.last;
    expect(second).not.toBe(first);
    expect(second.sent(Op.Edit)).toHaveLength(1);
    expect(second.sent(Op.React)).toHaveLength(1);
    expect([edit.changed, react.changed]).toEqual([false, false]);
    expect(server.rooms.get('lobby')!.events.filter((e) => e.kind !== EventKind.Message && e.kind !== EventKind.Join)).toHaveLength(2);
    await server.waitFor(() => room.lastSeq === other.seq + 2);
  });

  it('paces a burst of reactions with sends below the send rate: nothing refused, no 4006', { timeout: 20_000 }, async () => {
    const { server, room } = await setup({ rateLimits: { sendRate: 20, frameRate: 100 } });
    const { seq } = await room.send('popular');
    const started = Date.now();

    const emoji = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🔥', '👀'];
    const acks = await Promise.all(Array.from({ length: 80 }, (_, i) => room.react(seq, emoji[i % 8]!, Math.floor(i / 8) % 2 === 0)));

    expect(acks.every((a) => a.changed)).toBe(true);
    expect(server.last.rateLimited).toHaveLength(0);
    expect(server.connections).toHaveLength(1);
    expect(server.last.closedWith).toBeUndefined();
    // 80 writes past the client's one second in reserve take at least (80 - 20) / 20 s.
    expect(Date.now() - started).toBeGreaterThan(2500);
  });
});
