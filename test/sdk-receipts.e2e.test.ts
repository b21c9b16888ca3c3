// The SDK's read positions against a real server, once per store: client.rooms counts unread and
// mentions live, a read on one device drops them on the other, a reconnect keeps them, markRead is
// throttled, and a direct room shows delivery then "Seen" to the sender.
import { ChatClient, type RoomReadState } from '@parley/sdk';
import { Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];
let counter = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${counter++}`;

describe.each(kinds)('SDK read positions (%s)', (kind) => {
  let node: TestNode;
  const clients: ChatClient[] = [];
  const connect = async (user: string, device?: string): Promise<ChatClient> => {
    const client = new ChatClient({ url: node.url, token: userToken(user), WebSocket, ...(device ? { device } : {}) });
    clients.push(client);
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    node = await startNode(kind);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await node?.destroy();
  });

  test('unread and mentions count live, a read on the phone clears the laptop, and a reconnect keeps the counts', async () => {
    const id = unique('sdk-unread');
    const alice = await connect('alice');
    const phone = await connect('bob');
    const laptop = await connect('bob');
    const room = await alice.createRoom({ kind: 'public', id });
    const onPhone = await phone.join(id);
    const onLaptop = await laptop.join(id);
    const changes: RoomReadState[] = [];
    laptop.rooms.on('change', ({ state }) => {
      if (state.roomId === id) changes.push(state);
    });
    await room.send('hi bob');
    await room.send('@bob look', { mentions: [{ user: 'bob', at: 0, len: 4 }] });
    await until(() => onLaptop.unread === 2 && onPhone.unread === 2);
    expect(onLaptop.mentions).toBe(1);
    expect(laptop.rooms.total).toEqual({ unread: 2, mentions: 1 });
    expect(changes.at(-1)).toMatchObject({ unread: 2, mentions: 1 });
    // Thread replies are not unread in the room, live as on the server; one that mentions bob is a mention.
    const root = await room.send('a thread');
    await room.send('a reply', { thread: root.seq });
    await room.send('@bob a reply for you', { thread: root.seq, mentions: [{ user: 'bob', at: 0, len: 4 }] });
    await until(() => onLaptop.mentions === 2 && onLaptop.lastSeq >= root.seq + 2);
    expect(onLaptop.unread).toBe(3);
    const counted = await connect('bob');
    await counted.listRooms();
    expect(counted.rooms.get(id)).toMatchObject({ unread: 3, mentions: 2 });

    onPhone.markRead();
    await until(() => onLaptop.unread === 0);
    expect(onLaptop.mentions).toBe(0);
    expect(onLaptop.readSeq).toBe(onPhone.lastSeq);

    // The laptop closes, more arrives, it comes back: the counts are the server's, not stale ones.
    await laptop.close();
    await room.send('while you were away');
    await laptop.connect();
    await until(() => onLaptop.unread === 1);
    const fresh = await connect('bob');
    await fresh.listRooms();
    expect(fresh.rooms.get(id)).toMatchObject({ unread: 1, mentions: 0 });

    // Leaving on the phone takes the room out of the laptop's totals too.
    await onPhone.leave();
    await until(() => laptop.rooms.get(id) === undefined);
    expect(laptop.rooms.total).toEqual({ unread: 0, mentions: 0 });
  });

  test('markRead sends at most one read per room per interval, the highest seq winning', async () => {
    const id = unique('sdk-throttle');
    const alice = await connect('alice');
    const bob = await connect('bob');
    const room = await alice.createRoom({ kind: 'public', id });
    const onBob = await bob.join(id);
    for (let i = 0; i < 5; i++) await room.send(`m${i}`);
    await until(() => onBob.unread === 5);
    // Count the reads the server answers, through the frames bob's own other connection is told.
    const watcher = await connect('bob');
    const told: number[] = [];
    watcher.rooms.on('change', ({ state }) => {
      if (state.roomId === id) told.push(state.read);
    });
    await watcher.listRooms();
    told.length = 0;
    const first = onBob.lastSeq - 4;
    onBob.markRead(first);
    await until(() => watcher.rooms.get(id)?.read === first, 5000);
    const sentAt = Date.now();
    for (let seq = first + 1; seq <= onBob.lastSeq; seq++) onBob.markRead(seq);
    await until(() => watcher.rooms.get(id)?.read === onBob.lastSeq, 5000);
    // The first went at once; the other four waited for the interval and went as one read, the last seq.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(800);
    expect(told).toEqual([first, onBob.lastSeq]);
    expect(bob.limits?.readIntervalMs).toBe(1000);
  });

  test('a direct room: the sender sees delivered, then seen', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const dm = await alice.openDirect('bob');
    const onBob = await bob.join(dm.id);
    const sent = await dm.send('are you there?');
    await until(() => (dm.receipts.get('bob')?.delivered ?? 0) >= sent.seq);
    expect(dm.receipts.get('bob')!.seq).toBeLessThan(sent.seq);
    await until(() => onBob.lastSeq >= sent.seq);
    onBob.markRead();
    await until(() => (dm.receipts.get('bob')?.seq ?? 0) >= sent.seq);
    // Known after a reload too.
    const again = await connect('alice');
    const reloaded = await again.join(dm.id);
    expect(reloaded.receipts.get('bob')).toMatchObject({ seq: sent.seq, delivered: sent.seq });
    expect(Op.Read).toBe(29);
  });
});
