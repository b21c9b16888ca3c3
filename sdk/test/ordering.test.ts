// Exactly-once, in-order delivery per room: duplicates, reordering, holes filled from history,
// resume after reconnect, and the loud reset when the server cannot replay.
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../src/index.js';
import { EventKind, Op } from '../src/protocol/index.js';
import { makeClient, record, seqs, sleep, startServer } from './helpers.js';

async function joinedLobby(options: Parameters<typeof startServer>[0] = {}, clientOptions: Parameters<typeof makeClient>[1] = {}) {
  const server = await startServer(options);
  server.createRoom('lobby');
  const client = makeClient(server, clientOptions);
  const events = record(client, 'event');
  await client.connect();
  const room = await client.join('lobby');
  // Joining appended alice's own join event at seq 1, which is the starting point, not news.
  expect(room.lastSeq).toBe(1);
  return { server, client, events, room };
}

describe('ordering', () => {
  it('delivers out-of-order and duplicate events exactly once, in seq order', async () => {
    const { server, client, events, room } = await joinedLobby({}, { gapFillDelayMs: 500 });
    const messages = record(client, 'message');
    const log = [2, 3, 4, 5, 6].map((seq) => server.append('lobby', seq === 4 ? { kind: 'reaction', data: { emoji: '+1' } } : {}));

    for (const seq of [3, 2, 2, 6, 5, 4, 3, 6, 1]) server.last.event(log[seq - 2] ?? server.rooms.get('lobby')!.events[0]!);

    await server.waitFor(() => room.lastSeq === 6);
    await sleep(30);
    expect(seqs(events)).toEqual([2, 3, 4, 5, 6]);
    // Unknown kinds advance the seq but are not messages.
    expect(messages.map((m) => m.event.seq)).toEqual([2, 3, 5, 6]);
    expect(events.every((e) => e.room === room)).toBe(true);
    expect(server.last.sent(Op.History)).toHaveLength(0);
  });

  it('fills a hole from history when the missing events do not arrive', async () => {
    const { server, events, room } = await joinedLobby();
    const log = [2, 3, 4, 5, 6].map(() => server.append('lobby'));

    for (const e of [log[0]!, log[3]!, log[4]!]) server.last.event(e);

    await server.waitFor(() => room.lastSeq === 6);
    expect(seqs(events)).toEqual([2, 3, 4, 5, 6]);
    expect(server.last.sent(Op.History)).toEqual([expect.objectContaining({ room: 'lobby', after: 2 })]);
  });

  it('pages through history while the hole stays open', async () => {
    const { server, events, room } = await joinedLobby({ historyPage: 2 });
    for (let seq = 2; seq <= 9; seq++) server.append('lobby');
    const tenth = server.append('lobby');

    server.last.event(tenth);

    await server.waitFor(() => room.lastSeq === 10);
    expect(seqs(events)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(server.last.sent(Op.History).map((f) => f.after)).toEqual([1, 3, 5, 7]);
  });

  it('waits for a reordered event instead of fetching history when it arrives in time', async () => {
    const { server, events, room } = await joinedLobby({}, { gapFillDelayMs: 300 });
    const [two, three] = [server.append('lobby'), server.append('lobby')];

    server.last.event(three);
    await sleep(100);
    expect(seqs(events)).toEqual([]);
    server.last.event(two);

    await server.waitFor(() => room.lastSeq === 3);
    await sleep(350);
    expect(server.last.sent(Op.History)).toHaveLength(0);
  });

  it('raises an error and a reset instead of skipping a hole that history cannot fill', async () => {
    const { server, client, events, room } = await joinedLobby();
    const resets = record(client, 'reset');
    const errors = record(client, 'error');
    server.intercept((frame, conn) => {
      if (frame.t !== Op.History) return false;
      conn.result(frame.r, { events: [], more: false });
      return true;
    });
    server.append('lobby');
    const three = server.append('lobby');

    server.last.event(three);

    await server.waitFor(() => room.lastSeq === 3);
    expect(resets).toEqual([{ room, head: 2 }]);
    expect(errors[0]!.error).toBeInstanceOf(ProtocolError);
    expect(seqs(events)).toEqual([3]);
  });
});

describe('resume', () => {
  it('replays what was missed while live events interleave, delivering each once', async () => {
    const { server, events, room } = await joinedLobby();
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Subscribe) return false;
      // A live event overtakes the replay, as it can across server nodes.
      conn.event(server.rooms.get('lobby')!.events[4]!);
      server.handle(frame, conn);
      conn.event(server.rooms.get('lobby')!.events[2]!);
      return true;
    });

    server.last.terminate();
    for (let i = 0; i < 4; i++) server.append('lobby');

    await server.waitFor(() => room.lastSeq === 5);
    await sleep(30);
    expect(seqs(events)).toEqual([2, 3, 4, 5]);
    expect(server.last.sent(Op.Subscribe)).toEqual([expect.objectContaining({ room: 'lobby', after: 1 })]);
  });

  it('emits reset and jumps to the head when the server answers the resume with gap:true', async () => {
    const { server, client, events, room } = await joinedLobby({ resumeLimit: 5 });
    const resets = record(client, 'reset');

    server.last.terminate();
    for (let i = 0; i < 10; i++) server.append('lobby');

    await server.waitFor(() => resets.length > 0);
    expect(resets).toEqual([{ room, head: 11 }]);
    expect(room.lastSeq).toBe(11);
    expect(seqs(events)).toEqual([]);

    server.post('lobby');
    await server.waitFor(() => room.lastSeq === 12);
    expect(seqs(events)).toEqual([12]);
  });

  it('stops following a room after its own leave event arrives from another device', async () => {
    const { server, client, room } = await joinedLobby();
    server.post('lobby', { kind: EventKind.Leave, by: 'alice', name: 'alice' });
    server.rooms.get('lobby')!.members.delete('alice');
    await server.waitFor(() => room.lastSeq === 2);

    expect(room.joined).toBe(false);
    expect(client.room('lobby')).toBeUndefined();
    server.last.terminate();
    await server.waitFor(() => server.connections[1]?.user && client.state === 'connected');
    await sleep(30);
    expect(server.connections[1]!.sent(Op.Subscribe)).toHaveLength(0);
  });
});
