// Connection lifecycle through the public API: handshake, auth failures, token refresh, reconnect with
// backoff, liveness, timeouts, malformed frames and shutdown.
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ChatClient,
  ClientClosedError,
  ConnectError,
  ConnectionClosedError,
  ProtocolError,
  TimeoutError,
  UnauthorizedError,
  type ClientState,
} from '../src/index.js';
import { encodeFrame, Op } from '../src/protocol/index.js';
import { makeClient, record, seqs, sleep, startServer } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('handshake', () => {
  it('sends hello with the token and protocol version, then resolves with the welcomed user', async () => {
    const server = await startServer();
    const client = makeClient(server);
    const states = record(client, 'state');
    expect(client.state).toBe('idle');

    const user = await client.connect();

    expect(user).toEqual({ id: 'alice', name: 'alice', guest: false });
    expect(client.user).toEqual(user);
    expect(client.state).toBe('connected');
    expect(client.session).toBe('s1');
    expect(server.connections[0]!.frames[0]).toEqual({ t: Op.Hello, r: 0, v: 1, token: 'alice', device: expect.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) });
    expect(states).toEqual([
      { oldState: 'idle', newState: 'connecting' },
      { oldState: 'connecting', newState: 'connected' },
    ]);
  });

  it('rejects with UnauthorizedError and does not reconnect when the token is rejected', async () => {
    const server = await startServer({ tokens: { good: { id: 'alice', name: 'Alice', guest: false } } });
    const client = makeClient(server, { token: 'bad' });
    const errors = record(client, 'error');

    await expect(client.connect()).rejects.toBeInstanceOf(UnauthorizedError);

    expect(client.state).toBe('closed');
    await sleep(200);
    expect(server.connections).toHaveLength(1);
    expect(errors.map((e) => e.error)).toEqual([expect.any(UnauthorizedError)]);
  });

  it('retries a rejected token once with a fresh one from getToken', async () => {
    const server = await startServer({ tokens: { fresh: { id: 'alice', name: 'Alice', guest: false } } });
    const getToken = vi.fn(() => 'fresh');
    const client = makeClient(server, { token: 'stale', getToken });

    await client.connect();

    expect(getToken).toHaveBeenCalledTimes(1);
    expect(server.connections.map((c) => c.token)).toEqual(['stale', 'fresh']);
  });

  it('gives up after the fresh token is rejected too', async () => {
    const server = await startServer({ tokens: {} });
    const getToken = vi.fn(async () => 'still-bad');
    const client = makeClient(server, { token: undefined, getToken });

    await expect(client.connect()).rejects.toBeInstanceOf(UnauthorizedError);

    await sleep(150);
    // One token for the first attempt, one fresh one for the single retry; then no more attempts.
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(server.connections).toHaveLength(2);
  });

  it('retries after a transient handshake error instead of giving up', async () => {
    const server = await startServer();
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Hello || server.connections.length > 1) return false;
      conn.error(frame.r, 'unavailable', 'store is down');
      conn.close(4000, 'hello failed');
      return true;
    });
    const client = makeClient(server);

    await client.connect();

    expect(server.connections).toHaveLength(2);
  });

  it('refuses a server that welcomes with another protocol version', async () => {
    const server = await startServer();
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Hello) return false;
      conn.send({ t: Op.Welcome, r: frame.r, v: 2, user: { id: 'alice', name: 'alice', guest: false }, session: 's',
        limits: { maxFrameBytes: 65536, maxBody: 4000, maxHistory: 200, resumeLimit: 1000, sendRate: 10, typingTtlMs: 6000 } });
      return true;
    });
    const client = makeClient(server);

    await expect(client.connect()).rejects.toMatchObject({ name: 'ProtocolError', code: 'unsupported_version' });
    await sleep(100);
    expect(server.connections).toHaveLength(1);
  });

  it('reports a failing getToken and keeps retrying with backoff', async () => {
    const server = await startServer();
    let calls = 0;
    const client = makeClient(server, {
      token: undefined,
      getToken: () => {
        if (++calls < 3) throw new Error('auth backend down');
        return 'alice';
      },
    });
    const errors = record(client, 'error');

    await client.connect();

    expect(calls).toBe(3);
    expect(errors.map((e) => e.error.code)).toEqual(['token_unavailable', 'token_unavailable']);
    expect(errors[0]!.error.cause).toBeInstanceOf(Error);
  });

  it('throws a clear error when no WebSocket implementation is available', () => {
    vi.stubGlobal('WebSocket', undefined);
    expect(() => new ChatClient({ url: 'ws://localhost/ws', token: 't' })).toThrow(/WebSocket.*ws/);
  });
});

