// Abuse of rooms on a real node, once per store: room-list squatting, room caps and creation pace,
// who may add whom, one answer for missing and hidden rooms, and rooms whose owner leaves.
import { ChatClient } from '@parley/sdk';
import { ErrorCode, Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { guestToken, postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

type Reply = Record<string, any>;
const ids = (rooms: { id: string }[]) => rooms.map((r) => r.id);

/** Signs raw clients in to the suite's node (read when called) and drops them all at the end. */
function rawClients(node: () => TestNode) {
  const all: RawClient[] = [];
  return {
    async open(token: string): Promise<RawClient> {
      const c = await RawClient.signedIn(node().url, token);
      all.push(c);
      return c;
    },
    dropAll(): void {
      for (const c of all) c.ws.terminate();
    },
  };
}

describe.each(kinds)('room lists and room creation (%s)', (kind) => {
  let node: TestNode;
  const clients = rawClients(() => node);
  const open = clients.open;
  const httpRooms = async (query = '') => {
    const res = await fetch(`${node.http}/v1/rooms${query}`, { headers: { authorization: `Bearer ${userToken('http-reader')}` } });
    return { status: res.status, body: (await res.json()) as Reply };
  };

  beforeAll(async () => {
    // Default room limits; a high frame rate so that only the room limits can stop the squatter.
    node = await startNode(kind, { rooms: ['lobby', 'welcome'], frameRate: 10_000 });
  });
  afterAll(async () => {
    clients.dropAll();
    await node?.destroy();
  });

  test('a guest creating 1,001 public rooms hides neither lobby nor welcome, and stops at the guest cap', async () => {
    const squatter = await open(guestToken(node, 'Squatter'));
    let created = 0;
    let refusal: Reply | undefined;
    for (let i = 0; i < 1001 && !refusal; i++) {
      // Ids that sort before "lobby", as the squatter chose them.
      const reply = await squatter.request({ t: Op.RoomCreate, kind: 'public', id: `a-${String(i).padStart(4, '0')}` });
      if (reply.t === Op.Error) refusal = reply;
      else created++;
    }
    const first = await squatter.ok({ t: Op.RoomList, scope: 'public' });
    expect(ids(first.rooms).slice(0, 2)).toEqual(['lobby', 'welcome']);
    const overHttp = await httpRooms();
    expect(ids(overHttp.body.rooms).slice(0, 2)).toEqual(['lobby', 'welcome']);
    expect(created).toBe(3);
    expect(refusal).toMatchObject({ code: ErrorCode.LimitReached, message: 'you have created 3 rooms, the most this server allows guests' });
    expect((await squatter.request({ t: Op.Join, room: 'a-0003' })).code).toBe(ErrorCode.NotFound);
  }, 180_000);

  test('welcome announces the caller’s room cap and the creation pace', async () => {
    const guest = await open(guestToken(node));
    const user = await open(userToken('announced'));
    const limits = (c: RawClient) => c.frames.find((f) => f.t === Op.Welcome)!.limits as Reply;
    expect(limits(guest)).toMatchObject({ maxCreatedRooms: 3, roomCreatesPerMinute: 10 });
    expect(limits(user)).toMatchObject({ maxCreatedRooms: 1000, roomCreatesPerMinute: 10 });
  });

  test('creating rooms faster than the pace is rate_limited with retryAfter, and that room is not created', async () => {
    const hasty = await open(userToken('hasty'));
    for (let i = 0; i < 10; i++) await hasty.ok({ t: Op.RoomCreate, kind: 'private', id: `hasty-${i}` });
    const refused = await hasty.request({ t: Op.RoomCreate, kind: 'private', id: 'hasty-10' });
    expect(refused).toMatchObject({ t: Op.Error, code: ErrorCode.RateLimited, message: expect.stringMatching(/more than 10 rooms a minute/) });
    expect(refused.retryAfter).toBeGreaterThan(0);
    expect(refused.retryAfter).toBeLessThanOrEqual(6000);
    expect((await hasty.request({ t: Op.Join, room: 'hasty-10' })).code).toBe(ErrorCode.NotFound);
    // Another user's pace is their own.
    const calm = await open(userToken('calm'));
    await calm.ok({ t: Op.RoomCreate, kind: 'private', id: 'calm-0' });
  });

  test('room lists page with a cursor: server rooms first, then every other room once, in id order', async () => {
    const made: string[] = [];
    for (let u = 0; u < 6; u++) {
      const maker = await open(userToken(`maker-${u}`));
      for (let i = 0; i < 3; i++) {
        const id = `m${u}-${i}`;
        await maker.ok({ t: Op.RoomCreate, kind: 'public', id });
        made.push(id);
      }
      await maker.ok({ t: Op.RoomCreate, kind: 'private', id: `hidden-${u}` });
    }
    const reader = await open(userToken('reader'));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await reader.ok({ t: Op.RoomList, scope: 'public', limit: 5, ...(cursor ? { cursor } : {}) });
      expect(page.rooms.length).toBeLessThanOrEqual(5);
      seen.push(...ids(page.rooms));
      cursor = page.next;
    } while (cursor);
    const whole = await reader.ok({ t: Op.RoomList, scope: 'public' });
    expect(whole.next).toBeUndefined();
    expect(seen).toEqual(ids(whole.rooms));
    expect(seen.slice(0, 2)).toEqual(['lobby', 'welcome']);
    const rest = seen.slice(2);
    expect(rest).toEqual([...rest].sort());
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of made) expect(seen).toContain(id);
    expect(seen.filter((id) => id.startsWith('hidden-'))).toEqual([]);

    const overHttp: string[] = [];
    let next: string | undefined;
    do {
      const { status, body } = await httpRooms(`?limit=4${next ? `&cursor=${next}` : ''}`);
      expect(status).toBe(200);
      overHttp.push(...ids(body.rooms));
      next = body.next;
    } while (next);
    expect(overHttp).toEqual(seen);
  });

  test('the joined list pages the same way, with the caller’s role', async () => {
    const member = await open(userToken('member-of-many'));
    await member.ok({ t: Op.Join, room: 'welcome' });
    for (let i = 0; i < 4; i++) await member.ok({ t: Op.RoomCreate, kind: 'private', id: `mine-${i}` });
    const pages: Reply[] = [];
    let cursor: string | undefined;
    do {
      const page = await member.ok({ t: Op.RoomList, limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(page);
      cursor = page.next;
    } while (cursor);
    expect(pages).toHaveLength(3);
    const rooms = pages.flatMap((p) => p.rooms);
    expect(ids(rooms)).toEqual(['welcome', 'mine-0', 'mine-1', 'mine-2', 'mine-3']);
    expect(rooms.map((r) => r.role)).toEqual(['member', 'owner', 'owner', 'owner', 'owner']);
  });

  test('a cursor the server did not hand out, and a page size out of range, are refused clearly', async () => {
    const c = await open(userToken('careless'));
    const forged = Buffer.from('xlobby').toString('base64url');
    for (const cursor of ['not a cursor!', forged, Buffer.from('s').toString('base64url')]) {
      expect(await c.request({ t: Op.RoomList, cursor })).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame, message: expect.stringMatching(/cursor/) });
    }
    expect(await c.request({ t: Op.RoomList, cursor: 'c'.repeat(129) })).toMatchObject({ code: ErrorCode.TooLarge });
    expect(await c.request({ t: Op.RoomList, limit: 0 })).toMatchObject({ code: ErrorCode.BadFrame });
    expect(await c.request({ t: Op.RoomList, limit: 1001 })).toMatchObject({ code: ErrorCode.TooLarge });
    for (const query of ['?limit=0', '?limit=1001', '?limit=two', `?cursor=${forged}`, '?cursor=%25%25']) {
      const { status, body } = await httpRooms(query);
      expect(status, query).toBe(400);
      expect(body.error.code).toBe('bad_request');
    }
    expect((await c.ok({ t: Op.RoomList, scope: 'public', limit: 1 })).rooms).toHaveLength(1);
  });

  test('a guest cannot invite anyone, create a room with members, or open a direct room; nobody hears of it', async () => {
    const famous = await open(userToken('famous'));
    const guest = await open(guestToken(node, 'Pest'));
    await guest.ok({ t: Op.RoomCreate, kind: 'public', id: 'pest-room' });
    for (const frame of [
      { t: Op.Invite, room: 'pest-room', user: 'famous' },
      { t: Op.Invite, room: 'lobby', user: 'famous' },
      { t: Op.RoomCreate, kind: 'private', members: ['famous'] },
      { t: Op.RoomCreate, kind: 'dm', members: ['famous'] },
    ]) {
      expect(await guest.request(frame), `frame ${frame.t}`).toMatchObject({ t: Op.Error, code: ErrorCode.Forbidden, message: expect.stringMatching(/^guests cannot add/) });
    }
    await famous.ok({ t: Op.Ping });
    expect(famous.frames.filter((f) => f.t === Op.Event)).toEqual([]);
    expect((await guest.ok({ t: Op.Members, room: 'pest-room' })).members.map((m: Reply) => m.user)).toEqual([(guest.frames[0]!.user as Reply).id]);
    expect((await famous.ok({ t: Op.RoomList })).rooms).toEqual([]);
  });
});

