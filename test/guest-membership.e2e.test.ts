// Guests in public rooms, once per store: a guest who only looks follows the room live without
// becoming a member; the first message makes them one (join first, then the message); memberships
// of guests end with a `leave` once no token of theirs can be valid.
import { ChatClient } from '@parley/sdk';
import { ErrorCode, Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { guestToken, postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

type Reply = Record<string, any>;

describe.each(kinds)('guests in public rooms (%s)', (kind) => {
  let node: TestNode;
  let host: RawClient;
  const clients: RawClient[] = [];
  /** The token each connection signed in with, to open another tab as the same guest. */
  const tokens = new Map<RawClient, string>();
  const open = async (token: string) => {
    const c = await RawClient.signedIn(node.url, token);
    clients.push(c);
    tokens.set(c, token);
    return c;
  };
  const sameUser = (c: RawClient) => open(tokens.get(c)!);
  const idOf = (c: RawClient) => c.frames.find((f) => f.t === Op.Welcome)!.user.id as string;
  const memberIds = async (room: string) => ((await host.ok({ t: Op.Members, room })).members as Reply[]).map((m) => m.user);
  const eventsSince = async (room: string, after: number) => (await host.ok({ t: Op.History, room, after, limit: 200 })).events as Reply[];

  beforeAll(async () => {
    node = await startNode(kind, { typingTtlMs: 1000 });
    host = await open(userToken('host'));
    await host.ok({ t: Op.Join, room: 'lobby' });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('a guest who only looks follows lobby live without becoming a member or adding to its log', async () => {
    const looker = await open(guestToken(node, 'Looker'));
    const joined = await looker.ok({ t: Op.Join, room: 'lobby' });
    expect(joined.room).toMatchObject({ id: 'lobby', kind: 'public' });
    expect(joined.room.role).toBeUndefined();
    expect(await memberIds('lobby')).not.toContain(idOf(looker));
    expect(await eventsSince('lobby', joined.room.head)).toEqual([]);

    // Messages and typing reach the looker, and the looker's typing reaches the room.
    const ack = await host.ok({ t: Op.Send, room: 'lobby', cid: 'look-1', body: 'anyone watching?' });
    await looker.next((f) => f.t === Op.Event && (f.e as Reply).id === ack.id);
    host.send({ t: Op.Typing, room: 'lobby', on: true });
    await looker.next((f) => f.t === Op.TypingState && f.user === 'host' && f.on === true);
    looker.send({ t: Op.Typing, room: 'lobby', on: true });
    await host.next((f) => f.t === Op.TypingState && f.user === idOf(looker) && f.on === true);

    // A second tab resumes from where the first left off, as the SDK does after a reconnect.
    const tab = await sameUser(looker);
    const resumed = await tab.ok({ t: Op.Subscribe, room: 'lobby', after: joined.room.head });
    expect(resumed.replayed).toBe(1);
    expect(tab.events('lobby').map((e) => e.id)).toEqual([ack.id]);
    expect(await memberIds('lobby')).not.toContain(idOf(looker));
  });

  test('a guest’s first message makes them a member: their join, then the message, next to each other in the log', async () => {
    const talker = await open(guestToken(node, 'Talker'));
    const otherTab = await sameUser(talker);
    const joined = await talker.ok({ t: Op.Join, room: 'lobby' });
    await otherTab.ok({ t: Op.Join, room: 'lobby' });
    const acks = await Promise.all([1, 2, 3].map((i) => talker.ok({ t: Op.Send, room: 'lobby', cid: `talk-${i}`, body: `hello ${i}` })));
    const log = await eventsSince('lobby', joined.room.head);
    const me = idOf(talker);
    expect(log.map((e) => [e.kind, e.by])).toEqual([['join', me], ['msg', me], ['msg', me], ['msg', me]]);
    expect(log.slice(1).map((e) => e.seq)).toEqual(acks.map((a) => a.seq));
    expect(log[1]!.seq).toBe(log[0]!.seq + 1);
    // Both tabs see the join before the first message, and the second tab may send as a member.
    for (const tab of [talker, otherTab]) {
      await tab.next((f) => f.t === Op.Event && (f.e as Reply).id === acks[2]!.id);
      expect(tab.events('lobby').filter((e) => e.by === me).map((e) => e.kind)).toEqual(['join', 'msg', 'msg', 'msg']);
    }
    await otherTab.ok({ t: Op.Send, room: 'lobby', cid: 'talk-4', body: 'from my other tab' });
    expect(await memberIds('lobby')).toContain(me);
    expect((await talker.ok({ t: Op.RoomList })).rooms.map((r: Reply) => [r.id, r.role])).toEqual([['lobby', 'member']]);
  });

  test('through the SDK: a guest’s room has no role until their first message, then it is a member', async () => {
    const client = new ChatClient({ url: node.url, token: guestToken(node, 'Sdk Guest'), WebSocket });
    try {
      await client.connect();
      const lobby = await client.join('lobby');
      expect(lobby.summary?.role).toBeUndefined();
      await lobby.send('hello from the SDK');
      await until(() => lobby.summary?.role === 'member', 5000);
    } finally {
      await client.close();
    }
  });

  test('a guest may not post to a private room by the same route', async () => {
    await host.ok({ t: Op.RoomCreate, kind: 'private', id: 'staff' });
    const guest = await open(guestToken(node, 'Nosy'));
    expect(await guest.request({ t: Op.Send, room: 'staff', cid: 'n1', body: 'hi' })).toMatchObject({ code: ErrorCode.NotFound });
  });

  test('guest memberships of public rooms end with a leave after the guest token lifetime; nothing else does', async () => {
    const guest = await open(guestToken(node, 'Passer-by'));
    const me = idOf(guest);
    await guest.ok({ t: Op.Join, room: 'lobby' });
    await guest.ok({ t: Op.Send, room: 'lobby', cid: 'pass-1', body: 'just passing' });
    await host.ok({ t: Op.Invite, room: 'staff', user: me }); // a private room: its members are the host's business
    const lifetimeMs = (node.config.guestTtl + node.config.jwtClockTolerance) * 1000;
    const head = (await host.ok({ t: Op.History, room: 'lobby', limit: 1 })).events[0].seq as number;

    expect(await node.server.hub.guestExpiry.sweep(Date.now() + lifetimeMs - 60_000)).toBe(0);
    expect(await memberIds('lobby')).toContain(me);

    const ended = await node.server.hub.guestExpiry.sweep(Date.now() + lifetimeMs + 1000);
    expect(ended).toBeGreaterThanOrEqual(1);
    expect(await memberIds('lobby')).not.toContain(me);
    expect(await memberIds('lobby')).toContain('host');
    const log = await eventsSince('lobby', head);
    expect(log.filter((e) => e.by === me).map((e) => e.kind)).toEqual(['leave']);
    await host.next((f) => f.t === Op.Event && (f.e as Reply).kind === 'leave' && (f.e as Reply).by === me);
    expect(await memberIds('staff')).toContain(me);
    // A second sweep finds nothing more to do.
    expect(await node.server.hub.guestExpiry.sweep(Date.now() + lifetimeMs + 1000)).toBe(0);
  });
});
