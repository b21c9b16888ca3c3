// Moderation over real sockets, once per store: every moderator action is a room event and an audit
// row, members are refused every one of them, mutes, bans, slow mode, locks and filters are enforced
// on send, edit, react, join and reads (HTTP too), and the audit log cannot be changed by any API.
import { ErrorCode, Feature, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SqlStore } from '../server/src/store/index.js';
import { RawClient } from './support/raw-client.js';
import { guestToken, postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];
const ADMIN_TOKEN = 'admin-token-for-the-moderation-suite';

let roomCounter = 0;
const uniqueRoom = (p: string) => `${p}-${Date.now().toString(36)}-${roomCounter++}`;

type Frame = Awaited<ReturnType<RawClient['request']>>;

async function refused(c: RawClient, frame: Record<string, unknown>): Promise<Frame> {
  const reply: Frame = await c.request(frame);
  if (reply.t !== Op.Error) throw new Error(`expected an error, got ${JSON.stringify(reply)}`);
  return reply;
}

const clients: RawClient[] = [];
const opened = (c: RawClient) => (clients.push(c), c);

describe.each(kinds)('moderation over the wire (%s)', (kind) => {
  let node: TestNode;
  const signIn = async (sub: string, name = sub) => opened(await RawClient.signedIn(node.url, userToken(sub, name)));
  const withDevice = async (token: string, device: string) => {
    const c = opened(await RawClient.open(node.url));
    const welcome = await c.request({ t: Op.Hello, v: PROTOCOL_VERSION, token, device });
    expect(welcome.t).toBe(Op.Welcome);
    return c;
  };
  const head = async (c: RawClient, room: string) => (await c.ok({ t: Op.History, room, limit: 1 })).events.at(-1)?.seq as number;
  const sql = () => (node.server.store as SqlStore).sql;
  const audit = async (room: string) => (await sql().query<{ action: string; actor: string; target: string | null }>('SELECT action, actor, target FROM audit_log WHERE room_id = $1 ORDER BY id', [room]));
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${node.http}/admin/api${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

  /** A public room owned by alice, with bob (made moderator) and mallory (a member). */
  async function room() {
    const id = uniqueRoom('mod');
    const alice = await signIn('alice', 'Alice');
    const bob = await signIn('bob', 'Bob');
    const mallory = await signIn('mallory', 'Mallory');
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id });
    await bob.ok({ t: Op.Join, room: id });
    await mallory.ok({ t: Op.Join, room: id });
    await alice.ok({ t: Op.Moderate, room: id, action: 'role', user: 'bob', role: 'moderator' });
    return { id, alice, bob, mallory };
  }

  beforeAll(async () => {
    node = await startNode(kind, { sendRate: 1000, frameRate: 1000, maxPending: 1000, workRate: 1000, roomCreateRate: 1000, adminToken: ADMIN_TOKEN, floodMessages: 5, floodWindowMs: 10_000, guestLinkDelayMs: 600_000 });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('welcome announces moderation, reports and member pages with their limits', async () => {
    const c = opened(await RawClient.open(node.url));
    const welcome = await c.request({ t: Op.Hello, v: 1, token: userToken('dave') });
    expect(welcome.features).toEqual(expect.arrayContaining([Feature.Moderation, Feature.Reports, Feature.MemberPages]));
    expect(welcome.limits).toMatchObject({ maxReason: 500, floodMessages: 5, floodWindowMs: 10_000, guestLinkDelayMs: 600_000, maxSlowSeconds: 3600 });
  });

  test('a member is refused every moderator action, and nothing changes', async () => {
    const { id, alice, mallory } = await room();
    const sent = await alice.ok({ t: Op.Send, room: id, cid: 'a1', body: 'hello' });
    const before = await head(alice, id);
    const auditBefore = (await audit(id)).length;
    const actions: Record<string, unknown>[] = [
      { action: 'mute', user: 'alice', seconds: 60 },
      { action: 'unmute', user: 'bob' },
      { action: 'kick', user: 'bob' },
      { action: 'ban', user: 'bob' },
      { action: 'unban', user: 'bob' },
      { action: 'slow', seconds: 10 },
      { action: 'lock' },
      { action: 'unlock' },
      { action: 'pin', seq: sent.seq },
      { action: 'unpin', seq: sent.seq },
      { action: 'clear', user: 'alice' },
      { action: 'role', user: 'mallory', role: 'moderator' },
      { action: 'guests', guests: 'read' },
    ];
    for (const a of actions) {
      const reply = await refused(mallory, { t: Op.Moderate, room: id, ...a });
      expect(reply.code, JSON.stringify(a)).toBe(ErrorCode.Forbidden);
    }
    expect((await refused(mallory, { t: Op.Delete, room: id, seq: sent.seq })).code).toBe(ErrorCode.Forbidden);
    expect(await head(alice, id)).toBe(before);
    expect((await audit(id)).length).toBe(auditBefore);
    const rules = await alice.ok({ t: Op.RoomRules, room: id });
    expect(rules).toMatchObject({ slowMs: 0, locked: false, guests: 'post', pins: [], moderator: true });
    expect((await mallory.ok({ t: Op.RoomRules, room: id })).moderator).toBe(false);
  });

  test('a moderator of one room is refused in another; a moderator cannot act on the owner', async () => {
    const a = await room();
    const b = await room();
    await b.bob.ok({ t: Op.Moderate, room: b.id, action: 'role', user: 'bob', role: 'member' }).catch(() => undefined);
    await b.alice.ok({ t: Op.Moderate, room: b.id, action: 'role', user: 'bob', role: 'member' });
    const reply = await refused(a.bob, { t: Op.Moderate, room: b.id, action: 'mute', user: 'mallory' });
    expect(reply.code).toBe(ErrorCode.Forbidden);
    expect((await refused(a.bob, { t: Op.Moderate, room: a.id, action: 'ban', user: 'alice' })).code).toBe(ErrorCode.Forbidden);
    expect((await refused(a.bob, { t: Op.Moderate, room: a.id, action: 'role', user: 'mallory', role: 'moderator' })).code).toBe(ErrorCode.Forbidden);
  });

  test('bad moderation frames are refused (bad_frame, too_large, not_found) and store nothing', async () => {
    const { id, bob } = await room();
    const before = await head(bob, id);
    expect((await refused(bob, { t: Op.Moderate, room: id, action: 'explode' })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(bob, { t: Op.Moderate, room: id, action: 'mute' })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(bob, { t: Op.Moderate, room: id, action: 'pin' })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(bob, { t: Op.Moderate, room: id, action: 'mute', user: 'mallory', seconds: 10 ** 9 })).code).toBe(ErrorCode.TooLarge);
    expect((await refused(bob, { t: Op.Moderate, room: id, action: 'mute', user: 'mallory', reason: 'x'.repeat(501) })).code).toBe(ErrorCode.TooLarge);
    expect((await refused(bob, { t: Op.Moderate, room: id, action: 'mute', user: 'bob' })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(bob, { t: Op.Moderate, room: id, action: 'pin', seq: 9999 })).code).toBe(ErrorCode.NotFound);
    expect((await refused(bob, { t: Op.Report, room: id, seq: 1, reason: '' })).code).toBe(ErrorCode.BadFrame);
    expect((await refused(bob, { t: Op.Moderate, room: 'no-such-room', action: 'lock' })).code).toBe(ErrorCode.NotFound);
    expect(await head(bob, id)).toBe(before);
  });

  test('a mute is a room event and an audit row; the muted user is refused send, edit and react with how long, then unmuted', async () => {
    const { id, bob, mallory } = await room();
    const own = await mallory.ok({ t: Op.Send, room: id, cid: 'm0', body: 'before' });
    const mark = mallory.mark;
    const res = await bob.ok({ t: Op.Moderate, room: id, action: 'mute', user: 'mallory', seconds: 120, reason: 'spam' });
    expect(res.changed).toBe(true);
    const ev = await bob.next((f) => f.t === Op.Event && (f.e as any).seq === res.seq);
    expect(ev.e).toMatchObject({ kind: 'mod', by: 'bob', data: { action: 'mute', user: 'mallory', reason: 'spam' } });
    const notice = await mallory.next((f) => f.t === Op.Restriction, 5000, mark);
    expect(notice).toMatchObject({ room: id, action: 'mute', reason: 'spam' });
    expect(notice.until).toBeGreaterThan(Date.now());
    const sent = await refused(mallory, { t: Op.Send, room: id, cid: 'm1', body: 'let me talk' });
    expect(sent.code).toBe(ErrorCode.Forbidden);
    expect(sent.message).toMatch(/muted.*2 min/);
    expect(sent.retryAfter).toBeGreaterThan(100_000);
    expect(sent.reason).toBe('muted');
    expect((await refused(mallory, { t: Op.Edit, room: id, seq: own.seq, body: 'changed' })).code).toBe(ErrorCode.Forbidden);
    expect((await refused(mallory, { t: Op.React, room: id, seq: own.seq, emoji: '👍', on: true })).code).toBe(ErrorCode.Forbidden);
    expect((await mallory.ok({ t: Op.RoomRules, room: id })).mutedUntil).toBe(notice.until);
    await bob.ok({ t: Op.Moderate, room: id, action: 'unmute', user: 'mallory' });
    await mallory.ok({ t: Op.Send, room: id, cid: 'm2', body: 'thanks' });
    expect((await audit(id)).map((a) => a.action)).toEqual(['role', 'mute', 'unmute']);
  });

  test('a ban removes the user from the room at once and keeps them out: join, subscribe, history over WS and HTTP', async () => {
    const { id, bob, mallory } = await room();
    const tab2 = await signIn('mallory', 'Mallory');
    await tab2.ok({ t: Op.Subscribe, room: id });
    const mark = tab2.mark;
    await bob.ok({ t: Op.Moderate, room: id, action: 'ban', user: 'mallory', reason: 'abuse' });
    await tab2.next((f) => f.t === Op.Restriction && f.action === 'ban', 5000, mark);
    await bob.ok({ t: Op.Send, room: id, cid: 'after-ban', body: 'not for mallory' });
    await bob.next((f) => f.t === Op.Event && (f.e as any).body === 'not for mallory');
    await new Promise((r) => setTimeout(r, 100));
    expect(tab2.events(id).some((e) => e.body === 'not for mallory')).toBe(false);
    expect((await refused(mallory, { t: Op.Send, room: id, cid: 'x', body: 'hi' })).code).toBe(ErrorCode.Forbidden);
    const newTab = await signIn('mallory', 'Mallory');
    expect((await refused(newTab, { t: Op.Join, room: id })).code).toBe(ErrorCode.Forbidden);
    expect((await refused(newTab, { t: Op.Subscribe, room: id })).code).toBe(ErrorCode.Forbidden);
    expect((await refused(newTab, { t: Op.History, room: id })).code).toBe(ErrorCode.Forbidden);
    const http = await fetch(`${node.http}/v1/rooms/${id}/events`, { headers: { authorization: `Bearer ${userToken('mallory')}` } });
    expect(http.status).toBe(403);
    const members = (await bob.ok({ t: Op.Members, room: id })).members.map((m: any) => m.user);
    expect(members).not.toContain('mallory');
    await bob.ok({ t: Op.Moderate, room: id, action: 'unban', user: 'mallory' });
    await newTab.ok({ t: Op.Join, room: id });
    expect((await audit(id)).map((a) => a.action)).toEqual(['role', 'ban', 'unban']);
  });

  test('a banned guest cannot come back with a new guest token from the same browser (device)', async () => {
    const { id, bob } = await room();
    const guest = await withDevice(guestToken(node, 'Spammer'), 'device-of-spammer-1');
    await guest.ok({ t: Op.Subscribe, room: id });
    const sent = await guest.ok({ t: Op.Send, room: id, cid: 'g1', body: 'spam spam' });
    expect(sent.seq).toBeGreaterThan(0);
    const user = (await bob.ok({ t: Op.Members, room: id })).members.find((m: any) => m.name === 'Spammer').user;
    await bob.ok({ t: Op.Moderate, room: id, action: 'ban', user });
    await guest.next((f) => f.t === Op.Restriction && f.action === 'ban');
    // The device ban is stored by the node the guest is connected to, right after.
    await expect.poll(async () => (await sql().query("SELECT 1 FROM sanctions WHERE room_id = $1 AND subject LIKE 'device:%'", [id])).length).toBe(1);
    const again = await withDevice(guestToken(node, 'Innocent'), 'device-of-spammer-1');
    expect((await refused(again, { t: Op.Subscribe, room: id })).code).toBe(ErrorCode.Forbidden);
    expect((await refused(again, { t: Op.Send, room: id, cid: 'g2', body: 'back' })).code).toBe(ErrorCode.Forbidden);
    const other = await withDevice(guestToken(node, 'Someone'), 'another-device');
    await other.ok({ t: Op.Subscribe, room: id });
  });

  test('kick removes a member who may join again', async () => {
    const { id, bob, mallory } = await room();
    const mark = mallory.mark;
    await bob.ok({ t: Op.Moderate, room: id, action: 'kick', user: 'mallory' });
    await mallory.next((f) => f.t === Op.Restriction && f.action === 'kick', 5000, mark);
    expect((await bob.ok({ t: Op.Members, room: id })).members.map((m: any) => m.user)).not.toContain('mallory');
    await mallory.ok({ t: Op.Join, room: id });
  });

  test('slow mode, lock and read-only guests are enforced, moderators are exempt', async () => {
    const { id, bob, mallory } = await room();
    await bob.ok({ t: Op.Moderate, room: id, action: 'slow', seconds: 30 });
    await mallory.ok({ t: Op.Send, room: id, cid: 's1', body: 'one' });
    const slow = await refused(mallory, { t: Op.Send, room: id, cid: 's2', body: 'two' });
    expect(slow.code).toBe(ErrorCode.Forbidden);
    expect(slow.message).toMatch(/slow mode: wait \d+ s/);
    expect(slow.retryAfter).toBeGreaterThan(25_000);
    expect(slow.reason).toBe('slow');
    await bob.ok({ t: Op.Send, room: id, cid: 'b1', body: 'mods are exempt' });
    await bob.ok({ t: Op.Send, room: id, cid: 'b2', body: 'again' });
    await bob.ok({ t: Op.Moderate, room: id, action: 'slow', seconds: 0 });
    await bob.ok({ t: Op.Moderate, room: id, action: 'lock' });
    const locked = await refused(mallory, { t: Op.Send, room: id, cid: 's3', body: 'three' });
    expect(locked.message).toMatch(/locked/);
    await bob.ok({ t: Op.Moderate, room: id, action: 'unlock' });
    await bob.ok({ t: Op.Moderate, room: id, action: 'guests', guests: 'read' });
    const guest = opened(await RawClient.signedIn(node.url, guestToken(node, 'Reader')));
    await guest.ok({ t: Op.Subscribe, room: id });
    expect((await refused(guest, { t: Op.Send, room: id, cid: 'g', body: 'hi' })).message).toMatch(/guests can only read/);
    await mallory.ok({ t: Op.Send, room: id, cid: 's4', body: 'members still post' });
  });

  test('a moderator deletes any message (redaction by the moderator), clears a user\'s recent messages, pins and unpins', async () => {
    const { id, bob, mallory } = await room();
    const m1 = await mallory.ok({ t: Op.Send, room: id, cid: 'c1', body: 'bad one' });
    const m2 = await mallory.ok({ t: Op.Send, room: id, cid: 'c2', body: 'bad two' });
    const m3 = await mallory.ok({ t: Op.Send, room: id, cid: 'c3', body: 'bad three' });
    const del = await bob.ok({ t: Op.Delete, room: id, seq: m1.seq });
    expect(del.changed).toBe(true);
    const stored = await sql().query<{ body: string | null }>('SELECT body FROM events WHERE room_id = $1 AND seq = $2', [id, m1.seq]);
    expect(stored[0]!.body).toBeNull();
    const delEvent = await sql().query<{ author: string; kind: string }>('SELECT author, kind FROM events WHERE room_id = $1 AND seq = $2', [id, del.seq]);
    expect(delEvent[0]).toEqual({ author: 'bob', kind: 'delete' });
    const cleared = await bob.ok({ t: Op.Moderate, room: id, action: 'clear', user: 'mallory' });
    expect(cleared.cleared).toBe(2);
    const page = await bob.ok({ t: Op.History, room: id, after: m1.seq - 1 });
    for (const seq of [m2.seq, m3.seq]) expect(page.events.find((e: any) => e.seq === seq)).toMatchObject({ deleted: true });
    const keep = await bob.ok({ t: Op.Send, room: id, cid: 'keep', body: 'read the rules' });
    await bob.ok({ t: Op.Moderate, room: id, action: 'pin', seq: keep.seq });
    expect((await mallory.ok({ t: Op.RoomRules, room: id })).pins).toEqual([keep.seq]);
    await bob.ok({ t: Op.Moderate, room: id, action: 'unpin', seq: keep.seq });
    expect((await mallory.ok({ t: Op.RoomRules, room: id })).pins).toEqual([]);
    expect((await audit(id)).map((a) => a.action)).toEqual(['role', 'delete', 'clear', 'pin', 'unpin']);
  });

  test('reports queue for moderators through the admin API; the audit log cannot be edited or deleted by any API', async () => {
    const { id, bob, mallory } = await room();
    const m = await mallory.ok({ t: Op.Send, room: id, cid: 'r1', body: 'rude words' });
    const rep = await bob.ok({ t: Op.Report, room: id, seq: m.seq, reason: 'rude' });
    expect(rep.report).toMatch(/^\d+$/);
    expect((await refused(mallory, { t: Op.Report, room: id, seq: m.seq, reason: 'self' })).code).toBe(ErrorCode.BadFrame);
    expect((await fetch(`${node.http}/admin/api/reports`)).status).toBe(401);
    expect((await fetch(`${node.http}/admin/api/reports`, { headers: { authorization: `Bearer ${userToken('bob')}` } })).status).toBe(403);
    const list = await (await admin(`/reports?room=${id}`)).json();
    expect(list.reports).toEqual([expect.objectContaining({ id: rep.report, kind: 'report', seq: m.seq, reporter: 'bob', reason: 'rude', status: 'open' })]);
    const resolved = await admin(`/reports/${rep.report}/resolve`, { method: 'POST', body: JSON.stringify({ resolution: 'delete' }) });
    expect(resolved.status).toBe(200);
    expect((await mallory.ok({ t: Op.History, room: id, after: m.seq - 1, limit: 1 })).events[0]).toMatchObject({ deleted: true });
    expect((await admin(`/reports/${rep.report}/resolve`, { method: 'POST', body: JSON.stringify({ resolution: 'dismiss' }) })).status).toBe(404);
    const entries = (await (await admin(`/audit?room=${id}`)).json()).entries;
    expect(entries.map((e: any) => e.action)).toEqual(['report_delete', 'delete', 'role']);
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) expect((await admin(`/audit`, { method, body: '{}' })).status).toBe(405);
    await expect(sql().query('UPDATE audit_log SET reason = $1 WHERE room_id = $2', ['rewritten', id])).rejects.toThrow(/append-only/);
    await expect(sql().query('DELETE FROM audit_log WHERE room_id = $1', [id])).rejects.toThrow(/append-only/);
    expect((await audit(id)).length).toBe(3);
  });

  test('the admin API acts as a moderator in any room and sets word filters that block or hold', async () => {
    const { id, mallory } = await room();
    const bad = await admin(`/rooms/${id}/filter`, { method: 'PUT', body: JSON.stringify({ words: 'x' }) });
    expect(bad.status).toBe(400);
    expect((await admin(`/rooms/${id}/filter`, { method: 'PUT', body: JSON.stringify({ words: ['darn', 'spam*'], action: 'block' }) })).status).toBe(200);
    const blocked = await refused(mallory, { t: Op.Send, room: id, cid: 'f1', body: 'Darn it' });
    expect(blocked.message).toMatch(/word this room does not allow/);
    expect((await refused(mallory, { t: Op.Send, room: id, cid: 'f2', body: 'buy spammy pills' })).code).toBe(ErrorCode.Forbidden);
    await mallory.ok({ t: Op.Send, room: id, cid: 'f3', body: 'darning socks is fine' });
    await admin(`/rooms/${id}/filter`, { method: 'PUT', body: JSON.stringify({ words: ['darn'], action: 'hold' }) });
    const held = await refused(mallory, { t: Op.Send, room: id, cid: 'f4', body: 'darn again' });
    expect(held.code).toBe(ErrorCode.Held);
    const queue = (await (await admin(`/reports?room=${id}`)).json()).reports;
    expect(queue).toEqual([expect.objectContaining({ kind: 'held', author: 'mallory', body: 'darn again' })]);
    await admin(`/reports/${queue[0].id}/resolve`, { method: 'POST', body: JSON.stringify({ resolution: 'approve' }) });
    const last = (await mallory.ok({ t: Op.History, room: id, limit: 1 })).events[0];
    expect(last).toMatchObject({ kind: 'msg', by: 'mallory', body: 'darn again' });
    const act = await admin(`/rooms/${id}/moderate`, { method: 'POST', body: JSON.stringify({ action: 'mute', user: 'mallory', seconds: 60 }) });
    expect(act.status).toBe(200);
    expect((await refused(mallory, { t: Op.Send, room: id, cid: 'f5', body: 'hello' })).message).toMatch(/muted/);
    expect((await admin(`/rooms/${id}/moderate`, { method: 'POST', body: JSON.stringify({ action: 'nope' }) })).status).toBe(400);
    expect((await admin(`/rooms/${id}/rules`)).status).toBe(200);
    expect((await admin('/rooms/%ff%fe/rules')).status).toBe(400);
    expect((await admin('/rooms/no-such-room/rules')).status).toBe(404);
    expect((await admin('/nothing-here')).status).toBe(404);
    expect((await admin(`/rooms/${id}/moderate`, { method: 'POST', body: 'not json' })).status).toBe(400);
  });

  test('automatic protection in a public room: new guests post no links, a flooding guest is muted', async () => {
    const id = uniqueRoom('lobby');
    const alice = await signIn('alice', 'Alice');
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id });
    const guest = opened(await RawClient.signedIn(node.url, guestToken(node, 'New')));
    await guest.ok({ t: Op.Subscribe, room: id });
    const link = await refused(guest, { t: Op.Send, room: id, cid: 'l1', body: 'visit https://spam.example now' });
    expect(link.message).toMatch(/new guests can post links/);
    for (let i = 0; i < 5; i++) await guest.ok({ t: Op.Send, room: id, cid: `fl${i}`, body: `msg ${i}` });
    const flood = await refused(guest, { t: Op.Send, room: id, cid: 'fl5', body: 'one more' });
    expect(flood.message).toMatch(/muted.*flood/);
    expect(flood.retryAfter).toBeGreaterThan(0);
    await expect.poll(async () => (await audit(id)).map((a) => `${a.actor}:${a.action}`)).toEqual(['parley:mute']);
    await alice.ok({ t: Op.Send, room: id, cid: 'al', body: 'signed-in users are not limited' });
  });

  test('member pages list online members first, with totals', async () => {
    const { id, alice, bob } = await room();
    await sql().query(`INSERT INTO members (room_id, user_id, role) SELECT $1, 'offline-' || g, 'member' FROM generate_series(1, 30) g`, [id]);
    const first = await alice.ok({ t: Op.MemberPage, room: id, limit: 10 });
    expect(first.total).toBe(33);
    expect(first.next).toBe(10);
    expect(first.members.slice(0, 3).map((m: any) => m.state)).toEqual(['online', 'online', 'online']);
    // member_page names the moderator; the 1.0 frame says member (1.0 clients read roles as a closed list).
    expect(first.members.find((m: any) => m.user === 'bob').role).toBe('moderator');
    expect((await alice.ok({ t: Op.Members, room: id })).members.find((m: any) => m.user === 'bob').role).toBe('member');
    const last = await bob.ok({ t: Op.MemberPage, room: id, offset: 30, limit: 10 });
    expect(last.members.length).toBe(3);
    expect(last.next).toBeUndefined();
    // A guest who only looks is counted online now, and is not made a member (ADR 0008).
    const before = await alice.ok({ t: Op.MemberPage, room: id, limit: 1 });
    const lurker = opened(await RawClient.signedIn(node.url, guestToken(node, 'Lurker')));
    await lurker.ok({ t: Op.Subscribe, room: id });
    const after = await alice.ok({ t: Op.MemberPage, room: id, limit: 1 });
    expect(after.total).toBe(before.total);
    expect(after.online).toBe(before.online + 1);
  });
});