describe.each(kinds)('room caps (%s)', (kind) => {
  let node: TestNode;
  const clients = rawClients(() => node);
  const open = clients.open;

  beforeAll(async () => {
    node = await startNode(kind, { roomsPerUser: 3, roomsPerGuest: 0 });
  });
  afterAll(async () => {
    clients.dropAll();
    await node?.destroy();
  });

  test('a user at the cap gets limit_reached; direct rooms count; reopening one does not; others are unaffected', async () => {
    const capped = await open(userToken('capped'));
    await capped.ok({ t: Op.RoomCreate, kind: 'public', id: 'capped-1' });
    await capped.ok({ t: Op.RoomCreate, kind: 'private', id: 'capped-2' });
    const dm = await capped.ok({ t: Op.RoomCreate, kind: 'dm', members: ['peer'] });
    const refused = await capped.request({ t: Op.RoomCreate, kind: 'public', id: 'capped-4' });
    expect(refused).toMatchObject({ t: Op.Error, code: ErrorCode.LimitReached, message: 'you have created 3 rooms, the most this server allows users' });
    expect((await capped.request({ t: Op.Join, room: 'capped-4' })).code).toBe(ErrorCode.NotFound);
    expect(await capped.ok({ t: Op.RoomCreate, kind: 'dm', members: ['peer'] })).toMatchObject({ created: false, room: { id: dm.room.id } });
    // The peer opening the same direct room finds it; it is the capped user's creation, not theirs.
    const peer = await open(userToken('peer'));
    expect(await peer.ok({ t: Op.RoomCreate, kind: 'dm', members: ['capped'] })).toMatchObject({ created: false });
    await peer.ok({ t: Op.RoomCreate, kind: 'public', id: 'peer-1' });
  });

  test('leaving the rooms one created does not give the creations back', async () => {
    const leaver = await open(userToken('leaver'));
    for (const id of ['leaver-1', 'leaver-2', 'leaver-3']) {
      await leaver.ok({ t: Op.RoomCreate, kind: 'public', id });
      await leaver.ok({ t: Op.Leave, room: id });
    }
    expect(await leaver.request({ t: Op.RoomCreate, kind: 'public', id: 'leaver-4' })).toMatchObject({ code: ErrorCode.LimitReached });
  });

  test('concurrent creations cannot overshoot the cap', async () => {
    const racer = await open(userToken('racer'));
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => racer.request({ t: Op.RoomCreate, kind: 'private', id: `race-${i}` })));
    expect(replies.filter((r) => r.t === Op.Result)).toHaveLength(3);
    expect(replies.filter((r) => r.code === ErrorCode.LimitReached)).toHaveLength(5);
  });

  test('with PARLEY_ROOMS_PER_GUEST=0 guests cannot create rooms, and are told so', async () => {
    const guest = await open(guestToken(node));
    expect(guest.frames[0]!.limits).toMatchObject({ maxCreatedRooms: 0 });
    expect(await guest.request({ t: Op.RoomCreate, kind: 'public' })).toMatchObject({
      code: ErrorCode.LimitReached,
      message: 'this server does not let guests create rooms',
    });
  });
});

