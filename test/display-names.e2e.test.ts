// Display names are at most 64 UTF-16 code units everywhere (protocol section 1), as the SDK checks
// them: an emoji name is refused or shortened at a character, and a room whose members have such
// names (or names stored longer by older versions) keeps delivering to SDK clients.
import { ChatClient, type Room } from '@parley/sdk';
import { Op } from '@parley/sdk/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];
const EMOJI = '😀'; // outside the BMP: 2 UTF-16 code units, 1 code point

describe.each(kinds)('display names in UTF-16 code units (%s)', (kind) => {
  let node: TestNode;
  let reader: ChatClient;
  let lobby: Room;
  const received: { name: string; body?: string }[] = [];

  const guest = (name: string) =>
    fetch(`${node.http}/v1/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });

  beforeAll(async () => {
    node = await startNode(kind);
    reader = new ChatClient({ url: node.url, token: userToken('reader', 'Reader'), WebSocket });
    await reader.connect();
    lobby = await reader.join('lobby');
    lobby.on('message', ({ event }) => received.push({ name: event.name, body: event.body }));
  });
  afterAll(async () => {
    await reader?.close();
    await node?.destroy();
  });

  /** Sends `body` as `who` (a signed-in raw client) and waits until the SDK reader shows it. */
  async function says(who: RawClient, body: string): Promise<{ name: string }> {
    await who.ok({ t: Op.Send, room: 'lobby', cid: `c${received.length}-${Date.now()}`, body });
    await expect.poll(() => received.some((m) => m.body === body), { timeout: 10_000 }).toBe(true);
    return received.find((m) => m.body === body)!;
  }

  test('a guest name of 64 emoji (128 code units) is refused; 32 emoji (64 units) are accepted', async () => {
    const long = await guest(EMOJI.repeat(64));
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { message: string } }).error.message).toMatch(/UTF-16 code units/);
    const fits = await guest(EMOJI.repeat(32));
    expect(fits.status).toBe(200);
    const { token, user } = (await fits.json()) as { token: string; user: { name: string } };
    expect(user.name).toBe(EMOJI.repeat(32));
    const c = await RawClient.signedIn(node.url, token);
    await c.ok({ t: Op.Join, room: 'lobby' });
    expect((await says(c, 'from the emoji guest')).name).toBe(EMOJI.repeat(32));
    c.ws.terminate();
  });

  test('a host token\'s long name is shortened at a character, and the room keeps delivering to the SDK', async () => {
    const wide = await RawClient.signedIn(node.url, userToken('wide', EMOJI.repeat(64)));
    expect(wide.frames.find((f) => f.t === Op.Welcome)!.user).toMatchObject({ name: EMOJI.repeat(32) });
    const odd = await RawClient.signedIn(node.url, userToken('odd', 'a'.repeat(63) + EMOJI));
    expect(odd.frames.find((f) => f.t === Op.Welcome)!.user).toMatchObject({ name: 'a'.repeat(63) }); // not half an emoji
    await wide.ok({ t: Op.Join, room: 'lobby' });
    await odd.ok({ t: Op.Join, room: 'lobby' });
    expect((await says(wide, 'wide 1')).name).toBe(EMOJI.repeat(32));
    expect((await says(odd, 'odd 1')).name).toBe('a'.repeat(63));
    expect((await says(wide, 'wide 2')).name).toBe(EMOJI.repeat(32));
    wide.ws.terminate();
    odd.ws.terminate();
  });

  test('a member named by a 100-character user id (invited before ever signing in) does not stall the room', async () => {
    const host = await RawClient.signedIn(node.url, userToken('host'));
    await host.ok({ t: Op.Join, room: 'lobby' });
    const longId = `user-${'x'.repeat(95)}`;
    await host.ok({ t: Op.Invite, room: 'lobby', user: longId });
    expect((await says(host, 'after the invite')).name).toBe('host');
    const { members } = await host.ok({ t: Op.Members, room: 'lobby' });
    expect(members.find((m: { user: string }) => m.user === longId).name).toBe(longId.slice(0, 64));
    host.ws.terminate();
  });
});

describe.skipIf(!kinds.includes('postgres'))('names stored longer by an older version (postgres)', () => {
  let node: TestNode;
  let db: pg.Client;
  beforeAll(async () => {
    node = await startNode('postgres');
    db = new pg.Client({ connectionString: node.config.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await node?.destroy();
  });

  test('reach SDK clients shortened, in history and live', async () => {
    const old = await RawClient.signedIn(node.url, userToken('old-timer', 'Old'));
    await old.ok({ t: Op.Join, room: 'lobby' });
    await old.ok({ t: Op.Send, room: 'lobby', cid: 'before', body: 'stored long ago' });
    old.ws.terminate();
    // What 64 code points used to allow: a name of 128 code units in the log (users and rooms are
    // shortened by migration 5, see server/test/store.test.ts).
    await db.query(`UPDATE ${node.config.dbSchema}.events SET author_name = $1 WHERE author = 'old-timer'`, [EMOJI.repeat(64)]);

    const reader = new ChatClient({ url: node.url, token: userToken('reader2', 'Reader'), WebSocket });
    try {
      await reader.connect();
      const lobby = await reader.join('lobby');
      const page = await lobby.history({ limit: 50 });
      const stored = page.events.find((e) => e.body === 'stored long ago')!;
      expect(stored.name).toBe(EMOJI.repeat(32));
      const live = new Promise<string>((resolve) => lobby.on('message', ({ event }) => event.body === 'still here' && resolve(event.name)));
      const back = await RawClient.signedIn(node.url, userToken('old-timer', 'Old'));
      await back.ok({ t: Op.Send, room: 'lobby', cid: 'after', body: 'still here' });
      expect(await live).toBe('Old');
      back.ws.terminate();
    } finally {
      await reader.close();
    }
  });
});