describe('reconnect', () => {
  it('gets a fresh token from getToken after close 4002 and resumes', async () => {
    const alice = { id: 'alice', name: 'Alice', guest: false };
    const server = await startServer({ tokens: { t1: alice, t2: alice } });
    let n = 0;
    const getToken = vi.fn(() => `t${++n}`);
    const client = makeClient(server, { token: undefined, getToken });
    server.createRoom('lobby');
    await client.connect();
    const room = await client.join('lobby');

    server.last.close(4002, 'token expired');

    await server.waitFor(() => server.connections[1]?.user);
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(server.connections.map((c) => c.token)).toEqual(['t1', 't2']);
    await server.waitForFrame(Op.Subscribe, (f) => f.room === 'lobby' && f.after === room.lastSeq);
    expect(client.state).toBe('connected');
  });

  it('reconnects after a drop and resumes each room after its last delivered seq', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    const client = makeClient(server);
    const events = record(client, 'event');
    const states = record(client, 'state');
    await client.connect();
    const room = await client.join('lobby');
    server.post('lobby');
    server.post('lobby');
    await server.waitFor(() => room.lastSeq === 3);

    server.last.terminate();
    // Posted while the client is away: must come back through the resume replay.
    server.append('lobby');
    server.append('lobby');

    const { frame } = await server.waitForFrame(Op.Subscribe);
    expect(frame).toMatchObject({ room: 'lobby', after: 3 });
    await server.waitFor(() => room.lastSeq === 5);
    expect(seqs(events)).toEqual([2, 3, 4, 5]);
    expect(states.map((s) => s.newState)).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('backs off exponentially between failed attempts, capped at maxDelayMs', async () => {
    // The top of the jitter range makes each delay its ceiling: 40, 80, 160, 200, 200 ms.
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const server = await startServer();
    let refused = 0;
    server.intercept((frame, conn) => {
      if (frame.t === Op.Hello && server.connections.length > 1 && refused < 5) {
        refused++;
        conn.close(1013, 'try again later');
        return true;
      }
      return false;
    });
    const client = makeClient(server, { reconnect: { minDelayMs: 40, maxDelayMs: 200 } });
    await client.connect();

    server.last.close(1001, 'restart');

    await server.waitFor(() => client.state === 'connected' && server.connections.length === 7, 5000);
    const conns = server.connections;
    const gaps = conns.slice(1).map((c, i) => c.openedAt - conns[i]!.closedAt);
    const expected = [40, 80, 160, 200, 200, 200];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i]! - 15);
      expect(gap).toBeLessThan(expected[i]! + 150);
    });
  });

  it('treats a missing ping reply as a dead socket and reconnects', async () => {
    const server = await startServer();
    const first: unknown[] = [];
    server.intercept((frame, conn) => frame.t === Op.Ping && conn === server.connections[0] && !!first.push(frame));
    const client = makeClient(server, { pingIntervalMs: 50, requestTimeoutMs: 200 });
    const states = record(client, 'state');
    await client.connect();

    await server.waitFor(() => server.connections[1]?.user, 2000, 'a second connection');

    expect(first.length).toBeGreaterThan(0);
    await server.waitFor(() => server.connections[0]!.closed);
    await server.waitFor(() => client.state === 'connected');
    expect(states.map((s) => s.newState)).toContain('reconnecting');
    // The healthy connection keeps being pinged and answered, so it stays.
    await sleep(300);
    expect(server.connections).toHaveLength(2);
  });

  it('stays closed after a drop when reconnect is false', async () => {
    const server = await startServer();
    const client = makeClient(server, { reconnect: false });
    const errors = record(client, 'error');
    await client.connect();

    server.last.close(1001);

    await server.waitFor(() => client.state === 'closed');
    expect(errors[0]!.error).toBeInstanceOf(ConnectionClosedError);
    await sleep(100);
    expect(server.connections).toHaveLength(1);
  });
});

