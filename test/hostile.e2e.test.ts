// Hostile and broken input: each is answered with an error frame or a close code, and the node keeps
// serving a pair of users who chat throughout.
import { CloseCode, encodeFrame, ErrorCode, Limits, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { scrape } from './support/prometheus.js';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

describe.each(kinds)('hostile input (%s)', (kind) => {
  let node: TestNode;
  let alice: RawClient;
  let bob: RawClient;
  let n = 0;

  /** Alice sends, Bob must receive: the node still serves everyone else. */
  async function stillChatting(): Promise<void> {
    const ack = await alice.ok({ t: Op.Send, room: 'lobby', cid: `alive-${n++}`, body: 'still here' });
    await bob.next((f) => f.t === Op.Event && (f.e as any).id === ack.id);
  }

  async function attacker(): Promise<RawClient> {
    return RawClient.signedIn(node.url, userToken(`mallory-${n++}`));
  }

  beforeAll(async () => {
    node = await startNode(kind, { origins: ['https://good.example'], helloTimeoutMs: 300, frameRate: 20, sendRate: 5, maxBackpressure: 65_536 });
    alice = await RawClient.signedIn(node.url, userToken('alice'));
    bob = await RawClient.signedIn(node.url, userToken('bob'));
    await alice.ok({ t: Op.Join, room: 'lobby' });
    await bob.ok({ t: Op.Join, room: 'lobby' });
  });
  afterAll(async () => {
    alice?.ws.terminate();
    bob?.ws.terminate();
    await node?.destroy();
  });

  test('garbage bytes: bad_frame error then close 4000', async () => {
    const m = await attacker();
    m.sendRaw(new Uint8Array([0xc1, 0xff, 0x00, 0x13]));
    expect(await m.next((f) => f.t === Op.Error)).toMatchObject({ code: ErrorCode.BadFrame });
    expect((await m.closed).code).toBe(CloseCode.ProtocolError);
    await stillChatting();
  });

  test('a text frame closes with 4000', async () => {
    const m = await attacker();
    m.sendRaw('{"t":20}');
    expect((await m.closed).code).toBe(CloseCode.ProtocolError);
    await stillChatting();
  });

  test('wrong field types, unknown frame type and over-long fields get errors carrying r; the socket stays usable', async () => {
    const m = await attacker();
    expect(await m.request({ t: Op.Send, room: 42, cid: 'x', body: 'hi' })).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(await m.request({ t: Op.Send, room: 'lobby', cid: 'bad cid!', body: 'hi' })).toMatchObject({ code: ErrorCode.BadFrame });
    expect(await m.request({ t: Op.History, room: 'lobby', limit: -1 })).toMatchObject({ code: ErrorCode.BadFrame });
    expect(await m.request({ t: 63 })).toMatchObject({ code: ErrorCode.UnknownType });
    expect(await m.request({ t: Op.Welcome })).toMatchObject({ code: ErrorCode.UnknownType });
    expect(await m.request({ t: Op.Send, room: 'lobby', cid: 'long', body: 'x'.repeat(Limits.maxBody + 1) })).toMatchObject({
      code: ErrorCode.TooLarge,
    });
    await m.ok({ t: Op.Join, room: 'lobby' });
    expect(await m.request({ t: Op.Send, room: 'lobby', cid: 'blank', body: '   \n ' })).toMatchObject({ code: ErrorCode.BadFrame });
    expect(await m.request({ t: Op.Hello, v: PROTOCOL_VERSION, token: userToken('other') })).toMatchObject({ code: ErrorCode.BadFrame });
    await m.ok({ t: Op.Ping });
    m.ws.terminate();
    await stillChatting();
  });

  test('a message holding U+0000 is refused with bad_frame and cannot sink the batch it arrives with', async () => {
    const m = await attacker();
    await m.ok({ t: Op.Join, room: 'lobby' });
    // Sent in one burst with Alice's message, so that both would share one group-commit batch.
    const bad = m.request({ t: Op.Send, room: 'lobby', cid: 'nul', body: 'a\u0000b' });
    const good = alice.ok({ t: Op.Send, room: 'lobby', cid: `beside-nul-${n++}`, body: 'next to it' });
    expect(await bad).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame, message: expect.stringMatching(/NUL/) });
    const ack = await good;
    await bob.next((f) => f.t === Op.Event && (f.e as any).id === ack.id);
    expect(await m.ok({ t: Op.Send, room: 'lobby', cid: 'after-nul', body: 'and the attacker may still talk' })).toMatchObject({ seq: expect.any(Number) });
    await stillChatting();
  });

  test('deeply nested msgpack is refused before decoding', async () => {
    const m = await attacker();
    const nested = new Uint8Array(50_000).fill(0x91); // 50k nested one-element arrays
    m.sendRaw(nested);
    expect(await m.next((f) => f.t === Op.Error)).toMatchObject({ code: ErrorCode.BadFrame, message: expect.stringContaining('deeper') });
    expect((await m.closed).code).toBe(CloseCode.ProtocolError);
    await stillChatting();
  });

  test('__proto__ keys neither pollute prototypes nor reach handlers', async () => {
    const m = await attacker();
    await m.ok({ t: Op.Join, room: 'lobby' });
    // msgpack map with keys t, r, room, cid, body and __proto__ carrying an "isAdmin" payload
    const frame = encodeFrame({ t: Op.Send, r: 77, room: 'lobby', cid: 'proto', body: 'sneaky', ['__proto__']: { isAdmin: true } });
    m.sendRaw(frame);
    const reply = await m.next((f) => f.r === 77);
    // An unknown key like any other (strict_requests): refused by name, nothing stored.
    expect(reply).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    // (msgpackr reads the key as `__proto_`, so that it cannot become the map's prototype.)
    expect(reply.message).toMatch(/unknown field "__proto__?"/);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    m.ws.terminate();
    await stillChatting();
  });

  test('an oversize frame closes the socket (1009 or abnormal), others unaffected', async () => {
    const m = await attacker();
    m.sendRaw(new Uint8Array(Limits.maxFrameBytes + 1024).fill(0x61));
    const { code } = await m.closed;
    expect([CloseCode.TooLarge, 1006]).toContain(code);
    await stillChatting();
  });

  test('a flood hits the rate limit with retryAfter, then a sustained one is closed with 4006', async () => {
    const m = await attacker();
    await m.ok({ t: Op.Join, room: 'lobby' });
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => m.request({ t: Op.Send, room: 'lobby', cid: `f${i}`, body: 'spam' })));
    const limited = replies.filter((r) => r.code === ErrorCode.RateLimited);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.retryAfter).toBeGreaterThan(0);
    expect(replies.filter((r) => r.t === Op.Result).length).toBeLessThanOrEqual(10 + 1); // burst 2 x sendRate, + refill
    for (let i = 0; i < 300 && m.ws.readyState === WebSocket.OPEN; i++) m.send({ t: Op.Ping, r: 1000 + i });
    expect((await m.closed).code).toBe(CloseCode.RateLimited);
    await stillChatting();
  });

  test('an origin outside the allowlist is refused at upgrade; an allowed one connects', async () => {
    await expect(RawClient.open(node.url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const ok = await RawClient.open(node.url, { origin: 'https://good.example' });
    ok.ws.terminate();
  });

  test("the server's own pages connect without being in the allowlist; the same host on another port does not", async () => {
    const { hostname, port } = new URL(node.http);
    const own = await RawClient.open(node.url, { origin: node.http });
    own.ws.terminate();
    const otherPort = Number(port) === 1 ? 2 : 1;
    await expect(RawClient.open(node.url, { origin: `http://${hostname}:${otherPort}` })).rejects.toThrow(/403/);
    const localhost = await RawClient.open(node.url.replace('127.0.0.1', 'localhost'), { origin: `http://localhost:${port}` });
    localhost.ws.terminate();
  });

  test('a DNS-rebinding page that names itself in the Host header is refused: Host proves nothing', async () => {
    const { port } = new URL(node.http);
    const forged = { origin: `http://rebind.example:${port}`, host: `rebind.example:${port}` };
    await expect(RawClient.open(node.url, forged)).rejects.toThrow(/403/);
    await stillChatting();
  });

  test('no hello in time closes with 4003', async () => {
    const m = await RawClient.open(node.url);
    expect((await m.closed).code).toBe(CloseCode.HelloTimeout);
    await stillChatting();
  });
});

