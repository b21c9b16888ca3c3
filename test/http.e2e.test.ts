// The HTTP API on a real node: guest sign-in, rooms, history, CORS, and every failure answer.
import { CloseCode, ErrorCode, Op } from '@parley/sdk/protocol';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { startNode, TEST_SECRET, userToken, type TestNode } from './support/server.js';

describe('HTTP API', () => {
  let node: TestNode;
  let noGuests: TestNode;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(node.http + path, { headers });
  const post = (path: string, body: string, target = node) =>
    fetch(target.http + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const auth = (sub: string) => ({ authorization: `Bearer ${userToken(sub)}` });

  beforeAll(async () => {
    node = await startNode('pglite', { origins: ['https://site.example'] });
    noGuests = await startNode('pglite', { guests: false });
    const owner = await RawClient.signedIn(node.url, userToken('owner'));
    await owner.ok({ t: Op.RoomCreate, kind: 'private', id: 'vault' });
    await owner.ok({ t: Op.Join, room: 'lobby' });
    for (let i = 0; i < 5; i++) await owner.ok({ t: Op.Send, room: 'lobby', cid: `h${i}`, body: `hello ${i}` });
    await owner.close();
  });
  afterAll(async () => {
    await node?.destroy();
    await noGuests?.destroy();
  });

  test('GET /healthz', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  test('POST /v1/guest issues a token that signs in over the WebSocket', async () => {
    const res = await post('/v1/guest', JSON.stringify({ name: '  Visitor  ' }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; user: { id: string; name: string; guest: boolean }; expiresAt: number };
    expect(body.user).toMatchObject({ name: 'Visitor', guest: true });
    expect(body.user.id).toMatch(/^guest:/);
    expect(body.expiresAt).toBeGreaterThan(Date.now());
    const c = await RawClient.signedIn(node.url, body.token);
    const welcome = c.frames.find((f) => f.t === Op.Welcome)!;
    expect(welcome.user).toEqual(body.user);
    c.ws.terminate();
  });

  test.each([
    ['not json', 'body must be JSON'],
    [JSON.stringify({ name: '' }), 'name must be'],
    [JSON.stringify({ name: 'x'.repeat(65) }), 'name must be'],
    [JSON.stringify({ name: 'bad\u0000name' }), 'name must be'],
    [JSON.stringify({ name: 42 }), 'name must be'],
    [JSON.stringify(null), 'name must be'],
  ])('POST /v1/guest refuses %s with 400', async (body, message) => {
    const res = await post('/v1/guest', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toContain(message);
  });

  test('POST /v1/guest is 403 when guests are disabled, and guest tokens are refused there', async () => {
    const res = await post('/v1/guest', JSON.stringify({ name: 'Nope' }), noGuests);
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe('forbidden');
  });

  test('POST /v1/guest is rate-limited per address with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await post('/v1/guest', JSON.stringify({ name: `g${i}` }), noGuests)).status);
    const limited = await post('/v1/guest', JSON.stringify({ name: 'one more' }), noGuests);
    expect(statuses).toContain(429);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('5');
  });

  test('an oversize body is refused with 413', async () => {
    const res = await post('/v1/guest', JSON.stringify({ name: 'x'.repeat(20_000) }));
    expect(res.status).toBe(413);
  });

  test('GET /v1/rooms needs a valid bearer token and lists public rooms', async () => {
    expect((await get('/v1/rooms')).status).toBe(401);
    expect((await get('/v1/rooms', { authorization: 'Bearer garbage' })).status).toBe(401);
    const expired = await get('/v1/rooms', { authorization: `Bearer ${userToken('x', 'x', { expiresIn: -600 })}` });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as any).error.message).toContain('expired');
    const res = await get('/v1/rooms', auth('reader'));
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as any).rooms.map((r: any) => r.id);
    expect(ids).toContain('lobby');
    expect(ids).not.toContain('vault');
  });

  test('GET /v1/rooms/:id/events pages history with the protocol\'s access rules', async () => {
    const res = await get('/v1/rooms/lobby/events?limit=3', auth('reader'));
    expect(res.status).toBe(200);
    const page = (await res.json()) as { events: any[]; more: boolean };
    expect(page.events.map((e) => e.body)).toEqual(['hello 2', 'hello 3', 'hello 4']);
    expect(page.more).toBe(true);
    const older = (await (await get(`/v1/rooms/lobby/events?before=${page.events[0].seq}&limit=200`, auth('reader'))).json()) as any;
    expect(older.events.at(-1).body).toBe('hello 1');
    expect((await get('/v1/rooms/vault/events', auth('reader'))).status).toBe(404); // hidden, not just forbidden
    expect((await get('/v1/rooms/vault/events', auth('owner'))).status).toBe(200);
    expect((await get('/v1/rooms/nowhere/events', auth('reader'))).status).toBe(404);
    for (const q of ['limit=0', 'limit=201', 'before=-1', 'after=abc', 'limit=1e3']) {
      expect((await get(`/v1/rooms/lobby/events?${q}`, auth('reader'))).status, q).toBe(400);
    }
  });

  test('room ids in paths are checked like room ids in frames: malformed ones are 400 bad_request, not a server fault', async () => {
    for (const id of ['lobby%00', '%ff%fe', 'a'.repeat(65), '-lobby', 'lob%20by']) {
      const res = await get(`/v1/rooms/${id}/events`, auth('reader'));
      expect(res.status, id).toBe(400);
      expect(((await res.json()) as any).error.code, id).toBe('bad_request');
    }
    expect((await get('/v1/rooms/dm%3Anobody/events', auth('reader'))).status).toBe(404); // well-formed, absent
    expect((await get('/v1/rooms/%6Cobby/events', auth('reader'))).status).toBe(200); // %6C is "l"
    const metrics = await (await get('/metrics')).text();
    expect(metrics).not.toMatch(/parley_http_requests_total\{route="\/v1\/rooms\/:id\/events",status="500"\}/);
  });

  test('responses carry nosniff and do not name the server software', async () => {
    for (const [path, headers] of [['/healthz', {}], ['/v1/rooms', auth('reader')], ['/nowhere', {}], ['/metrics', {}], ['/', {}]] as const) {
      const res = await get(path, headers);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('uwebsockets'), path).toBeNull();
      expect(res.headers.get('server'), path).toBeNull();
    }
  });

  test('unknown routes are 404, wrong methods 405', async () => {
    expect((await get('/v2/nothing')).status).toBe(404);
    expect((await fetch(node.http + '/healthz', { method: 'POST' })).status).toBe(405);
    expect((await get('/v1/guest')).status).toBe(405);
  });

  test('CORS: allowed origins get headers and preflights; others get none', async () => {
    const pre = await fetch(node.http + '/v1/guest', { method: 'OPTIONS', headers: { origin: 'https://site.example' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://site.example');
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await get('/healthz', { origin: 'https://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('connection state over time', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('pglite', { awayAfterMs: 1000, jwtClockTolerance: 0 });
  });
  afterAll(async () => {
    await node?.destroy();
  });

  test('a connection that sends nothing but pings turns away, and back online when it acts', async () => {
    const watcher = await RawClient.signedIn(node.url, userToken('watcher'));
    const idle = await RawClient.signedIn(node.url, userToken('idler'));
    await watcher.ok({ t: Op.Join, room: 'lobby' });
    await idle.ok({ t: Op.Join, room: 'lobby' });
    const pinger = setInterval(() => idle.send({ t: Op.Ping, r: 9 }), 200); // liveness is not activity
    try {
      await watcher.next((f) => f.t === Op.Presence && f.user === 'idler' && f.state === 'away', 5000);
      idle.send({ t: Op.Typing, room: 'lobby', on: true });
      await watcher.next((f) => f.t === Op.Presence && f.user === 'idler' && f.state === 'online' && watcher.frames.indexOf(f) > watcher.frames.findIndex((g) => g.state === 'away'), 5000);
    } finally {
      clearInterval(pinger);
      watcher.ws.terminate();
      idle.ws.terminate();
    }
  });

  test('a token that expires while connected closes the socket with 4002', async () => {
    const c = await RawClient.signedIn(node.url, userToken('short', 'short', { expiresIn: 2 }));
    const { code } = await c.closed;
    expect(code).toBe(CloseCode.TokenExpired);
    // and it cannot come back with the same token
    const again = await RawClient.open(node.url);
    expect(await again.request({ t: Op.Hello, v: 1, token: userToken('short', 'short', { expiresIn: -1 }) })).toMatchObject({ code: ErrorCode.Unauthorized });
  });
});

describe('token expiry with the default clock tolerance', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('pglite'); // PARLEY_JWT_CLOCK_TOLERANCE 30 s: it must not stretch exp
  });
  afterAll(async () => {
    await node?.destroy();
  });

  test('the socket is closed with 4002 by exp, and nothing stored after exp reaches it', async () => {
    const writer = await RawClient.signedIn(node.url, userToken('writer'));
    await writer.ok({ t: Op.Join, room: 'lobby' });
    const exp = Math.floor(Date.now() / 1000) + 3;
    const reader = await RawClient.signedIn(node.url, jwt.sign({ sub: 'brief', name: 'Brief', exp }, TEST_SECRET, { algorithm: 'HS256' }));
    await reader.ok({ t: Op.Join, room: 'lobby' });
    let n = 0;
    const talking = setInterval(() => writer.send({ t: Op.Send, r: 1_000_000 + n, room: 'lobby', cid: `w${n++}`, body: 'tick' }), 100);
    try {
      const { code } = await reader.closed;
      expect(code).toBe(CloseCode.TokenExpired);
      const seen = reader.events('lobby').filter((e) => e.kind === 'msg');
      expect(seen.length).toBeGreaterThan(0);
      for (const e of seen) expect(e.ts, `event ${e.seq}`).toBeLessThan(exp * 1000);
      // The writer went on: events were stored after exp, and none of them reached the expired socket.
      await expect.poll(() => writer.events('lobby').some((e) => e.ts >= exp * 1000), { timeout: 5000 }).toBe(true);
    } finally {
      clearInterval(talking);
      writer.ws.terminate();
    }
  }, 60_000);
});

