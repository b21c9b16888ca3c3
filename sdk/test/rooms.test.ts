// The room API as an app sees it: creating, listing, joining and leaving rooms, members, history,
// renames, profiles, typing and presence.
import { describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, NotFoundError } from '../src/index.js';
import { Op } from '../src/protocol/index.js';
import { makeClient, record, seqs, sleep, startServer } from './helpers.js';

describe('rooms', () => {
  it('creates a room, follows it from its head and lists it', async () => {
    const server = await startServer();
    const client = makeClient(server);
    const events = record(client, 'event');
    await client.connect();

    const room = await client.createRoom({ kind: 'private', id: 'design', name: 'Design', members: ['bob'] });

    expect(room.id).toBe('design');
    expect(room.joined).toBe(true);
    expect(room.summary).toMatchObject({ id: 'design', name: 'Design', kind: 'private', role: 'owner', members: 2 });
    // The creation events (room, join, join) are history, not news.
    expect(room.lastSeq).toBe(3);
    expect(client.room('design')).toBe(room);
    expect(client.joinedRooms()).toEqual([room]);
    await expect(client.createRoom({ kind: 'public', id: 'design' })).rejects.toBeInstanceOf(ConflictError);
    expect((await client.listRooms()).rooms.map((r) => r.id)).toEqual(['design']);
    expect(await client.listRooms('public')).toEqual({ rooms: [] });
    const page = await room.history();
    expect(page.events.map((e) => e.kind)).toEqual(['room', 'join', 'join']);
    expect(seqs(events)).toEqual([]);
  });

  it('lists rooms a page at a time, following next', async () => {
    const server = await startServer();
    for (const id of ['a', 'b', 'c', 'd', 'e']) server.createRoom(id);
    const client = makeClient(server);
    await client.connect();

    const first = await client.listRooms('public', { limit: 2 });
    const second = await client.listRooms('public', { limit: 2, cursor: first.next });
    const last = await client.listRooms('public', { limit: 2, cursor: second.next });

    expect([first, second, last].map((p) => p.rooms.map((r) => r.id))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(last.next).toBeUndefined();
    expect(server.last.sent(Op.RoomList).map((f) => [f.scope, f.limit, f.cursor])).toEqual([
      ['public', 2, undefined],
      ['public', 2, first.next],
      ['public', 2, second.next],
    ]);
    await expect(client.listRooms('public', { limit: 1001 })).rejects.toMatchObject({ code: 'too_large' });
    expect(server.last.sent(Op.RoomList)).toHaveLength(3);
  });

  it('opens the same direct room twice', async () => {
    const server = await startServer();
    const client = makeClient(server);
    await client.connect();

    const first = await client.openDirect('bob');
    const again = await client.openDirect('bob');

    expect(first.id).toBe('dm:alice.bob');
    expect(again).toBe(first);
  });

  it('joins rooms, fails clearly for unknown and forbidden ones, and leaves', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    server.createRoom('secret', 'private', ['bob']);
    const client = makeClient(server);
    await client.connect();

    await expect(client.join('nowhere')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.join('secret')).rejects.toBeInstanceOf(ForbiddenError);
    expect(client.room('secret')).toBeUndefined();
    const room = await client.join('lobby');
    expect(await client.join('lobby')).toBe(room);

    await room.leave();

    expect(room.joined).toBe(false);
    expect(client.joinedRooms()).toEqual([]);
    server.last.terminate();
    await server.waitFor(() => server.connections[1]?.user && client.state === 'connected');
    await sleep(30);
    expect(server.connections[1]!.sent(Op.Subscribe)).toHaveLength(0);
  });

  it('lists members, invites, renames and reads history pages', async () => {
    const server = await startServer();
    const client = makeClient(server);
    await client.connect();
    const room = await client.createRoom({ kind: 'private', id: 'team', name: 'Team' });

    await room.invite('carol');
    const renamed = await room.rename('The Team');

    expect(renamed.name).toBe('The Team');
    expect(room.summary?.name).toBe('The Team');
    expect((await room.members()).map((m) => [m.user, m.role])).toEqual([['alice', 'owner'], ['carol', 'member']]);
    await server.waitFor(() => room.lastSeq === 4);
    const older = await room.history({ before: 4, limit: 2 });
    expect(older.events.map((e) => e.seq)).toEqual([2, 3]);
    expect(older.more).toBe(true);
    const newer = await room.history({ after: 2 });
    expect(newer.events.map((e) => e.seq)).toEqual([3, 4]);
  });

  it('updates the summary name from room events', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    const client = makeClient(server);
    await client.connect();
    const room = await client.join('lobby');

    server.post('lobby', { kind: 'room', data: { name: 'Main hall' } });

    await server.waitFor(() => room.summary?.name === 'Main hall');
  });
});