describe('PARLEY_PUBLIC_URL (pglite)', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('pglite', { origins: ['https://good.example'], publicUrls: ['https://chat.example.com'] });
  });
  afterAll(async () => {
    await node?.destroy();
  });

  test('names the only origins exempt from PARLEY_ORIGINS: not localhost then, and never a forged Host', async () => {
    const own = await RawClient.open(node.url, { origin: 'https://chat.example.com' });
    own.ws.terminate();
    await expect(RawClient.open(node.url, { origin: node.http })).rejects.toThrow(/403/);
    await expect(RawClient.open(node.url, { origin: 'https://rebind.example', host: 'rebind.example' })).rejects.toThrow(/403/);
    const listed = await RawClient.open(node.url, { origin: 'https://good.example' });
    listed.ws.terminate();
  });
});

describe('slow consumer (pglite)', () => {
  // Each case starts its own node and fills megabytes of socket buffers: slow on a busy machine.
  const SLOW = 120_000;

  /**
   * Stops reading `slow`'s socket, runs `flood` until the server has dropped it, then reads again and
   * returns the close the client observed. The kernel's buffers fill first, then the server's queue.
   */
  async function neverReads(node: TestNode, slow: RawClient, flood: (round: number) => Promise<unknown>): Promise<number> {
    const socket = (slow.ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.pause();
    for (let round = 0; node.server.connections > 1 && round < 2000; round++) await flood(round);
    expect(node.server.connections).toBe(1); // dropped while still not reading: its queue is freed now
    socket.resume();
    return (await slow.closed).code;
  }

  async function closes(node: TestNode): Promise<Record<string, number | undefined>> {
    const s = await scrape(`${node.http}/metrics`);
    return Object.fromEntries(['slow_consumer', '4005', '1006'].map((code) => [code, s.value('parley_ws_closes_total', { code })]));
  }

  test('a client that never reads its replies is aborted: it sees 1006, /metrics counts a slow consumer', async () => {
    const node = await startNode('pglite', { sendRate: 5000, frameRate: 5000, maxBackpressure: 65_536 });
    try {
      const writer = await RawClient.signedIn(node.url, userToken('writer'));
      await writer.ok({ t: Op.RoomCreate, kind: 'public', id: 'big' });
      const body = 'y'.repeat(Limits.maxBody);
      for (let i = 0; i < 200; i += 25) {
        await Promise.all(Array.from({ length: 25 }, (_, j) => writer.ok({ t: Op.Send, room: 'big', cid: `b${i + j}`, body })));
      }
      const slow = await RawClient.signedIn(node.url, userToken('slow'));
      await slow.ok({ t: Op.Join, room: 'big' });
      // Each history reply is ~130 KB (pages are capped by size): far more than loopback buffers hold.
      let r = 1000;
      const code = await neverReads(node, slow, async () => {
        for (let i = 0; i < 20; i++) slow.send({ t: Op.History, r: r++, room: 'big', limit: 200 });
        // A read of the writer's own waits behind those 20 in the embedded store's one session, so
        // each round starts once the last was answered: the reader stays within maxPending, and the
        // store has no backlog for the writer's send below to wait behind.
        await writer.ok({ t: Op.History, room: 'big', limit: 1 });
      });
      expect(code).toBe(1006); // no 4005 can arrive: a close frame would queue behind what it never read
      expect(await closes(node)).toEqual({ slow_consumer: 1, '4005': 0, '1006': 0 });
      await writer.ok({ t: Op.Send, room: 'big', cid: 'after', body: 'fine' }); // the writer was never affected
      writer.ws.terminate();
    } finally {
      await node.destroy();
    }
  }, SLOW);

  test('a subscriber that never reads the room it follows is aborted the same way (fan-out path, default limit)', async () => {
    const node = await startNode('pglite', { sendRate: 5000, frameRate: 5000 });
    try {
      const writer = await RawClient.signedIn(node.url, userToken('writer'));
      await writer.ok({ t: Op.RoomCreate, kind: 'public', id: 'busy' });
      const slow = await RawClient.signedIn(node.url, userToken('slow'));
      await slow.ok({ t: Op.Join, room: 'busy' });
      const body = 'z'.repeat(Limits.maxBody);
      const code = await neverReads(node, slow, (round) =>
        Promise.all(Array.from({ length: 10 }, (_, i) => writer.ok({ t: Op.Send, room: 'busy', cid: `f${round}-${i}`, body }))),
      );
      expect(code).toBe(1006);
      expect(await closes(node)).toEqual({ slow_consumer: 1, '4005': 0, '1006': 0 });
      writer.ws.terminate();
    } finally {
      await node.destroy();
    }
  }, SLOW);
});
