// Calls on the wire (protocol section 28): ringing through the per-user log, answering, signalling
// between two connections, hanging up and the `call` events that stay in the room; then every
// refusal of the bad-input list, on a raw socket.
import { CallEndReason, Limits, Op, UserEventKind } from '@parley/sdk/protocol';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const stores: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];
const TURN_SECRET = 'turn-shared-secret-for-the-tests';

describe.each(stores)('calls (%s)', (kind) => {
  let node: TestNode;
  const open: RawClient[] = [];
  const signIn = async (user: string) => {
    const c = await RawClient.signedIn(node.url, userToken(user));
    open.push(c);
    return c;
  };
  const dm = async (a: RawClient, user: string) => (await a.ok({ t: Op.RoomCreate, kind: 'dm', members: [user] })).room.id as string;
  const callEvents = async (c: RawClient, room: string) =>
    ((await c.ok({ t: Op.History, room })).events as Record<string, any>[]).filter((e) => e.kind === 'call').map((e) => e.data);

  beforeAll(async () => {
    node = await startNode(kind, {
      ringTimeoutMs: 1500,
      callReconnectMs: 400,
      callRoomSize: 4,
      maxCallParticipants: 3,
      stunUrls: ['stun:stun.example.test:3478'],
      turnUrls: ['turn:turn.example.test:3478?transport=udp'],
      turnSecret: TURN_SECRET,
      turnTtl: 600,
    });
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await node?.destroy();
  });

  test('a ring reaches a device that connects while it rings; answer, signal, hang up; the room keeps started and ended', async () => {
    const ana = await signIn('ana');
    await ana.ok({ t: Op.UserSubscribe });
    const welcome = ana.frames.find((f) => f.t === Op.Welcome) as Record<string, any>;
    expect(welcome.features).toContain('calls');
    expect(welcome.limits).toMatchObject({ maxCallParticipants: 3, callRoomSize: 4, ringTimeoutMs: 1500, maxSdp: Limits.maxSdp });
    const room = await dm(ana, 'bo');

    const placed = await ana.ok({ t: Op.CallStart, room, video: true });
    expect(placed).toMatchObject({ room, by: 'ana', name: 'ana', state: 'ringing', video: true, ringing: ['bo'] });
    expect(placed.peers).toEqual([{ user: 'ana', name: 'ana', session: welcome.session, status: 'joined', audio: true, video: true, screen: false }]);
    // TURN credentials by the REST API scheme: `<expiry>:<user>`, HMAC-SHA1 of it with the shared secret.
    const turn = placed.ice.find((s: { urls: string[] }) => s.urls[0]!.startsWith('turn:'));
    const [expiry, user] = turn.username.split(':');
    expect(user).toBe('ana');
    expect(Number(expiry) * 1000).toBe(placed.iceExpires);
    expect(placed.iceExpires - Date.now()).toBeGreaterThan(590_000);
    expect(turn.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));
    expect(placed.ice[0]).toEqual({ urls: ['stun:stun.example.test:3478'] });

    // Bo connects after the call was placed: the ring is in his log.
    const bo = await signIn('bo');
    const boSession = (bo.frames[0] as Record<string, any>).session as string;
    await bo.ok({ t: Op.UserSubscribe, after: 0 });
    const ring = (await bo.next((f) => f.t === Op.UserEvent && (f.e as any).kind === UserEventKind.Ring)).e as Record<string, any>;
    expect(ring.data).toMatchObject({ call: placed.call, room, by: 'ana', name: 'ana', video: true });
    expect(ring.data.until).toBeGreaterThan(Date.now());

    const mark = ana.mark;
    const answered = await bo.ok({ t: Op.CallJoin, call: placed.call });
    expect(answered).toMatchObject({ state: 'active', ringing: [] });
    expect(answered.peers.map((p: { user: string }) => p.user)).toEqual(['ana', 'bo']);
    const active = await ana.next((f) => f.t === Op.CallState && f.state === 'active', 5000, mark);
    expect(active.peers).toHaveLength(2);
    // His log says the ring is over, so that his other devices (and later ones) stop ringing.
    await bo.next((f) => f.t === Op.UserEvent && (f.e as any).kind === UserEventKind.RingEnd);

    // An offer from Ana reaches Bo's connection only, with who sent it; an ICE candidate likewise.
    ana.send({ t: Op.CallSignal, call: placed.call, to: boSession, kind: 'offer', sdp: 'v=0\r\n' });
    const offer = await bo.next((f) => f.t === Op.Signal);
    expect(offer).toMatchObject({ call: placed.call, from: welcome.session, user: 'ana', kind: 'offer', sdp: 'v=0\r\n' });
    bo.send({ t: Op.CallSignal, call: placed.call, to: welcome.session, kind: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    expect((await ana.next((f) => f.t === Op.Signal)).candidate).toMatchObject({ sdpMid: '0', sdpMLineIndex: 0 });

    // Bo mutes: Ana's view follows.
    bo.send({ t: Op.CallMedia, call: placed.call, audio: false, video: true, screen: false });
    const muted = await ana.next((f) => f.t === Op.CallState && (f.peers as any[]).some((p) => p.user === 'bo' && !p.audio));
    expect(muted.state).toBe('active');

    await new Promise((r) => setTimeout(r, 30));
    await bo.ok({ t: Op.CallLeave, call: placed.call });
    const ended = await ana.next((f) => f.t === Op.CallState && f.state === 'ended');
    expect(ended.reason).toBe(CallEndReason.Hangup);
    let calls: Record<string, any>[] = [];
    for (let i = 0; i < 100 && calls.length < 2; i++, await new Promise((r) => setTimeout(r, 20))) calls = await callEvents(ana, room);
    expect(calls.map((d) => d.action)).toEqual(['started', 'ended']);
    expect(calls[1]).toMatchObject({ call: placed.call, video: true });
    expect(calls[1]!.duration).toBeGreaterThanOrEqual(30);
    // Signals for a call that ended are refused.
    ana.send({ t: Op.CallSignal, call: placed.call, to: boSession, kind: 'offer', sdp: 'v=0' });
    expect(await ana.next((f) => f.t === Op.Error && String(f.message).includes(placed.call))).toMatchObject({ code: 'not_found' });
  });

  test('declined by everyone rung: missed, with the reason, and the ring ends', async () => {
    const cy = await signIn('cy');
    const di = await signIn('di');
    await di.ok({ t: Op.UserSubscribe });
    const room = await dm(cy, 'di');
    const placed = await cy.ok({ t: Op.CallStart, user: 'di', video: false });
    expect(placed.room).toBe(room);
    await di.next((f) => f.t === Op.CallState && f.call === placed.call);
    await di.ok({ t: Op.CallDecline, call: placed.call });
    expect(await cy.next((f) => f.t === Op.CallState && f.state === 'ended')).toMatchObject({ reason: CallEndReason.Declined, declined: ['di'] });
    let calls: Record<string, any>[] = [];
    for (let i = 0; i < 100 && calls.length < 2; i++, await new Promise((r) => setTimeout(r, 20))) calls = await callEvents(cy, room);
    expect(calls).toEqual([
      { action: 'started', call: placed.call, video: false },
      { action: 'missed', call: placed.call, video: false, reason: 'declined' },
    ]);
  });

  test('nobody answers: missed after the ring timeout', async () => {
    const ed = await signIn('ed');
    const room = await dm(ed, 'fay');
    const placed = await ed.ok({ t: Op.CallStart, room, video: false });
    expect(await ed.next((f) => f.t === Op.CallState && f.state === 'ended', 5000)).toMatchObject({ call: placed.call, reason: CallEndReason.Timeout });
  });

  test('a call to someone with no shared direct room, or in a room too big, is refused', async () => {
    const gil = await signIn('gil');
    expect(await gil.request({ t: Op.CallStart, user: 'stranger', video: true })).toMatchObject({ t: Op.Error, code: 'forbidden' });
    expect(await gil.request({ t: Op.CallStart, user: 'gil', video: true })).toMatchObject({ t: Op.Error, code: 'bad_frame' });
    expect(await gil.request({ t: Op.CallStart, video: true })).toMatchObject({ t: Op.Error, code: 'bad_frame' });
    expect(await gil.request({ t: Op.CallStart, room: 'lobby', video: true })).toMatchObject({ t: Op.Error, code: 'forbidden' });
    const big = (await gil.ok({ t: Op.RoomCreate, kind: 'private', name: 'Big', members: ['h1', 'h2', 'h3', 'h4'] })).room.id;
    const refused = await gil.request({ t: Op.CallStart, room: big, video: true });
    expect(refused).toMatchObject({ t: Op.Error, code: 'forbidden' });
    expect(String(refused.message)).toContain('at most 4 members');
    expect(await gil.request({ t: Op.CallJoin, call: 'c_nothing' })).toMatchObject({ t: Op.Error, code: 'not_found' });
  });

  test('signals from outside the call, oversize SDP and candidate floods are refused; the call goes on', async () => {
    const ike = await signIn('ike');
    const jo = await signIn('jo');
    const kit = await signIn('kit');
    const session = (c: RawClient) => (c.frames[0] as Record<string, any>).session as string;
    const room = await dm(ike, 'jo');
    const placed = await ike.ok({ t: Op.CallStart, room, video: true });
    await jo.ok({ t: Op.CallJoin, call: placed.call });
    // Kit is in no such call.
    kit.send({ t: Op.CallSignal, call: placed.call, to: session(jo), kind: 'offer', sdp: 'v=0' });
    expect(await kit.next((f) => f.t === Op.Error)).toMatchObject({ code: 'forbidden' });
    // Nor may he join it: to him the direct room of two others does not exist.
    expect(await kit.request({ t: Op.CallJoin, call: placed.call })).toMatchObject({ t: Op.Error, code: 'not_found' });
    // To a connection that is not in the call.
    ike.send({ t: Op.CallSignal, call: placed.call, to: session(kit), kind: 'offer', sdp: 'v=0' });
    expect(await ike.next((f) => f.t === Op.Error)).toMatchObject({ code: 'not_found' });
    // SDP over the limit.
    let mark = ike.mark;
    ike.send({ t: Op.CallSignal, call: placed.call, to: session(jo), kind: 'offer', sdp: 'a'.repeat(Limits.maxSdp + 1) });
    expect(await ike.next((f) => f.t === Op.Error, 5000, mark)).toMatchObject({ code: 'too_large' });
    // A flood of candidates: some are refused with rate_limited; Jo gets no more than the budget.
    mark = ike.mark;
    const candidate = { candidate: 'candidate:1 1 udp 1 192.0.2.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    const joBefore = jo.frames.filter((f) => f.t === Op.Signal).length;
    for (let i = 0; i < 90; i++) ike.send({ t: Op.CallSignal, call: placed.call, to: session(jo), kind: 'candidate', candidate });
    expect(await ike.next((f) => f.t === Op.Error && f.code === 'rate_limited', 5000, mark)).toMatchObject({ retryAfter: expect.any(Number) });
    await ike.ok({ t: Op.Ping });
    const relayed = jo.frames.filter((f) => f.t === Op.Signal).length - joBefore;
    expect(relayed).toBeGreaterThan(0);
    expect(relayed).toBeLessThan(90);
    // The call is still on.
    expect(node.server.hub.calls.get(placed.call)?.state).toBe('active');
    await ike.ok({ t: Op.CallLeave, call: placed.call });
  });

  test('a connection that vanishes mid-call shows reconnecting, then the call ends as lost', async () => {
    const lu = await signIn('lu');
    const mo = await signIn('mo');
    const room = await dm(lu, 'mo');
    const placed = await lu.ok({ t: Op.CallStart, room, video: false });
    await mo.ok({ t: Op.CallJoin, call: placed.call });
    mo.ws.terminate();
    const reconnecting = await lu.next((f) => f.t === Op.CallState && (f.peers as any[]).some((p) => p.user === 'mo' && p.status === 'reconnecting'));
    expect(reconnecting.state).toBe('active');
    expect(await lu.next((f) => f.t === Op.CallState && f.state === 'ended')).toMatchObject({ reason: CallEndReason.Lost });
  });

  test('coming back within the reconnect time keeps the call; a 4th person is over the limit', async () => {
    const room = (await (await signIn('nia')).ok({ t: Op.RoomCreate, kind: 'private', name: 'Four', members: ['oz', 'pat', 'quin'] })).room.id;
    const nia = open.at(-1)!;
    const oz = await signIn('oz');
    const placed = await nia.ok({ t: Op.CallStart, room, video: false });
    expect(placed.ringing.sort()).toEqual(['oz', 'pat', 'quin']);
    await oz.ok({ t: Op.CallJoin, call: placed.call });
    oz.ws.terminate();
    await nia.next((f) => f.t === Op.CallState && (f.peers as any[]).some((p) => p.user === 'oz' && p.status === 'reconnecting'));
    const back = await signIn('oz');
    const rejoined = await back.ok({ t: Op.CallJoin, call: placed.call });
    expect(rejoined.peers.map((p: any) => [p.user, p.status])).toEqual([['nia', 'joined'], ['oz', 'joined']]);
    await new Promise((r) => setTimeout(r, 600)); // past the reconnect time: the old connection's deadline does not end it
    expect(node.server.hub.calls.get(placed.call)?.state).toBe('active');
    const pat = await signIn('pat');
    await pat.ok({ t: Op.CallJoin, call: placed.call });
    expect(node.server.hub.calls.get(placed.call)?.peers).toHaveLength(3);
    const quin = await signIn('quin');
    const over = await quin.request({ t: Op.CallJoin, call: placed.call });
    expect(over).toMatchObject({ t: Op.Error, code: 'limit_reached' });
    expect(String(over.message)).toContain('3 people');
    await nia.ok({ t: Op.CallLeave, call: placed.call });
    await back.ok({ t: Op.CallLeave, call: placed.call });
    expect(await pat.next((f) => f.t === Op.CallState && f.state === 'ended')).toMatchObject({ reason: CallEndReason.Hangup });
  });
});
