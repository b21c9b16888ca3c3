// The outbox: every room.send resolves exactly once with the stored message's ack, surviving
// reconnects, rate limits and outages with the same cid, and failing only when it cannot succeed.
import { describe, expect, it } from 'vitest';
import { ForbiddenError, InvalidRequestError, NotFoundError, TimeoutError } from '../src/index.js';
import { ErrorCode, Op } from '../src/protocol/index.js';
import { makeClient, record, sleep, startServer } from './helpers.js';

async function setup(clientOptions: Parameters<typeof makeClient>[1] = {}) {
  const server = await startServer();
  server.createRoom('lobby');
  const client = makeClient(server, clientOptions);
  const messages = record(client, 'message');
  await client.connect();
  const room = await client.join('lobby');
  return { server, client, room, messages };
}

describe('outbox', () => {
  it('re-sends an unacked message with the same cid after a reconnect; a stored one comes back as duplicate', async () => {
    const { server, room, messages } = await setup();
    // The first connection stores the message, then dies before the ack leaves.
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Send || conn !== server.connections[0]) return false;
      server.handle(frame, conn, { reply: false });
      conn.terminate();
      return true;
    });
    let settled = 0;

    const ack = await room.send('hello').finally(() => settled++);

    const [first] = server.connections[0]!.sent(Op.Send);
    const [retry] = server.connections[1]!.sent(Op.Send);
    expect(retry!.cid).toBe(first!.cid);
    expect(ack).toMatchObject({ cid: first!.cid, seq: 2, duplicate: true });
    await server.waitFor(() => room.lastSeq === 2);
    expect(messages.map((m) => m.event.body)).toEqual(['hello']);
    expect(server.rooms.get('lobby')!.events).toHaveLength(2);
    await sleep(50);
    expect(settled).toBe(1);
  });

  it('re-sends every unacked message in order after the socket drops mid-send', async () => {
    const { server, room, messages } = await setup();
    server.intercept((frame, conn) => frame.t === Op.Send && conn === server.connections[0]);
    const sends = ['one', 'two', 'three'].map((body) => room.send(body));
    await server.waitFor(() => server.connections[0]!.sent(Op.Send).length === 3);

    server.connections[0]!.terminate();

    const acks = await Promise.all(sends);
    expect(acks.map((a) => [a.seq, a.duplicate])).toEqual([[2, false], [3, false], [4, false]]);
    expect(server.connections[1]!.sent(Op.Send).map((f) => f.cid)).toEqual(server.connections[0]!.sent(Op.Send).map((f) => f.cid));
    await server.waitFor(() => messages.length === 3);
    expect(messages.map((m) => m.event.body)).toEqual(['one', 'two', 'three']);
  });

  it('holds sends made while reconnecting and sends them after the room is resumed', async () => {
    const { server, client, room } = await setup({ reconnect: { minDelayMs: 100, maxDelayMs: 100 } });
    server.last.terminate();
    await server.waitFor(() => client.state === 'reconnecting');

    const ack = await room.send('queued');

    expect(ack.seq).toBe(2);
    const frames = server.connections[1]!.frames.map((f) => f.t);
    expect(frames.indexOf(Op.Subscribe)).toBeLessThan(frames.indexOf(Op.Send));
  });

  it('retries after rate_limited once retryAfter has passed', async () => {
    const { server, room } = await setup();
    const seen: number[] = [];
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Send) return false;
      seen.push(Date.now());
      if (seen.length > 1) return false;
      conn.error(frame.r, ErrorCode.RateLimited, 'slow down', 150);
      return true;
    });

    const ack = await room.send('patience');

    expect(ack.duplicate).toBe(false);
    expect(seen).toHaveLength(2);
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(145);
    const cids = server.last.sent(Op.Send).map((f) => f.cid);
    expect(cids[0]).toBe(cids[1]);
  });

  it('retries unavailable and internal errors with backoff', async () => {
    const { server, room } = await setup();
    const failures = [ErrorCode.Unavailable, ErrorCode.Internal, ErrorCode.Unavailable];
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Send) return false;
      const code = failures.shift();
      if (code) conn.error(frame.r, code);
      return !!code;
    });

    const ack = await room.send('eventually');

    expect(ack.seq).toBe(2);
    expect(server.last.sent(Op.Send)).toHaveLength(4);
  });

  it('keeps a room\'s messages in order through retries: later ones wait behind the one being retried', async () => {
    const { server, room, messages } = await setup();
    // The first attempt of each of the first two messages fails; whatever the backoff jitter, the
    // server must then store them in the order they were sent, and a message sent meanwhile last.
    const failedOnce = new Set<string>();
    let outage = true;
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Send || !outage || failedOnce.has(frame.cid)) return false;
      failedOnce.add(frame.cid);
      conn.error(frame.r, ErrorCode.Unavailable);
      return true;
    });
    const sends = [room.send('one'), room.send('two')];
    await server.waitFor(() => failedOnce.size === 2);
    outage = false;
    // Sent once the client knows of a failure (its retry of 'one' reached the server). Sent before
    // that, it could be stored first: the exception protocol section 9.5 documents.
    await server.waitForFrame(Op.Send, (f) => f.body === 'one' && server.last.sent(Op.Send).filter((s) => s.body === 'one').length === 2);
    sends.push(room.send('three'));
    const acks = await Promise.all(sends);

    expect(acks.map((a) => a.seq)).toEqual([2, 3, 4]);
    const stored = server.rooms.get('lobby')!.events.filter((e) => e.kind === 'msg').map((e) => e.body);
    expect(stored).toEqual(['one', 'two', 'three']);
    await server.waitFor(() => messages.length === 3);
    expect(messages.map((m) => m.event.body)).toEqual(['one', 'two', 'three']);
  });

  it('rejects without retrying when the server says the send cannot succeed', async () => {
    const { server, client, room } = await setup();
    server.createRoom('closed-club', 'private', ['bob']);
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Send || frame.body !== 'boom') return false;
      conn.error(frame.r, ErrorCode.NotFound, 'room deleted');
      return true;
    });

    await expect(room.send('boom')).rejects.toBeInstanceOf(NotFoundError);
    const joined = await client.join('lobby');
    server.rooms.get('lobby')!.members.delete('alice');
    await expect(joined.send('not a member any more')).rejects.toBeInstanceOf(ForbiddenError);
    await sleep(50);
    expect(server.last.sent(Op.Send)).toHaveLength(2);
  });

  it('rejects blank and oversized bodies locally, without sending anything', async () => {
    const { server, room } = await setup();

    await expect(room.send('  \n ')).rejects.toMatchObject({ code: ErrorCode.BadFrame });
    await expect(room.send('x'.repeat(4001))).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(room.send('x'.repeat(4001))).rejects.toMatchObject({ code: ErrorCode.TooLarge });
    expect(server.last.sent(Op.Send)).toHaveLength(0);
  });

  it('gives up with TimeoutError after outboxTtlMs', async () => {
    const { server, room } = await setup({ outboxTtlMs: 300 });
    server.intercept((frame) => frame.t === Op.Send);

    const started = Date.now();
    await expect(room.send('into the void')).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('outbox after a backlog', () => {
  // The field report (issue 10, items 1 and 2) at ten times the speed: a client sending at half the
  // server's send rate over two rooms is cut off long enough to pile up a backlog, keeps sending
  // after it is back, and must have every message stored once, in its call order per room, without
  // ever being refused by the server's rate limits (which this fake enforces like the real one).
  it('stores a backlog in call order per room, paced below the announced rates', { timeout: 30_000 }, async () => {
    const server = await startServer({ rateLimits: { sendRate: 100, frameRate: 500 } });
    for (const id of ['a', 'b']) server.createRoom(id, 'public', ['alice']);
    const client = makeClient(server);
    await client.connect();
    const rooms = [await client.join('a'), await client.join('b')];
    let offline = false;
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Hello || !offline) return false;
      conn.close(1013, 'try again later');
      return true;
    });
    const called: Record<string, string[]> = { a: [], b: [] };
    const acks: Promise<unknown>[] = [];
    let n = 0;
    const sendFor = async (ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) {
        const room = rooms[Math.floor(Math.random() * 2)]!;
        const body = `m${++n}`;
        called[room.id]!.push(body);
        acks.push(room.send(body));
      }
    };

    await sendFor(500);
    offline = true;
    server.last.terminate();
    await sendFor(6000);
    offline = false;
    await sendFor(3000);
    await Promise.all(acks);

    for (const id of ['a', 'b']) {
      const stored = server.rooms.get(id)!.events.filter((e) => e.kind === 'msg').map((e) => e.body);
      expect(stored).toEqual(called[id]);
    }
    expect(server.connections.flatMap((c) => c.rateLimited)).toHaveLength(0);
    expect(server.connections.filter((c) => c.closedWith === 4006)).toHaveLength(0);
  });

  it('holds a room\'s later messages, even those sent meanwhile, until a rate-limited one is stored', async () => {
    const { server, room } = await setup();
    let refused: string | undefined;
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Send || refused) return false;
      refused = frame.cid;
      conn.error(frame.r, ErrorCode.RateLimited, 'slow down', 200);
      return true;
    });
    const first = room.send('first');
    await server.waitFor(() => refused);
    const later = [room.send('second'), room.send('third')];
    await sleep(100); // within retryAfter: nothing may overtake the refused message

    expect(server.last.sent(Op.Send).map((f) => f.body)).toEqual(['first']);
    await Promise.all([first, ...later]);
    expect(server.last.sent(Op.Send).map((f) => f.body)).toEqual(['first', 'first', 'second', 'third']);
    expect(server.rooms.get('lobby')!.events.filter((e) => e.kind === 'msg').map((e) => e.body)).toEqual(['first', 'second', 'third']);
  });

  it('does not hold other rooms behind a room whose message is being retried', async () => {
    const { server, client, room } = await setup();
    server.createRoom('side');
    const side = await client.join('side');
    let outage = true;
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Send || frame.room !== 'lobby' || !outage) return false;
      conn.error(frame.r, ErrorCode.Unavailable, 'storage unavailable');
      return true;
    });
    const held = room.send('held');

    const ack = await side.send('through');

    expect(ack.seq).toBe(2);
    outage = false;
    expect((await held).duplicate).toBe(false);
  });

  it('paces other requests below the announced frame rate too', async () => {
    const server = await startServer({ rateLimits: { sendRate: 10, frameRate: 50 } });
    server.createRoom('lobby');
    const client = makeClient(server, { requestTimeoutMs: 10_000 });
    await client.connect();
    const room = await client.join('lobby');

    // One and a half times the server's burst of frames, at once: all must be answered, none refused.
    const pages = await Promise.all(Array.from({ length: 150 }, () => room.history({ limit: 1 })));

    expect(pages).toHaveLength(150);
    expect(server.last.rateLimited).toHaveLength(0);
    expect(server.connections).toHaveLength(1);
  });
});
