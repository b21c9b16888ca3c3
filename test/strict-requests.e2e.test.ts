// strict_requests (ADR 0011, protocol 2.5) on a real server and both stores: a client frame with a key
// the server does not know is refused with bad_frame naming the key, nothing is done, and the
// connection stays open; `hello` is the one frame whose unknown keys are ignored.
import { ErrorCode, Feature, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

describe.each(kinds)('strict requests (%s)', (kind) => {
  let node: TestNode;

  beforeAll(async () => {
    node = await startNode(kind);
  });
  afterAll(async () => {
    await node?.destroy();
  });

  test('welcome announces strict_requests in features', async () => {
    const c = await RawClient.open(node.url);
    const welcome = await c.request({ t: Op.Hello, v: PROTOCOL_VERSION, token: userToken('featured') });
    expect(welcome.t).toBe(Op.Welcome);
    expect(welcome.features).toContain(Feature.StrictRequests);
    await c.close();
  });

  test('a send with an unknown key is bad_frame naming it, with r; nothing is stored and the cid stays free', async () => {
    const c = await RawClient.signedIn(node.url, userToken('sender'));
    const joined = await c.ok({ t: Op.Join, room: 'lobby' });
    const head = joined.room.head as number;
    const reply = await c.request({ t: Op.Send, room: 'lobby', cid: 'strict-1', body: 'with an extra', foo: 1 });
    expect(reply).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(reply.message).toContain('unknown field "foo"');
    // A nil value is still a key the server does not know.
    const nil = await c.request({ t: Op.Send, room: 'lobby', cid: 'strict-1', body: 'with a nil extra', replyTo_: null });
    expect(nil).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(nil.message).toContain('unknown field "replyTo_"');
    const history = await c.ok({ t: Op.History, room: 'lobby', after: head });
    expect(history.events).toEqual([]);
    // The refused frames used neither a seq nor the cid: the same cid now stores a first message.
    const sent = await c.ok({ t: Op.Send, room: 'lobby', cid: 'strict-1', body: 'plain' });
    expect(sent).toMatchObject({ seq: head + 1, duplicate: false });
    expect(c.events('lobby').map((e) => e.body)).toEqual(['plain']);
    await c.close();
  });

  test('other requests with unknown keys do nothing: no room created, not joined, no typing; the socket stays open', async () => {
    const c = await RawClient.signedIn(node.url, userToken('creator'));
    const created = await c.request({ t: Op.RoomCreate, kind: 'public', id: 'strict-room', topic: 'x' });
    expect(created).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(created.message).toContain('unknown field "topic"');
    expect(await c.request({ t: Op.Join, room: 'strict-room' })).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound });

    const join = await c.request({ t: Op.Join, room: 'lobby', after: 0 });
    expect(join).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
    expect(join.message).toContain('unknown field "after"');
    const { members } = await c.ok({ t: Op.Members, room: 'lobby' });
    expect(members.map((m: { user: string }) => m.user)).not.toContain('creator');

    // A frame without `r` gets its error without one.
    const mark = c.mark;
    c.send({ t: Op.Typing, room: 'lobby', on: true, draft: 3 });
    const typing = await c.next((f) => f.t === Op.Error, 5000, mark);
    expect(typing).toMatchObject({ code: ErrorCode.BadFrame });
    expect(typing.r).toBeUndefined();
    expect(typing.message).toContain('unknown field "draft"');

    expect(await c.ok({ t: Op.Ping })).toHaveProperty('ts');
    await c.close();
  });

  test('hello ignores keys it does not know, since a client cannot see features before welcome', async () => {
    const c = await RawClient.open(node.url);
    const welcome = await c.request({ t: Op.Hello, v: PROTOCOL_VERSION, token: userToken('newer'), someday: 'x' });
    expect(welcome.t).toBe(Op.Welcome);
    expect(await c.ok({ t: Op.Ping })).toHaveProperty('ts');
    await c.close();
  });
});
