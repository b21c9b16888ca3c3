// Web Push end to end, once per store: subscriptions kept and refused, direct messages and mentions
// pushed only to people with no open connection, mute and do-not-disturb honoured, a subscription the
// push service says is gone (410) removed. The push service is a local stand-in (support/push-service.ts)
// that checks the VAPID JWT and decrypts the real RFC 8291 request with the subscription's keys.
import { ChatClient, InvalidRequestError, LimitReachedError } from '@parley/sdk';
import { ErrorCode, Feature, Limits, Op } from '@parley/sdk/protocol';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { SqlStore } from '../server/src/store/index.js';
import { StandInPushService, type TestSubscription } from './support/push-service.js';
import { RawClient } from './support/raw-client.js';
import { freshStorage, postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';
import { opensslAvailable, selfSignedCert, type TestCert } from './support/tls.js';
import { until } from './support/until.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];
const tls = opensslAvailable();

let counter = 0;
const unique = (p: string) => `${p}${Date.now().toString(36)}${counter++}`;

describe.runIf(tls).each(kinds)('Web Push (%s)', (kind) => {
  let node: TestNode;
  let push: StandInPushService;
  let cert: TestCert;
  const storage = freshStorage(kind);
  const clients: RawClient[] = [];
  const signIn = async (user: string, name = user) => {
    const c = await RawClient.signedIn(node.url, userToken(user, name));
    clients.push(c);
    return c;
  };
  const subscriptions = async (user: string) =>
    (await (node.server.store as SqlStore).sql.query<{ endpoint: string }>('SELECT endpoint FROM push_subscriptions WHERE user_id = $1', [user])).map((r) => r.endpoint);
  /** Signs out every connection of `user` and waits until the node has no session of theirs. */
  const away = async (c: RawClient, user: string) => {
    c.ws.close();
    await until(() => node.server.hub.sessionsOf(user).size === 0);
  };
  /** Waits until the pushes the node started are done, so that "nothing was pushed" means it. */
  const settled = () => node.server.hub.notifications!.settled();
  const subscribe = (c: RawClient, s: TestSubscription) => c.request({ t: Op.PushSubscribe, endpoint: s.endpoint, p256dh: s.p256dh, auth: s.auth });

  const start = () =>
    startNode(kind, { sendRate: 1000, frameRate: 1000, workRate: 1000, roomCreateRate: 1000, outboundAllow: ['127.0.0.1'], outboundCa: join(cert.dir, 'cert.pem') }, storage);

  beforeAll(async () => {
    cert = selfSignedCert();
    writeFileSync(join(cert.dir, 'cert.pem'), cert.ca);
    push = await StandInPushService.start(cert);
    node = await start();
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
    await push?.close();
  });

  test('welcome announces push, notify_settings and link_previews, the VAPID key and the limits', async () => {
    const c = await RawClient.open(node.url);
    clients.push(c);
    const welcome = await c.request({ t: Op.Hello, v: 1, token: userToken(unique('w')) });
    expect(welcome.features).toEqual(expect.arrayContaining([Feature.Push, Feature.NotifySettings, Feature.LinkPreviews]));
    expect(welcome.limits).toMatchObject({ maxPushSubscriptions: Limits.maxPushSubscriptions, maxMutedRooms: Limits.maxMutedRooms });
    const key = Buffer.from(welcome.pushKey as string, 'base64url');
    expect(key.length).toBe(65);
    expect(key[0]).toBe(4);
  });

  test('a direct message reaches the away member through the push service, encrypted for their browser and signed with the server key', async () => {
    const alice = await signIn(unique('alice'), 'Alice');
    const bobId = unique('bob');
    const bob = await signIn(bobId, 'Bob');
    const sub = push.subscription();
    expect(await subscribe(bob, sub)).toMatchObject({ t: Op.Result, data: { subscriptions: 1 } });
    const { room } = await alice.ok({ t: Op.RoomCreate, kind: 'dm', members: [bobId] });

    // Bob is connected: nothing is pushed.
    const before = push.received.length;
    await alice.ok({ t: Op.Send, room: room.id, cid: 'c1', body: 'are you there?' });
    await settled();
    expect(push.received.length).toBe(before);

    await away(bob, bobId);
    await alice.ok({ t: Op.Send, room: room.id, cid: 'c2', body: 'the build is green  again' });
    await push.waitFor(before + 1);
    await settled();
    expect(push.problems).toEqual([]);
    const got = push.received.at(-1)!;
    expect(got.endpoint).toBe(sub.endpoint);
    expect(JSON.parse(got.text)).toEqual({ v: 1, kind: 'dm', room: room.id, seq: expect.any(Number), from: 'Alice', text: 'the build is green again' });
    const welcome = await (await RawClient.open(node.url)).request({ t: Op.Hello, v: 1, token: userToken(unique('k')) });
    expect(got.vapidKey).toBe(welcome.pushKey);
    expect(got.headers.urgency).toBe('high');
  });

  test('a voice message pushes its length, for the service worker to say what it is (its text is empty)', async () => {
    const aliceId = unique('alice');
    const alice = await signIn(aliceId, 'Alice');
    const bobId = unique('bob');
    const bob = await signIn(bobId, 'Bob');
    const sub = push.subscription();
    expect(await subscribe(bob, sub)).toMatchObject({ t: Op.Result });
    const { room } = await alice.ok({ t: Op.RoomCreate, kind: 'dm', members: [bobId] });
    await away(bob, bobId);
    // The recording through the SDK, as the widget's recorder sends it.
    const sdk = new ChatClient({ url: node.url, token: userToken(aliceId, 'Alice'), WebSocket });
    await sdk.connect();
    try {
      const webm = new Uint8Array(readFileSync(new URL('./fixtures/voice-tone-2s.webm', import.meta.url)));
      const voice = await sdk.upload(webm, { name: 'voice.webm', voice: { duration: 1980, waveform: Array.from({ length: 16 }, (_, i) => i * 16) } }).done;
      const before = push.received.length;
      await alice.ok({ t: Op.Send, room: room.id, cid: 'v1', body: '', files: [voice.id] });
      await push.waitFor(before + 1);
    } finally {
      await sdk.close();
    }
    expect(JSON.parse(push.received.at(-1)!.text)).toEqual({ v: 1, kind: 'dm', room: room.id, seq: expect.any(Number), from: 'Alice', text: '', voice: 1980 });
  });

  test('a mention pushes to the mentioned member who is away, with the room name; mute and do-not-disturb silence it', async () => {
    const alice = await signIn(unique('alice'), 'Alice');
    const carolId = unique('carol');
    const carol = await signIn(carolId, 'Carol');
    const room = unique('team');
    await alice.ok({ t: Op.RoomCreate, kind: 'private', id: room, name: 'Team room', members: [carolId] });
    const sub = push.subscription();
    await subscribe(carol, sub);
    const mention = (cid: string, body = '@Carol look') => alice.ok({ t: Op.Send, room, cid, body, mentions: [{ user: carolId, at: 0, len: 6 }] });

    // Muted: no push for the room. Other settings are kept as they were.
    expect(await carol.ok({ t: Op.NotifySettings, room, muted: true })).toEqual({ dnd: false, muted: [room] });
    await away(carol, carolId);
    let n = push.received.length;
    await mention('m1');
    await alice.ok({ t: Op.Send, room, cid: 'plain', body: 'no mention here' });
    await settled();
    expect(push.received.length).toBe(n);

    const carol2 = await signIn(carolId, 'Carol');
    expect(await carol2.ok({ t: Op.NotifySettings, room, muted: false })).toEqual({ dnd: false, muted: [] });
    await away(carol2, carolId);
    await mention('m2', '@Carol the deploy is done');
    await push.waitFor(n + 1);
    expect(JSON.parse(push.received.at(-1)!.text)).toMatchObject({ kind: 'mention', room, roomName: 'Team room', from: 'Alice', text: '@Carol the deploy is done' });

    const carol3 = await signIn(carolId, 'Carol');
    expect(await carol3.ok({ t: Op.NotifySettings, dnd: true })).toEqual({ dnd: true, muted: [] });
    expect(await carol3.ok({ t: Op.NotifySettings })).toEqual({ dnd: true, muted: [] });
    await away(carol3, carolId);
    n = push.received.length;
    await mention('m3');
    await settled();
    expect(push.received.length).toBe(n);
    expect(push.problems).toEqual([]);
  });

  test('a subscription the push service answers 410 for is removed; one it answers 500 for is kept', async () => {
    const alice = await signIn(unique('alice'), 'Alice');
    const daveId = unique('dave');
    const dave = await signIn(daveId, 'Dave');
    const gone = push.subscription();
    const flaky = push.subscription();
    await subscribe(dave, gone);
    await subscribe(dave, flaky);
    push.answer.set(new URL(gone.endpoint).pathname, 410);
    push.answer.set(new URL(flaky.endpoint).pathname, 500);
    const { room } = await alice.ok({ t: Op.RoomCreate, kind: 'dm', members: [daveId] });
    await away(dave, daveId);
    await alice.ok({ t: Op.Send, room: room.id, cid: 'x', body: 'hello' });
    await until(async () => !(await subscriptions(daveId)).includes(gone.endpoint));
    await settled();
    expect(await subscriptions(daveId)).toEqual([flaky.endpoint]);
  });

  test('bad subscriptions are refused with clear errors and nothing is stored', async () => {
    const userId = unique('erin');
    const c = await signIn(userId);
    const good = push.subscription();
    const refused = async (frame: Record<string, unknown>, code: string, message: RegExp) => {
      const reply = await c.request({ t: Op.PushSubscribe, endpoint: good.endpoint, p256dh: good.p256dh, auth: good.auth, ...frame });
      expect(reply).toMatchObject({ t: Op.Error, code });
      expect(reply.message).toMatch(message);
    };
    await refused({ endpoint: 'http://push.example.com/x' }, ErrorCode.BadFrame, /https/);
    await refused({ endpoint: 'not a url' }, ErrorCode.BadFrame, /not a URL/);
    await refused({ endpoint: 'https://10.1.2.3/push' }, ErrorCode.BadFrame, /not a public address/);
    await refused({ endpoint: 'https://[::ffff:169.254.169.254]/push' }, ErrorCode.BadFrame, /not a public address/);
    await refused({ endpoint: 'https://push.example.com:8443/x' }, ErrorCode.BadFrame, /port 443/);
    await refused({ endpoint: 'https://user:pw@push.example.com/x' }, ErrorCode.BadFrame, /credentials/);
    await refused({ endpoint: `https://push.example.com/${'a'.repeat(Limits.maxPushEndpoint)}` }, ErrorCode.TooLarge, /endpoint/);
    await refused({ p256dh: good.p256dh.slice(0, 40) }, ErrorCode.BadFrame, /65 bytes/);
    // 65 bytes that start like a point but are not on the curve.
    await refused({ p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url') }, ErrorCode.BadFrame, /curve/);
    await refused({ p256dh: 'not base64url!' }, ErrorCode.BadFrame, /p256dh/);
    await refused({ auth: Buffer.alloc(8).toString('base64url') }, ErrorCode.BadFrame, /16-byte/);
    await refused({ expirationTime: null }, ErrorCode.BadFrame, /expirationTime/);
    expect(await subscriptions(userId)).toEqual([]);

    // Up to the limit, then limit_reached; the same endpoint again is not a new one.
    for (let i = 0; i < Limits.maxPushSubscriptions; i++) await c.ok({ t: Op.PushSubscribe, ...pick(push.subscription()) });
    const again = pick(push.subscription());
    const over = await c.request({ t: Op.PushSubscribe, ...again });
    expect(over).toMatchObject({ t: Op.Error, code: ErrorCode.LimitReached });
    expect(over.message).toMatch(/push_unsubscribe/);
    const kept = await subscriptions(userId);
    expect(kept).toHaveLength(Limits.maxPushSubscriptions);
    expect(await c.ok({ t: Op.PushSubscribe, endpoint: kept[0], p256dh: good.p256dh, auth: good.auth })).toEqual({ subscriptions: Limits.maxPushSubscriptions });
    expect(await c.ok({ t: Op.PushUnsubscribe, endpoint: kept[0] })).toEqual({ removed: true });
    expect(await c.ok({ t: Op.PushUnsubscribe, endpoint: kept[0] })).toEqual({ removed: false });
    expect(await c.ok({ t: Op.PushSubscribe, ...again })).toEqual({ subscriptions: Limits.maxPushSubscriptions });
  });

  test('browsers of one user subscribing at the same time never keep more than the limit', async () => {
    const user = unique('race');
    const browsers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => signIn(user)));
    for (let i = 0; i < Limits.maxPushSubscriptions - 2; i++) expect(await subscribe(browsers[0]!, push.subscription())).toMatchObject({ t: Op.Result });
    // Two places left, six browsers asking at once: each counts the others only after the one before stored its own.
    const replies = await Promise.all(browsers.map((c) => subscribe(c, push.subscription())));
    expect(replies.filter((r) => r.t === Op.Result)).toHaveLength(2);
    expect(replies.filter((r) => r.t === Op.Error).map((r) => r.code)).toEqual(Array(4).fill(ErrorCode.LimitReached));
    expect(await subscriptions(user)).toHaveLength(Limits.maxPushSubscriptions);
  });

  test('someone else cannot remove a subscription; notify_settings refuses what it cannot do', async () => {
    const owner = await signIn(unique('frank'));
    const other = await signIn(unique('gina'));
    const sub = pick(push.subscription());
    await owner.ok({ t: Op.PushSubscribe, ...sub });
    expect(await other.ok({ t: Op.PushUnsubscribe, endpoint: sub.endpoint })).toEqual({ removed: false });
    expect(await owner.request({ t: Op.NotifySettings, room: 'lobby' })).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(await owner.request({ t: Op.NotifySettings, room: unique('nope'), muted: true })).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound });
    const privateRoom = unique('priv');
    await other.ok({ t: Op.RoomCreate, kind: 'private', id: privateRoom });
    expect(await owner.request({ t: Op.NotifySettings, room: privateRoom, muted: true })).toMatchObject({ t: Op.Error });
    expect(await owner.request({ t: Op.NotifySettings, dnd: 'yes' })).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(await owner.ok({ t: Op.NotifySettings })).toEqual({ dnd: false, muted: [] });
  });

  test('the SDK subscribes a browser, changes the settings and reads a preview, with typed errors', async () => {
    const userId = unique('sdk');
    const client = new ChatClient({ url: node.url, token: userToken(userId, 'Sdk'), WebSocket });
    try {
      await client.connect();
      expect(client.pushKey).toMatch(/^[\w-]{87}$/);
      const sub = push.subscription();
      expect(await client.subscribePush({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } })).toBe(1);
      await expect(client.subscribePush({ endpoint: 'http://push.example.com/x', keys: { p256dh: sub.p256dh, auth: sub.auth } })).rejects.toBeInstanceOf(InvalidRequestError);
      for (let i = 1; i < Limits.maxPushSubscriptions; i++) {
        const more = push.subscription();
        await client.subscribePush({ endpoint: more.endpoint, keys: { p256dh: more.p256dh, auth: more.auth } });
      }
      const extra = push.subscription();
      await expect(client.subscribePush({ endpoint: extra.endpoint, keys: { p256dh: extra.p256dh, auth: extra.auth } })).rejects.toBeInstanceOf(LimitReachedError);
      expect(await client.unsubscribePush(sub.endpoint)).toBe(true);
      const room = await client.createRoom({ kind: 'private', id: unique('sdkroom') });
      expect(await client.notifySettings({ room: room.id, muted: true })).toEqual({ dnd: false, muted: [room.id] });
      expect(await client.notifySettings({ dnd: true })).toEqual({ dnd: true, muted: [room.id] });
      const ack = await room.send('no link in this one');
      expect(await client.linkPreview(room.id, ack.seq)).toBeNull();
    } finally {
      await client.close();
    }
  });

  test('the VAPID key pair is made once and kept in the store across restarts', async () => {
    const key = async () => {
      const c = await RawClient.open(node.url);
      const w = await c.request({ t: Op.Hello, v: 1, token: userToken(unique('r')) });
      c.ws.terminate();
      return w.pushKey as string;
    };
    const first = await key();
    await node.stop();
    node = await start();
    expect(await key()).toBe(first);
  });
});

function pick(s: TestSubscription) {
  return { endpoint: s.endpoint, p256dh: s.p256dh, auth: s.auth };
}