describe.each(kinds)('hidden rooms and owners who leave (%s)', (kind) => {
  let node: TestNode;
  const clients = rawClients(() => node);
  const sdkClients: ChatClient[] = [];
  const open = (sub: string) => clients.open(userToken(sub));

  beforeAll(async () => {
    node = await startNode(kind);
  });
  afterAll(async () => {
    await Promise.all(sdkClients.map((c) => c.close()));
    clients.dropAll();
    await node?.destroy();
  });

  /** Every answer a stranger gets about `room`, over the WebSocket and HTTP, as text without request ids. */
  async function answersAbout(prober: RawClient, room: string): Promise<string[]> {
    const out: string[] = [];
    for (const frame of [
      { t: Op.Join, room },
      { t: Op.Subscribe, room, after: 0 },
      { t: Op.History, room },
      { t: Op.Members, room },
      { t: Op.Invite, room, user: 'prober' },
      { t: Op.Leave, room },
      { t: Op.Send, room, cid: 'probe', body: 'anyone there?' },
      { t: Op.RoomUpdate, room, name: 'Mine now' },
    ]) {
      const { r: _r, ...reply } = await prober.request(frame);
      out.push(JSON.stringify(reply));
    }
    const mark = prober.mark;
    prober.send({ t: Op.Typing, room, on: true });
    const { r: _r, ...typing } = await prober.next((f) => f.t === Op.Error, 5000, mark);
    out.push(JSON.stringify(typing));
    const res = await fetch(`${node.http}/v1/rooms/${encodeURIComponent(room)}/events`, { headers: { authorization: `Bearer ${userToken('prober')}` } });
    out.push(`${res.status} ${await res.text()}`);
    return out;
  }

  test('a missing room and someone else’s private room get byte-identical answers to every request', async () => {
    const keeper = await open('keeper');
    const prober = await open('prober');
    const before = await answersAbout(prober, 'secret-plans');
    expect(before.slice(0, -1).every((a) => JSON.parse(a).code === ErrorCode.NotFound)).toBe(true);
    expect(before.at(-1)).toMatch(/^404 /);
    await keeper.ok({ t: Op.RoomCreate, kind: 'private', id: 'secret-plans', members: ['accomplice'] });
    await keeper.ok({ t: Op.Send, room: 'secret-plans', cid: 'k1', body: 'the plan' });
    expect(await answersAbout(prober, 'secret-plans')).toEqual(before);
    expect((await keeper.ok({ t: Op.History, room: 'secret-plans' })).events).toHaveLength(4); // room, 2 joins, msg: nothing the prober did
  });

  test('a direct room between two others reads like a missing one too', async () => {
    const a = await open('dm-one');
    await open('dm-two');
    const prober = await open('prober');
    const dm = (await a.ok({ t: Op.RoomCreate, kind: 'dm', members: ['dm-two'] })).room.id as string;
    const missing = 'dm:00000000000000000000000000000000';
    const expected = (await answersAbout(prober, missing)).map((a) => a.replaceAll(missing, dm));
    expect(await answersAbout(prober, dm)).toEqual(expected);
  });

  test('an owner who leaves hands the room to the longest-standing member, recorded in the log', async () => {
    const founder = await open('founder');
    const amy = await open('amy');
    await founder.ok({ t: Op.RoomCreate, kind: 'private', id: 'handover', name: 'Handover' });
    // Zed is invited first: he has been a member longest, although "amy" sorts first.
    await founder.ok({ t: Op.Invite, room: 'handover', user: 'zed' });
    await founder.ok({ t: Op.Invite, room: 'handover', user: 'amy' });
    const zed = new ChatClient({ url: node.url, token: userToken('zed'), WebSocket });
    sdkClients.push(zed);
    await zed.connect();
    const room = await zed.join('handover');
    expect(room.summary?.role).toBe('member');

    await founder.ok({ t: Op.Leave, room: 'handover' });
    const page = await amy.ok({ t: Op.History, room: 'handover', limit: 2 });
    const [left, handed] = page.events;
    expect(left).toMatchObject({ kind: 'leave', by: 'founder' });
    expect(handed).toMatchObject({ kind: 'room', by: 'founder', seq: left.seq + 1, data: { owner: 'zed' } });
    await until(() => room.summary?.role === 'owner', 5000);
    const members = (await amy.ok({ t: Op.Members, room: 'handover' })).members as Reply[];
    expect(members.map((m) => [m.user, m.role])).toEqual([['zed', 'owner'], ['amy', 'member']]);

    // The new owner may do what only an owner may; the others still may not.
    expect(await amy.request({ t: Op.RoomUpdate, room: 'handover', name: 'Amy’s' })).toMatchObject({ code: ErrorCode.Forbidden });
    expect(await amy.request({ t: Op.Invite, room: 'handover', user: 'friend' })).toMatchObject({ code: ErrorCode.Forbidden });
    expect((await room.rename('Zed’s room')).name).toBe('Zed’s room');
    await room.invite('friend');
  });

  test('the last member to leave leaves the room without an owner: nobody can rename it', async () => {
    const solo = await open('solo');
    await solo.ok({ t: Op.RoomCreate, kind: 'public', id: 'abandoned' });
    await solo.ok({ t: Op.Leave, room: 'abandoned' });
    const page = await solo.ok({ t: Op.History, room: 'abandoned', limit: 1 });
    expect(page.events[0]).toMatchObject({ kind: 'leave', by: 'solo' });
    const visitor = await open('visitor');
    await visitor.ok({ t: Op.Join, room: 'abandoned' });
    expect(await visitor.request({ t: Op.RoomUpdate, room: 'abandoned', name: 'Taken' })).toMatchObject({ code: ErrorCode.Forbidden });
    await solo.ok({ t: Op.Join, room: 'abandoned' });
    expect(await solo.request({ t: Op.RoomUpdate, room: 'abandoned', name: 'Back' })).toMatchObject({ code: ErrorCode.Forbidden });
    expect((await visitor.ok({ t: Op.Members, room: 'abandoned' })).members.map((m: Reply) => m.role)).toEqual(['member', 'member']);
  });
});
