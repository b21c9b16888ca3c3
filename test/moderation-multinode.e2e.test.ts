// Moderation across two nodes over Redis and PostgreSQL: a ban made on one node removes the user's
// sessions on the other within a second, in a room of 10,000 members (the figure is printed); rules
// set on one node are enforced on the other; the SDK fails a muted user's queued messages with a
// typed error instead of retrying them, and a member's moderator calls with ForbiddenError.
import { ChatClient, ForbiddenError, type Room } from '@parley/sdk';
import { ErrorCode, Op } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { SqlStore } from '../server/src/store/index.js';
import { RawClient } from './support/raw-client.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './support/redis.js';
import { dropStorage, freshStorage, postgresAvailable, startNode, userToken, type TestNode } from './support/server.js';

const available = (await postgresAvailable()) && (await redisAvailable());
const MEMBERS = 10_000;

describe.skipIf(!available)('moderation on two nodes over Redis and PostgreSQL', () => {
  const storage = freshStorage('postgres');
  const cluster = { redisUrl: REDIS_URL, redisPrefix: uniquePrefix(), presenceTtlMs: 1500, catchUpMs: 200 };
  const limits = { sendRate: 1000, frameRate: 1000, maxPending: 1000, workRate: 1000 };
  let a: TestNode;
  let b: TestNode;
  const raws: RawClient[] = [];
  const clients: ChatClient[] = [];
  const signIn = async (node: TestNode, user: string) => {
    const c = await RawClient.signedIn(node.url, userToken(user));
    raws.push(c);
    return c;
  };
  const sdk = async (node: TestNode, user: string): Promise<ChatClient> => {
    const c = new ChatClient({ url: node.url, token: userToken(user), WebSocket });
    clients.push(c);
    await c.connect();
    return c;
  };

  /** A public room owned by alice on node A, bob its moderator, mallory a member. */
  async function room(id: string) {
    const alice = await signIn(a, 'alice');
    await alice.ok({ t: Op.RoomCreate, kind: 'public', id });
    const bob = await signIn(a, 'bob');
    await bob.ok({ t: Op.Join, room: id });
    await alice.ok({ t: Op.Moderate, room: id, action: 'role', user: 'bob', role: 'moderator' });
    return { alice, bob };
  }

  beforeAll(async () => {
    a = await startNode('postgres', { ...cluster, ...limits }, storage);
    b = await startNode('postgres', { ...cluster, ...limits }, storage);
  });
  afterAll(async () => {
    for (const c of raws) c.ws.terminate();
    await Promise.all(clients.map((c) => c.close()));
    await a?.stop();
    await b?.stop();
    await dropStorage(storage);
  });

  test(`a ban on node A takes effect on node B within 1 s in a room of ${MEMBERS} members`, async () => {
    const id = `big-${Date.now().toString(36)}`;
    const { bob } = await room(id);
    const sql = (a.server.store as SqlStore).sql;
    await sql.query(`INSERT INTO members (room_id, user_id, role) SELECT $1, 'member-' || g, 'member' FROM generate_series(1, $2::int) g`, [id, MEMBERS - 3]);
    const tab1 = await signIn(b, 'mallory');
    const tab2 = await signIn(b, 'mallory');
    await tab1.ok({ t: Op.Join, room: id });
    await tab2.ok({ t: Op.Subscribe, room: id });
    expect((await bob.ok({ t: Op.MemberPage, room: id, limit: 1 })).total).toBe(MEMBERS);
    const marks = [tab1.mark, tab2.mark];
    const started = performance.now();
    const banned = bob.ok({ t: Op.Moderate, room: id, action: 'ban', user: 'mallory', reason: 'measured' });
    await Promise.all([tab1, tab2].map((t, i) => t.next((f) => f.t === Op.Restriction && f.action === 'ban', 5000, marks[i])));
    const ejectedMs = performance.now() - started;
    const refusal = await tab1.request({ t: Op.Send, room: id, cid: 'after', body: 'still here?' });
    const refusedMs = performance.now() - started;
    await banned;
    console.log(`[moderation] ban across two nodes, ${MEMBERS}-member room: sessions on the other node told and removed after ${ejectedMs.toFixed(1)} ms, a send from there refused after ${refusedMs.toFixed(1)} ms`);
    expect(refusal.code).toBe(ErrorCode.Forbidden);
    expect(ejectedMs).toBeLessThan(1000);
    const newTab = await signIn(b, 'mallory');
    expect((await newTab.request({ t: Op.Join, room: id })).code).toBe(ErrorCode.Forbidden);
  });

  test('rules set on node A are enforced on node B: lock, slow mode, pins, kick', async () => {
    const id = `rules-${Date.now().toString(36)}`;
    const { bob } = await room(id);
    const mallory = await signIn(b, 'mallory');
    await mallory.ok({ t: Op.Join, room: id });
    const m = await mallory.ok({ t: Op.Send, room: id, cid: 'r0', body: 'first' });
    // Node B hears of each change over Redis a moment after node A answers: its room rules show when.
    const rulesOnB = () => mallory.ok({ t: Op.RoomRules, room: id });
    await bob.ok({ t: Op.Moderate, room: id, action: 'lock' });
    await expect.poll(rulesOnB, { timeout: 1000 }).toMatchObject({ locked: true });
    expect((await mallory.request({ t: Op.Send, room: id, cid: 'r1', body: 'locked?' })).message).toMatch(/locked/);
    await bob.ok({ t: Op.Moderate, room: id, action: 'unlock' });
    await bob.ok({ t: Op.Moderate, room: id, action: 'slow', seconds: 60 });
    await expect.poll(rulesOnB, { timeout: 1000 }).toMatchObject({ locked: false, slowMs: 60_000 });
    await mallory.ok({ t: Op.Send, room: id, cid: 'r2', body: 'one' });
    expect((await mallory.request({ t: Op.Send, room: id, cid: 'r3', body: 'two' })).message).toMatch(/slow mode/);
    await bob.ok({ t: Op.Moderate, room: id, action: 'pin', seq: m.seq });
    await expect.poll(async () => (await rulesOnB()).pins, { timeout: 1000 }).toEqual([m.seq]);
    const mark = mallory.mark;
    await bob.ok({ t: Op.Moderate, room: id, action: 'kick', user: 'mallory' });
    await mallory.next((f) => f.t === Op.Restriction && f.action === 'kick', 5000, mark);
    expect((await bob.ok({ t: Op.Members, room: id })).members.map((x: { user: string }) => x.user)).not.toContain('mallory');
  });

  test('the SDK fails a muted user\'s queued messages with ForbiddenError (with retryAfter) and does not retry them', async () => {
    const id = `mute-${Date.now().toString(36)}`;
    const { bob } = await room(id);
    const mallory = await sdk(b, 'mallory');
    const r: Room = await mallory.join(id);
    const told = new Promise<{ action: string; until?: number }>((resolve) => r.on('restriction', (c) => resolve(c)));
    await bob.ok({ t: Op.Moderate, room: id, action: 'mute', user: 'mallory', seconds: 300 });
    expect(await told).toMatchObject({ action: 'mute', until: expect.any(Number) });
    const sends = [r.send('one'), r.send('two'), r.send('three')];
    const outcomes = await Promise.allSettled(sends);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      const err = (o as PromiseRejectedResult).reason;
      expect(err).toBeInstanceOf(ForbiddenError);
      expect(err.message).toMatch(/muted.*5 min/);
      expect(err.retryAfter).toBeGreaterThan(200_000);
      expect(err.reason).toBe('muted');
    }
    // Nothing was stored, and nothing is left to retry.
    const page = await r.history({ limit: 5 });
    expect(page.events.filter((e) => e.kind === 'msg')).toEqual([]);
    const rules = await r.rules();
    expect(rules.mutedUntil).toBeGreaterThan(Date.now());
    expect(rules.moderator).toBe(false);
    await expect(r.moderate('lock')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(r.moderate('ban', { user: 'bob' })).rejects.toBeInstanceOf(ForbiddenError);
    const bobSdk = await sdk(a, 'bob');
    const rb = await bobSdk.join(id);
    expect((await rb.rules()).moderator).toBe(true);
    // Node B hears of the unmute a moment after node A answers: mallory's client is told when.
    const freed = new Promise<void>((resolve) => r.on('restriction', (c) => c.action === 'unmute' && resolve()));
    await rb.moderate('unmute', { user: 'mallory' });
    await freed;
    await expect(r.send('free again')).resolves.toMatchObject({ duplicate: false });
    const id2 = await r.report((await rb.send('report me')).seq, 'testing reports');
    expect(id2).toMatch(/^\d+$/);
  });
});