describe('people', () => {
  it('changes the display name and reports profile changes in rooms', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    const client = makeClient(server);
    const profiles = record(client, 'profile');
    await client.connect();
    const room = await client.join('lobby');

    const user = await client.setName('Alice Liddell');
    server.last.send({ t: Op.Profile, room: 'lobby', user: 'bob', name: 'Robert' });

    expect(user.name).toBe('Alice Liddell');
    expect(client.user?.name).toBe('Alice Liddell');
    await server.waitFor(() => profiles.length === 1);
    expect(profiles[0]).toEqual({ room, user: 'bob', name: 'Robert' });
  });

  it('throttles typing, relays others typing and hides its own', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    const client = makeClient(server);
    const typing = record(client, 'typing');
    await client.connect();
    const room = await client.join('lobby');
    const perRoom: unknown[] = [];
    room.on('typing', (ctx) => perRoom.push(ctx));

    room.typing(true);
    room.typing(true);
    room.typing(true);
    room.typing(false);
    room.typing(false);
    server.last.send({ t: Op.TypingState, room: 'lobby', user: 'alice', name: 'alice', on: true });
    server.last.send({ t: Op.TypingState, room: 'lobby', user: 'bob', name: 'Bob', on: true });

    await server.waitFor(() => server.last.sent(Op.Typing).length === 2 && typing.length === 1);
    expect(server.last.sent(Op.Typing).map((f) => f.on)).toEqual([true, false]);
    expect(typing).toEqual([{ room, user: 'bob', name: 'Bob', on: true }]);
    expect(perRoom).toEqual(typing);
  });

  it('types in a thread apart from the room, and relays the thread of others typing', async () => {
    const server = await startServer({ features: ['threads'] });
    server.createRoom('lobby');
    const client = makeClient(server);
    const typing = record(client, 'typing');
    await client.connect();
    const room = await client.join('lobby');

    // Each place has its own throttle: typing in thread 5 does not swallow typing in the room.
    room.typing(true, { thread: 5 });
    room.typing(true, { thread: 5 });
    room.typing(true);
    room.typing(false, { thread: 7 }); // never on there: nothing to stop
    room.typing(false, { thread: 5 });
    server.last.send({ t: Op.TypingState, room: 'lobby', user: 'bob', name: 'Bob', on: true, thread: 5 });
    server.last.send({ t: Op.TypingState, room: 'lobby', user: 'bob', name: 'Bob', on: true });

    await server.waitFor(() => server.last.sent(Op.Typing).length === 3 && typing.length === 2);
    expect(server.last.sent(Op.Typing)).toEqual([
      { t: Op.Typing, room: 'lobby', on: true, thread: 5 },
      { t: Op.Typing, room: 'lobby', on: true },
      { t: Op.Typing, room: 'lobby', on: false, thread: 5 },
    ]);
    expect(typing).toEqual([
      { room, user: 'bob', name: 'Bob', on: true, thread: 5 },
      { room, user: 'bob', name: 'Bob', on: true },
    ]);
  });

  it('does not send typing in a thread to a server without threads', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    const client = makeClient(server);
    await client.connect();
    const room = await client.join('lobby');

    room.typing(true, { thread: 5 });
    room.typing(true);
    await server.waitFor(() => server.last.sent(Op.Typing).length === 1);
    await room.history(); // a round trip: anything sent before it has arrived
    expect(server.last.sent(Op.Typing)).toEqual([{ t: Op.Typing, room: 'lobby', on: true }]);
  });

  it('reports presence and re-applies away after a reconnect', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    const client = makeClient(server);
    const presence = record(client, 'presence');
    await client.connect();
    const room = await client.join('lobby');

    client.setPresence('away');
    server.last.send({ t: Op.Presence, room: 'lobby', user: 'bob', name: 'Bob', state: 'away' });
    await server.waitFor(() => presence.length === 1);
    expect(presence[0]).toEqual({ room, user: 'bob', name: 'Bob', state: 'away' });
    expect(server.last.sent(Op.SetPresence)).toEqual([{ t: Op.SetPresence, state: 'away' }]);

    server.last.terminate();
    await server.waitFor(() => server.connections[1]?.sent(Op.SetPresence).length);
    expect(server.connections[1]!.sent(Op.SetPresence)).toEqual([{ t: Op.SetPresence, state: 'away' }]);
  });

  it('delivers room-scoped events to the room handle only for its own room', async () => {
    const server = await startServer();
    server.createRoom('a');
    server.createRoom('b');
    const client = makeClient(server);
    await client.connect();
    const a = await client.join('a');
    await client.join('b');
    const seen: string[] = [];
    const off = a.on('message', ({ event }) => seen.push(`${event.room}:${event.body}`));

    server.post('b', { body: 'for b' });
    server.post('a', { body: 'for a' });
    await server.waitFor(() => a.lastSeq === 2 && client.room('b')!.lastSeq === 2);
    off();
    server.post('a', { body: 'after off' });
    await server.waitFor(() => a.lastSeq === 3);

    expect(seen).toEqual(['a:for a']);
  });
});
