// Rooms through the SDK against a real node: being added (DM, invite) is announced live, and the
// added user can follow the room and chat at once.
import { ChatClient, type AddedContext } from '@parley/sdk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

describe.each(kinds)('being added to rooms (%s)', (kind) => {
  let node: TestNode;
  const clients: ChatClient[] = [];
  const connect = async (sub: string, name: string) => {
    const c = new ChatClient({ url: node.url, token: userToken(sub, name), WebSocket });
    clients.push(c);
    await c.connect();
    return c;
  };
  const nextAdded = (c: ChatClient) => new Promise<AddedContext>((resolve) => c.once('added', resolve));

  beforeAll(async () => {
    node = await startNode(kind);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await node?.destroy();
  });

  test('a direct message reaches someone who has never opened the conversation', async () => {
    const ana = await connect(`ana-${kind}`, 'Ana');
    const ben = await connect(`ben-${kind}`, 'Ben');
    const added = nextAdded(ben);
    const dm = await ana.openDirect(`ben-${kind}`);
    const { roomId, by } = await added;
    expect(roomId).toBe(dm.id);
    expect(by).toBe(`ana-${kind}`);
    const benRoom = await ben.join(roomId);
    const got = new Promise<string | undefined>((resolve) => benRoom.on('message', ({ event: e }) => resolve(e.body)));
    await dm.send('psst, Ben');
    expect(await got).toBe('psst, Ben');
  });

  test('an invite to a private room is announced to every tab of the invitee', async () => {
    const owner = await connect(`own-${kind}`, 'Owner');
    const tab1 = await connect(`guest-${kind}`, 'Guest');
    const tab2 = await connect(`guest-${kind}`, 'Guest');
    const room = await owner.createRoom({ kind: 'private', id: `priv-${kind}`, name: 'Private' });
    const both = Promise.all([nextAdded(tab1), nextAdded(tab2)]);
    await room.invite(`guest-${kind}`);
    const [a, b] = await both;
    expect(a.roomId).toBe(`priv-${kind}`);
    expect(b.roomId).toBe(`priv-${kind}`);
    const joined = await tab1.join(a.roomId);
    expect(joined.summary).toMatchObject({ kind: 'private', role: 'member' });
  });
});
