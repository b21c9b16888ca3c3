// The admin HTTP API behind the console (ADR 0023, protocol 14.x): every admin endpoint refuses a
// caller without a token (401), a non-admin user and a guest (403); the console's directory of rooms
// and users, creating rooms, disconnecting a user's devices, the figures and the bot routes answer
// an admin and refuse bad input with a clear error; the development one-click sign-in opens only
// for this server's own page on this machine.
import { Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SqlStore } from '../server/src/store/index.js';
import { RawClient } from './support/raw-client.js';
import { guestToken, postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];
const ADMIN_TOKEN = 'admin-token-of-the-admin-api-suite-0123456789';
const uniqueRoom = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const clients: RawClient[] = [];

/** Every admin route, with a body that would be valid for an admin (so that only authorization decides). */
const ROUTES: [method: string, path: string, body?: unknown][] = [
  ['GET', '/admin/api/me'],
  ['GET', '/admin/api/figures'],
  ['GET', '/admin/api/rooms'],
  ['POST', '/admin/api/rooms', { id: 'never-made', kind: 'public' }],
  ['GET', '/admin/api/rooms/lobby/members'],
  ['GET', '/admin/api/rooms/lobby/messages?around=1'],
  ['GET', '/admin/api/rooms/lobby/rules'],
  ['POST', '/admin/api/rooms/lobby/archive', { archived: true }],
  ['POST', '/admin/api/rooms/lobby/links', { delayMs: 0 }],
  ['POST', '/admin/api/rooms/lobby/moderate', { action: 'lock' }],
  ['PUT', '/admin/api/rooms/lobby/filter', { words: ['spam'] }],
  ['GET', '/admin/api/users'],
  ['GET', '/admin/api/users/alice'],
  ['POST', '/admin/api/users/alice/disconnect'],
  ['GET', '/admin/api/reports'],
  ['POST', '/admin/api/reports/1/resolve', { resolution: 'dismiss' }],
  ['GET', '/admin/api/audit'],
  ['GET', '/admin/api/bots'],
  ['POST', '/admin/api/bots', { name: 'NeverBot', rooms: ['lobby'] }],
  ['POST', '/admin/api/bots/b1/keys', { rooms: ['lobby'] }],
  ['POST', '/admin/api/bots/b1/keys/0123456789abcdef/rotate'],
  ['DELETE', '/admin/api/bots/b1/keys/0123456789abcdef'],
  ['POST', '/admin/api/sign-out'],
  // Webhooks (the hooks branch's endpoints): a user who owns no room gets 403 too.
  ['GET', '/admin/api/hooks'],
  ['GET', '/admin/api/hooks/dead'],
  ['POST', '/admin/api/hooks/incoming', { room: 'lobby', name: 'Alerts' }],
];