describe('browser network events', () => {
  /** Stands in for a browser's window: the global object fires offline/online. */
  function fakeWindow(): EventTarget {
    const win = new EventTarget();
    vi.stubGlobal('addEventListener', win.addEventListener.bind(win));
    vi.stubGlobal('removeEventListener', win.removeEventListener.bind(win));
    return win;
  }

  it('drops the socket when the browser goes offline and reconnects at once when it is back online', async () => {
    const win = fakeWindow();
    const server = await startServer();
    server.createRoom('lobby');
    // A long backoff: only the online event can explain a quick reconnect.
    const client = makeClient(server, { reconnect: { minDelayMs: 60_000, maxDelayMs: 60_000 } });
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    const states = record(client, 'state');
    await client.connect();
    const room = await client.join('lobby');

    win.dispatchEvent(new Event('offline'));

    expect(client.state).toBe('reconnecting');
    await server.waitFor(() => server.connections[0]!.closed, 3000, 'the dropped socket to close');
    const pending = room.send('written offline');
    await sleep(100);
    expect(server.connections).toHaveLength(1);

    win.dispatchEvent(new Event('online'));

    await server.waitFor(() => server.connections[1]?.user, 3000, 'a reconnect right after online');
    expect((await pending).seq).toBeGreaterThan(0);
    expect(server.connections[1]!.sent(Op.Send).map((f) => f.body)).toEqual(['written offline']);
    expect(states.map((s) => s.newState)).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('stops following the network once closed', async () => {
    const win = fakeWindow();
    const server = await startServer();
    const client = makeClient(server);
    await client.connect();
    await client.close();

    win.dispatchEvent(new Event('offline'));
    win.dispatchEvent(new Event('online'));
    await sleep(100);

    expect(client.state).toBe('closed');
    expect(server.connections).toHaveLength(1);
  });

  it('ignores online while connected', async () => {
    const win = fakeWindow();
    const server = await startServer();
    const client = makeClient(server);
    await client.connect();

    win.dispatchEvent(new Event('online'));
    await sleep(100);

    expect(client.state).toBe('connected');
    expect(server.connections).toHaveLength(1);
  });
});

describe('requests', () => {
  it('fails a request with TimeoutError when no reply arrives in requestTimeoutMs', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    server.intercept((frame) => frame.t === Op.Members);
    const client = makeClient(server, { requestTimeoutMs: 150 });
    await client.connect();
    const room = await client.join('lobby');

    const started = Date.now();
    await expect(room.members()).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('fails writes in flight when the socket drops, but re-sends reads after reconnecting', async () => {
    const server = await startServer();
    server.createRoom('lobby', 'public', ['alice'], 'alice');
    server.append('lobby');
    const client = makeClient(server);
    await client.connect();
    const room = await client.join('lobby');
    server.intercept((frame, conn) => {
      if (conn !== server.connections[0] || (frame.t !== Op.RoomUpdate && frame.t !== Op.History)) return false;
      if (frame.t === Op.History) conn.terminate();
      return true;
    });

    const rename = room.rename('Lounge');
    const history = room.history({ limit: 10 });

    await expect(rename).rejects.toBeInstanceOf(ConnectionClosedError);
    const page = await history;
    expect(page.events.map((e) => e.seq)).toEqual([1]);
    expect(server.connections[1]!.sent(Op.History)).toHaveLength(1);
  });

  it('rejects requests made before connect() and after close()', async () => {
    const server = await startServer();
    const client = makeClient(server);
    await expect(client.listRooms()).rejects.toBeInstanceOf(ClientClosedError);
    await client.connect();
    await client.close();
    await expect(client.listRooms()).rejects.toBeInstanceOf(ClientClosedError);
  });
});

describe('malformed input', () => {
  it('reports a malformed frame as an error, skips unknown frame types, and keeps working', async () => {
    const server = await startServer();
    const client = makeClient(server);
    const errors = record(client, 'error');
    await client.connect();

    server.last.sendRaw(new Uint8Array([0xc1, 0xff, 0x00]));
    server.last.sendRaw(encodeFrame({ t: 99, anything: 'from a future version' }));
    server.last.sendRaw(encodeFrame({ t: Op.Event, e: { room: 'lobby', seq: 'one' } }));
    server.last.sendRaw('a text frame');

    await expect(client.listRooms('public')).resolves.toEqual({ rooms: [] });
    expect(errors.map((e) => e.error)).toEqual([
      expect.any(ProtocolError),
      expect.any(ProtocolError),
      expect.any(ProtocolError),
    ]);
    expect(client.state).toBe('connected');
  });

  it('rejects a request whose result does not match its schema', async () => {
    const server = await startServer();
    server.intercept((frame, conn) => {
      if (frame.t !== Op.RoomList) return false;
      conn.result(frame.r, { rooms: [{ id: 'x' }] });
      return true;
    });
    const client = makeClient(server);
    await client.connect();

    await expect(client.listRooms()).rejects.toBeInstanceOf(ProtocolError);
  });
});

describe('close', () => {
  it('stops reconnecting, fails pending work and leaves no timers or sockets behind', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const server = await startServer();
    server.createRoom('lobby');
    const client = makeClient(server, { pingIntervalMs: 30, reconnect: { minDelayMs: 500, maxDelayMs: 500 } });
    const states: ClientState[] = [];
    client.on('state', ({ newState }) => states.push(newState));
    await client.connect();
    const room = await client.join('lobby');
    server.intercept((frame) => frame.t === Op.Send);
    const sending = room.send('never acked');
    await server.waitForFrame(Op.Send);
    server.last.terminate();
    await server.waitFor(() => client.state === 'reconnecting');

    await client.close();
    await server.close();

    await expect(sending).rejects.toBeInstanceOf(ClientClosedError);
    expect(states.at(-1)).toBe('closed');
    await sleep(20);
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
    expect(server.connections).toHaveLength(1);
  });

  it('can connect again after close() and resumes the rooms it followed', async () => {
    const server = await startServer();
    server.createRoom('lobby');
    const client = makeClient(server);
    const events = record(client, 'event');
    await client.connect();
    const room = await client.join('lobby');
    await client.close();
    server.append('lobby');

    await client.connect();

    await server.waitFor(() => room.lastSeq === 2);
    expect(seqs(events)).toEqual([2]);
    expect(server.connections[1]!.sent(Op.Subscribe)).toEqual([expect.objectContaining({ room: 'lobby', after: 1 })]);
  });
});

describe('connecting to a wrong address', () => {
  /** A port on which nothing listens (it was free a moment ago). */
  async function deadUrl(): Promise<string> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return `ws://127.0.0.1:${port}/ws`;
  }

  /** An HTTP server that answers every WebSocket upgrade with 404, as a wrong path or a plain web server does. */
  async function refusingUrl(): Promise<{ url: string; stop: () => Promise<unknown> }> {
    const http = createHttpServer((_, res) => res.writeHead(404).end());
    http.on('upgrade', (_, socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    return { url: `ws://127.0.0.1:${port}/chat`, stop: () => new Promise((resolve) => http.close(resolve)) };
  }

  async function expectGivesUp(url: string, cause: RegExp): Promise<void> {
    const server = await startServer(); // for makeClient's cleanup only; the client does not use it
    const client = makeClient(server, { url, connectTimeoutMs: 400 });
    const errors = record(client, 'error');
    const states = record(client, 'state');

    const failure = await client.connect().then(() => undefined, (err: unknown) => err);

    expect(failure).toBeInstanceOf(TimeoutError);
    expect((failure as TimeoutError).message).toMatch(/could not connect .* within 400 ms/);
    expect(client.state).toBe('closed');
    expect(states.map((s) => s.newState)).toEqual(['connecting', 'closed']);
    const attempts = errors.filter((e) => e.error instanceof ConnectError).map((e) => e.error as ConnectError);
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.map((e) => e.attempt)).toEqual(attempts.map((_, i) => i + 1));
    for (const attempt of attempts) {
      expect(attempt.code).toBe('connect_failed');
      expect(attempt.cause).toBeInstanceOf(ConnectionClosedError);
      expect((attempt.cause as ConnectionClosedError).closeCode).toBe(1006);
      expect((attempt.cause as Error).message).toMatch(cause);
    }
    expect(errors.at(-1)!.error).toBe(failure);
    expect((failure as TimeoutError).cause).toBe(attempts.at(-1)!.cause);
    // Given up for good: no attempt after the rejection.
    const seen = errors.length;
    await sleep(150);
    expect(errors).toHaveLength(seen);
  }

  it('reports each failed attempt and rejects connect() after connectTimeoutMs when nothing listens', async () => {
    await expectGivesUp(await deadUrl(), /ECONNREFUSED/);
  });

  it('reports each failed attempt and rejects connect() after connectTimeoutMs when the upgrade is refused', async () => {
    const refusing = await refusingUrl();
    try {
      await expectGivesUp(refusing.url, /Unexpected server response: 404/);
    } finally {
      await refusing.stop();
    }
  });

  it('keeps reconnecting past connectTimeoutMs once it was connected, reporting each failed attempt', async () => {
    const server = await startServer();
    let refusing = false;
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Hello || !refusing) return false;
      conn.terminate();
      return true;
    });
    const client = makeClient(server, { connectTimeoutMs: 100 });
    const errors = record(client, 'error');
    await client.connect();

    refusing = true;
    server.last.terminate();
    await server.waitFor(() => errors.length >= 3, 3000, 'three failed attempts');
    await sleep(200); // past connectTimeoutMs
    refusing = false;

    await server.waitFor(() => client.state === 'connected', 3000, 'the reconnect');
    expect(errors.every((e) => e.error instanceof ConnectError)).toBe(true);
    expect((errors[0]!.error as ConnectError).attempt).toBe(1);
    await expect(client.connect()).resolves.toMatchObject({ id: 'alice' });
  });

  it('connects when the server comes up before connectTimeoutMs', async () => {
    const server = await startServer();
    let refused = 0;
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Hello || refused >= 2) return false;
      refused++;
      conn.close(1013, 'try again later');
      return true;
    });
    const client = makeClient(server, { connectTimeoutMs: 5000 });
    const errors = record(client, 'error');

    await client.connect();

    expect(errors.map((e) => [e.error.code, (e.error as ConnectError).attempt])).toEqual([['connect_failed', 1], ['connect_failed', 2]]);
    expect((errors[1]!.error.cause as ConnectionClosedError).closeCode).toBe(1013);
  });
});

describe('closing from an error listener', () => {
  it('makes no further attempt when a failed attempt\'s error listener closes the client', async () => {
    const server = await startServer();
    let hellos = 0;
    server.intercept((frame, conn) => {
      if (frame.t !== Op.Hello) return false;
      hellos++;
      conn.close(1013, 'try again later');
      return true;
    });
    const client = makeClient(server);
    client.on('error', () => void client.close());

    await expect(client.connect()).rejects.toBeInstanceOf(ClientClosedError);

    await sleep(150); // several backoff delays
    expect(hellos).toBe(1);
    expect(client.state).toBe('closed');
  });
});
