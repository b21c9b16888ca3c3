// Edge cases where docs/protocol.md and the server once disagreed, checked on the wire on both stores:
// a non-integer opcode, typing in a room that does not exist, a missing or oversize token, and frames
// sent together with `hello`, before `welcome` could have arrived.
import { CloseCode, ErrorCode, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

/** The TCP socket under a ws client: corked, several frames leave in one write and arrive in one read. */
const tcp = (c: RawClient) => (c.ws as unknown as { _socket: Socket })._socket;

describe.each(kinds)('protocol edge cases (%s)', (kind) => {
  let node: TestNode;

  beforeAll(async () => {
    node = await startNode(kind);
  });
  afterAll(async () => {
    await node?.destroy();
  });

  test('a non-integer opcode is bad_frame (section 2.5), an unassigned integer one unknown_type; the socket stays open', async () => {
    const c = await RawClient.signedIn(node.url, userToken('floaty'));
    expect(await c.request({ t: 2.5 })).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(await c.request({ t: 'ping' })).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(await c.request({ t: 5 })).toMatchObject({ t: Op.Error, code: ErrorCode.UnknownType });
    await c.close();
  });

  test('typing in a room that does not exist is not_found; in one not subscribed, forbidden; both without r', async () => {
    const c = await RawClient.signedIn(node.url, userToken('typist'));
    const mark = c.mark;
    c.send({ t: Op.Typing, room: 'no-such-room', on: true });
    const missing = await c.next((f) => f.t === Op.Error, 5000, mark);
    expect(missing).toMatchObject({ code: ErrorCode.NotFound });
    expect(missing.r).toBeUndefined();
    const next = c.mark;
    c.send({ t: Op.Typing, room: 'lobby', on: true });
    expect(await c.next((f) => f.t === Op.Error, 5000, next)).toMatchObject({ code: ErrorCode.Forbidden });
    await c.ok({ t: Op.Join, room: 'lobby' });
    c.send({ t: Op.Typing, room: 'lobby', on: true });
    await c.ok({ t: Op.Ping }); // no error came for the accepted typing frame
    expect(c.frames.filter((f) => f.t === Op.Error)).toHaveLength(2);
    await c.close();
  });

  test.each([
    ['missing', undefined],
    ['empty', ''],
    ['oversize', 'x'.repeat(9000)],
  ])('a %s token is unauthorized with close 4001 (section 4.1), not a protocol error', async (_, token) => {
    const c = await RawClient.open(node.url);
    const hello: Record<string, unknown> = { t: Op.Hello, v: PROTOCOL_VERSION };
    if (token !== undefined) hello.token = token;
    expect(await c.request(hello)).toMatchObject({ t: Op.Error, code: ErrorCode.Unauthorized });
    expect((await c.closed).code).toBe(CloseCode.Unauthorized);
  });

  test('a token of the wrong type is a broken hello: bad_frame and close 4000', async () => {
    const c = await RawClient.open(node.url);
    expect(await c.request({ t: Op.Hello, v: PROTOCOL_VERSION, token: 42 })).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect((await c.closed).code).toBe(CloseCode.ProtocolError);
  });

  test('a ping sent together with hello is refused with not_ready and close 4000, and no welcome comes', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.open(node.url);
      tcp(c).cork();
      c.send({ t: Op.Hello, r: 1, v: PROTOCOL_VERSION, token: userToken(`eager-${i}`) });
      c.send({ t: Op.Ping, r: 2 });
      tcp(c).uncork();
      expect((await c.closed).code).toBe(CloseCode.ProtocolError);
      expect(c.frames.map((f) => [f.t, f.r, f.code])).toEqual([[Op.Error, 2, ErrorCode.NotReady]]);
    }
  });

  test('a ping sent after welcome arrived is answered', async () => {
    const c = await RawClient.signedIn(node.url, userToken('patient'));
    expect(await c.request({ t: Op.Ping })).toMatchObject({ t: Op.Result, data: { ts: expect.any(Number) } });
    await c.close();
  });
});