describe.each(kinds)('the admin API behind the console (%s)', (kind) => {
  let node: TestNode;
  const call = (method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${node.http}${path}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, ADMIN_TOKEN, body);
    return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
  };
  const sql = () => (node.server.store as SqlStore).sql;

  beforeAll(async () => {
    node = await startNode(kind, { adminToken: ADMIN_TOKEN, admins: ['root'], sendRate: 1000, frameRate: 1000, roomCreateRate: 1000 });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('every admin route: 401 without a token or with a wrong one, 403 for a user and a guest; nothing changes', async () => {
    const auditBefore = (await sql().query('SELECT id FROM audit_log')).length;
    for (const [method, path, body] of ROUTES) {
      const anonymous = await call(method, path, undefined, body);
      expect(anonymous.status, `${method} ${path} without a token`).toBe(401);
      expect(anonymous.headers.get('cache-control'), `${method} ${path}`).toBe('no-store');
      expect((await call(method, path, 'not-the-admin-token', body)).status, `${method} ${path} with a wrong token`).toBe(401);
      expect((await call(method, path, userToken('mallory'), body)).status, `${method} ${path} as a user`).toBe(403);
      expect((await call(method, path, guestToken(node, 'Gus'), body)).status, `${method} ${path} as a guest`).toBe(403);
    }
    expect((await sql().query('SELECT id FROM audit_log')).length).toBe(auditBefore);
    expect(await node.server.store.getRoom('never-made')).toBeNull();
    expect((await admin('GET', '/admin/api/rooms/lobby/rules')).body.rules.locked).toBe(false);
  });

  test('an admin by PARLEY_ADMINS signs in with their own JWT; the console is told what this server offers', async () => {
    const res = await call('GET', '/admin/api/me', userToken('root', 'Root'));
    expect(res.status).toBe(200);
    const me = (await res.json()) as Record<string, any>;
    expect(me.user).toEqual({ id: 'root', name: 'Root' });
    expect(me.features).toEqual({ bots: true, webhooks: true, devSignIn: false });
    expect(me.limits).toMatchObject({ maxSlowSeconds: 3600, maxFilterWords: 500 });
    expect(me.protection).toMatchObject({ guestLinkDelayMs: node.config.guestLinkDelayMs, floodMessages: node.config.floodMessages });
  });

  test('rooms: create (validated, audited, a room event), find by id or name, page; bad input is refused', async () => {
    const id = uniqueRoom('desk');
    const created = await admin('POST', '/admin/api/rooms', { id, name: 'Help desk 100%', kind: 'private' });
    expect(created.status).toBe(201);
    expect(created.body.room).toEqual({ id, name: 'Help desk 100%', kind: 'private' });
    expect((await admin('POST', '/admin/api/rooms', { id, kind: 'public' })).status).toBe(409);
    const events = await node.server.store.history(id, { limit: 10 });
    expect(events.events[0]?.kind).toBe('room');
    const audit = await sql().query<{ action: string; actor: string }>('SELECT action, actor FROM audit_log WHERE room_id = $1', [id]);
    expect(audit).toEqual([{ action: 'room_create', actor: 'admin' }]);

    for (const bad of [{}, { id: '' }, { id: 'dm:a:b' }, { id: 'x'.repeat(200) }, { id: uniqueRoom('k'), kind: 'dm' }, { id: uniqueRoom('n'), name: 'a\u0000b' }, '[1]', 'not json']) {
      const res = await admin('POST', '/admin/api/rooms', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }

    // `%` and `_` are looked for literally, not as patterns.
    const byName = await admin('GET', `/admin/api/rooms?search=${encodeURIComponent('100%')}`);
    expect(byName.body.rooms.map((r: { id: string }) => r.id)).toEqual([id]);
    expect((await admin('GET', `/admin/api/rooms?search=${encodeURIComponent('desk 1_0')}`)).body.rooms).toEqual([]);
    const found = (await admin('GET', `/admin/api/rooms?search=${id.toUpperCase()}`)).body.rooms;
    expect(found).toEqual([{ id, name: 'Help desk 100%', kind: 'private', owner: null, head: expect.any(Number), members: 0, locked: false, slowMs: 0, guests: 'post', archived: false }]);
    const first = await admin('GET', '/admin/api/rooms?limit=1');
    expect(first.body.rooms).toHaveLength(1);
    const second = await admin('GET', `/admin/api/rooms?limit=1&after=${encodeURIComponent(first.body.next)}`);
    expect(second.body.rooms[0].id > first.body.rooms[0].id).toBe(true);
    for (const q of ['limit=0', 'limit=201', 'limit=x', `search=${'a'.repeat(129)}`]) expect((await admin('GET', `/admin/api/rooms?${q}`)).status, q).toBe(400);
    expect((await admin('DELETE', '/admin/api/rooms')).status).toBe(405);
  });

  test('archive: read-only, out of the public list, a mod event and an audit row; reopen; bad input refused', async () => {
    const id = uniqueRoom('old');
    const alice = await RawClient.signedIn(node.url, userToken('alice', 'Alice'));
    const bob = await RawClient.signedIn(node.url, userToken('bob', 'Bob'));
    clients.push(alice, bob);
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id });
    await bob.ok({ t: Op.Join, room: id });
    const listed = async () => {
      const all: string[] = [];
      let cursor: string | undefined;
      do {
        const page = (await (await fetch(`${node.http}/v1/rooms${cursor ? `?cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${userToken('bob')}` } })).json()) as { rooms: { id: string }[]; next?: string };
        all.push(...page.rooms.map((r) => r.id));
        cursor = page.next;
      } while (cursor);
      return all.includes(id);
    };
    expect(await listed()).toBe(true);

    for (const bad of [{}, { archived: 'yes' }, { archived: true, reason: 7 }, { archived: true, reason: 'x'.repeat(501) }, 'nope']) {
      expect((await admin('POST', `/admin/api/rooms/${id}/archive`, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await admin('POST', '/admin/api/rooms/no-such-room/archive', { archived: true })).status).toBe(404);
    expect((await admin('GET', `/admin/api/rooms/${id}/archive`)).status).toBe(405);

    expect((await admin('POST', `/admin/api/rooms/${id}/archive`, { archived: true, reason: 'season over' })).body).toEqual({ room: id, archived: true });
    const mod = await bob.next((f) => f.t === Op.Event && f.e?.kind === 'mod' && f.e.room === id, 5000);
    expect((mod.e as { data: unknown }).data).toEqual({ action: 'archive', reason: 'season over' });
    expect((await admin('GET', `/admin/api/rooms/${id}/rules`)).body.rules).toMatchObject({ archived: true, locked: true });
    expect((await admin('GET', `/admin/api/rooms?search=${id}`)).body.rooms[0]).toMatchObject({ archived: true, locked: true });
    expect(await listed()).toBe(false);
    const refused = await bob.request({ t: Op.Send, room: id, cid: 'late', body: 'anyone?' });
    expect(refused).toMatchObject({ t: Op.Error, code: 'forbidden' });
    // Still readable by id.
    expect((await bob.ok({ t: Op.History, room: id, limit: 5 })).events.length).toBeGreaterThan(0);

    expect((await admin('POST', `/admin/api/rooms/${id}/archive`, { archived: false })).status).toBe(200);
    expect(await listed()).toBe(true);
    await bob.ok({ t: Op.Send, room: id, cid: 'back', body: 'we are back' });
    const audit = await sql().query<{ action: string; reason: string }>(`SELECT action, reason FROM audit_log WHERE room_id = $1 AND action LIKE '%archive' ORDER BY id`, [id]);
    expect(audit).toEqual([{ action: 'archive', reason: 'season over' }, { action: 'unarchive', reason: '' }]);
  });

  test('a room\'s own wait before new guests post links: set, then back to the server\'s; bad input refused', async () => {
    const id = uniqueRoom('links');
    const owner = await RawClient.signedIn(node.url, userToken('olga', 'Olga'));
    const guest = await RawClient.signedIn(node.url, guestToken(node, 'Newbie'));
    clients.push(owner, guest);
    await owner.ok({ t: Op.RoomCreate, kind: 'public', id });
    const link = (cid: string) => guest.request({ t: Op.Send, room: id, cid, body: `see https://example.com/${cid}` });
    expect(await link('l1')).toMatchObject({ t: Op.Error, code: 'forbidden', reason: 'links' });

    for (const bad of [{}, { delayMs: -1 }, { delayMs: 1.5 }, { delayMs: '0' }, { delayMs: 31_536_000_001 }, 'nope']) {
      expect((await admin('POST', `/admin/api/rooms/${id}/links`, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await admin('POST', `/admin/api/rooms/${id}/links`, { delayMs: 0 })).body).toEqual({ room: id, linkDelayMs: 0, effectiveMs: 0 });
    expect((await admin('GET', `/admin/api/rooms/${id}/rules`)).body.rules.linkDelayMs).toBe(0);
    expect((await link('l2')).t).toBe(Op.Result);
    expect((await admin('POST', `/admin/api/rooms/${id}/links`, { delayMs: null })).body).toEqual({ room: id, linkDelayMs: null, effectiveMs: node.config.guestLinkDelayMs });
    expect(await link('l3')).toMatchObject({ t: Op.Error, code: 'forbidden', reason: 'links' });
    const audit = await sql().query<{ action: string }>(`SELECT action FROM audit_log WHERE room_id = $1 AND action = 'links'`, [id]);
    expect(audit).toHaveLength(2);
  });

  test('room members and the messages around a seq; unknown rooms and bad parameters are refused', async () => {
    const id = uniqueRoom('talk');
    const alice = await RawClient.signedIn(node.url, userToken('alice', 'Alice'));
    clients.push(alice);
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id });
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await alice.ok({ t: Op.Send, room: id, cid: `m${i}`, body: `message ${i}` }));
    const members = await admin('GET', `/admin/api/rooms/${id}/members`);
    expect(members.body).toMatchObject({ total: 1, members: [{ user: 'alice', name: 'Alice', role: 'owner' }] });
    const around = await admin('GET', `/admin/api/rooms/${id}/messages?around=${sent[2]!.seq}`);
    expect(around.body.events.map((e: { body?: string }) => e.body)).toEqual(expect.arrayContaining(['message 1', 'message 2', 'message 3']));
    expect((await admin('GET', `/admin/api/rooms/${id}/messages`)).status).toBe(400);
    expect((await admin('GET', `/admin/api/rooms/${id}/messages?around=-1`)).status).toBe(400);
    expect((await admin('GET', `/admin/api/rooms/${id}/members?offset=-1`)).status).toBe(400);
    expect((await admin('GET', '/admin/api/rooms/no-such-room/members')).status).toBe(404);
    expect((await admin('GET', '/admin/api/rooms/%ff/members')).status).toBe(400);
    expect((await admin('POST', `/admin/api/rooms/${id}/members`)).status).toBe(405);
  });

  test('users: search, one user with rooms, sanctions and connections; disconnect closes their devices', async () => {
    const id = uniqueRoom('users');
    const owner = await RawClient.signedIn(node.url, userToken('olga', 'Olga'));
    const carol = await RawClient.signedIn(node.url, userToken('carol_1', 'Carol'));
    const carol2 = await RawClient.signedIn(node.url, userToken('carol_1', 'Carol'));
    clients.push(owner, carol, carol2);
    await owner.ok({ t: Op.RoomCreate, kind: 'public', id });
    await carol.ok({ t: Op.Join, room: id });
    expect((await admin('POST', `/admin/api/rooms/${id}/moderate`, { action: 'mute', user: 'carol_1', seconds: 60, reason: 'cool down' })).status).toBe(200);

    const found = await admin('GET', '/admin/api/users?search=CAROL');
    expect(found.body.users).toEqual([{ id: 'carol_1', name: 'Carol', guest: false, createdAt: expect.any(Number) }]);
    // `_` is literal: "carol_" matches carol_1 only, not "carolX".
    expect((await admin('GET', '/admin/api/users?search=l_1')).body.users.map((u: { id: string }) => u.id)).toEqual(['carol_1']);
    const detail = await admin('GET', '/admin/api/users/carol_1');
    expect(detail.body.user).toMatchObject({ id: 'carol_1', name: 'Carol', admin: false });
    expect(detail.body.rooms).toEqual(expect.arrayContaining([{ id, name: id, kind: 'public', role: 'member' }]));
    expect(detail.body.sanctions).toEqual([{ room: id, subject: 'user:carol_1', kind: 'mute', until: expect.any(Number), by: 'admin', reason: 'cool down' }]);
    expect(detail.body.sessions).toHaveLength(2);
    expect(detail.body.sessions[0]).toMatchObject({ id: expect.any(String), address: expect.any(String), openedAt: expect.any(Number), bot: false });
    expect((await admin('GET', '/admin/api/users/nobody-here')).status).toBe(404);

    for (const bad of [{ session: 42 }, { session: 'has spaces' }, '[]', 'nope']) expect((await admin('POST', '/admin/api/users/carol_1/disconnect', bad)).status).toBe(400);
    // One device first, then every device.
    const one = detail.body.sessions[0].id as string;
    expect((await admin('POST', '/admin/api/users/carol_1/disconnect', { session: one })).body).toEqual({ disconnected: 'carol_1', session: one });
    const closedFirst = await Promise.race([carol.closed.then(() => carol), carol2.closed.then(() => carol2)]);
    expect((await closedFirst.closed).code).toBe(1001);
    const other = closedFirst === carol ? carol2 : carol;
    expect(other.ws.readyState).toBe(other.ws.OPEN);
    expect((await admin('POST', '/admin/api/users/carol_1/disconnect')).status).toBe(200);
    expect((await other.closed).code).toBe(1001);
    expect(owner.ws.readyState).toBe(owner.ws.OPEN);
  });

  test('the report queue names the reported message\'s author and text; the audit log filters by action and refuses a bad one', async () => {
    const id = uniqueRoom('rep');
    const alice = await RawClient.signedIn(node.url, userToken('alice', 'Alice'));
    const spammer = await RawClient.signedIn(node.url, userToken('spam1', 'Spammy'));
    clients.push(alice, spammer);
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id });
    await spammer.ok({ t: Op.Join, room: id });
    const bad = await spammer.ok({ t: Op.Send, room: id, cid: 's1', body: 'buy now' });
    await alice.ok({ t: Op.Report, room: id, seq: bad.seq, reason: 'spam' });
    const reports = (await admin('GET', `/admin/api/reports?room=${id}`)).body.reports;
    expect(reports).toEqual([expect.objectContaining({ kind: 'report', room: id, seq: bad.seq, reporter: 'alice', reason: 'spam', message: { by: 'spam1', name: 'Spammy', body: 'buy now', deleted: false } })]);
    expect((await admin('POST', `/admin/api/rooms/${id}/moderate`, { action: 'ban', user: 'spam1' })).status).toBe(200);
    const bans = (await admin('GET', `/admin/api/audit?room=${id}&action=ban`)).body.entries;
    expect(bans).toEqual([expect.objectContaining({ action: 'ban', target: 'spam1', actor: 'admin' })]);
    expect((await admin('GET', '/admin/api/audit?action=DROP%20TABLE')).status).toBe(400);
    // Still append-only.
    expect((await admin('DELETE', '/admin/api/audit')).status).toBe(405);
  });

  test('figures count connections, stored messages and the send→ack histogram', async () => {
    const before = (await admin('GET', '/admin/api/figures')).body;
    const c = await RawClient.signedIn(node.url, userToken('figs'));
    clients.push(c);
    await c.ok({ t: Op.Join, room: 'lobby' });
    await c.ok({ t: Op.Send, room: 'lobby', cid: 'f1', body: 'counted' });
    const after = (await admin('GET', '/admin/api/figures')).body;
    expect(after.connections).toBeGreaterThanOrEqual(1);
    expect(after.messages).toBe(before.messages + 1);
    expect(after.sendAck.le.at(-1)).toBeNull();
    expect(after.sendAck.counts.at(-1)).toBe(before.sendAck.counts.at(-1) + 1);
    expect(after.at).toBeGreaterThanOrEqual(before.at);
  });

  test('bots through /admin/api/bots with an admin JWT: create, rotate, revoke; bad input refused', async () => {
    const root = userToken('root', 'Root');
    const made = await call('POST', '/admin/api/bots', root, { name: `Helper${Date.now().toString(36)}`, rooms: ['lobby'] });
    expect(made.status).toBe(201);
    const { bot, key } = (await made.json()) as { bot: { id: string }; key: { id: string; key: string } };
    const rotated = await call('POST', `/admin/api/bots/${bot.id}/keys/${key.id}/rotate`, root);
    expect(rotated.status).toBe(201);
    const fresh = ((await rotated.json()) as { key: { id: string } }).key;
    expect(fresh.id).not.toBe(key.id);
    expect((await call('DELETE', `/admin/api/bots/${bot.id}/keys/${fresh.id}`, root)).status).toBe(200);
    expect((await call('POST', '/admin/api/bots', root, { rooms: ['lobby'] })).status).toBe(400);
    expect((await call('POST', '/admin/api/bots', root, 'nope')).status).toBe(400);
    expect((await call('GET', '/admin/api/bots/x/nothing', root)).status).toBe(404);
  });
});

describe('the development one-click sign-in', () => {
  let dev: TestNode;
  let configured: TestNode;

  // PostgreSQL when there is one: two embedded stores starting at once are slow on a loaded machine.
  const kind = kinds.at(-1)!;
  beforeAll(async () => {
    // The development defaults: no JWT key, no admin token (guests on, as they are then).
    dev = await startNode(kind, { jwtSecret: undefined });
    configured = await startNode(kind, { adminToken: ADMIN_TOKEN });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([dev?.destroy(), configured?.destroy()]);
  });

  const signIn = (node: TestNode, origin?: string) => fetch(`${node.http}/admin/api/sign-in`, { method: 'POST', headers: origin ? { origin } : {} });

  test('is offered only by a development server', async () => {
    expect(await (await fetch(`${dev.http}/admin/api/sign-in`)).json()).toEqual({ devSignIn: true });
    expect(await (await fetch(`${configured.http}/admin/api/sign-in`)).json()).toEqual({ devSignIn: false });
    const refused = await signIn(configured, configured.http);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/paste an admin token/);
  });

  test('opens only to this server\'s own page; the session works until signed out', async () => {
    const port = new URL(dev.http).port;
    // No origin (a script, not a page), another site, a rebinding name for 127.0.0.1, another port.
    for (const origin of [undefined, 'https://evil.example', `http://rebind.example:${port}`, 'http://127.0.0.1:1']) {
      expect((await signIn(dev, origin)).status, String(origin)).toBe(403);
    }
    const res = await signIn(dev, `http://localhost:${port}`);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { token, expiresAt } = (await res.json()) as { token: string; expiresAt: number };
    expect(expiresAt).toBeGreaterThan(Date.now());
    const me = await fetch(`${dev.http}/admin/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { features: { devSignIn: boolean } }).features.devSignIn).toBe(true);
    // The session opens nothing on another node, and closes when signed out.
    expect((await fetch(`${configured.http}/admin/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(`${dev.http}/admin/api/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${dev.http}/admin/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });
});
