// The user's own log as an app sees it, against the fake server: followed after every welcome from the
// last notice delivered, in order and once, holes filled by subscribing again, typed events per kind,
// and nothing of it against a server that does not announce `user_log`.
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../src/index.js';
import { Op, PROTOCOL_VERSION, type UserEvent } from '../src/protocol/index.js';
import type { FakeConnection, FakeServer } from './fake-server.js';
import { makeClient, record, sleep, startServer } from './helpers.js';

const LIMITS = { maxFrameBytes: 65536, maxBody: 4000, maxHistory: 200, typingTtlMs: 6000, sendRate: 10, resumeLimit: 1000 };

/** A server-side user log the fake server answers `user_subscribe` from; `afters` records each request's `after`. */
function withUserLog(server: FakeServer) {
  const log: UserEvent[] = [];
  const afters: (number | undefined)[] = [];
  let live: FakeConnection | undefined;
  server.intercept((frame, conn) => {
    if (frame.t === Op.Hello) {
      conn.user = { id: 'alice', name: 'alice', guest: false };
      conn.send({ t: Op.Welcome, r: frame.r, v: PROTOCOL_VERSION, user: conn.user, session: 's', limits: LIMITS, features: ['user_log', 'devices'] });
      return true;
    }
    if (frame.t !== Op.UserSubscribe) return false;
    afters.push(frame.after);
    const head = log.length;
    const after = frame.after ?? head;
    if (after > head) {
      conn.error(frame.r, 'bad_frame', `after ${after} is past the head of your log (${head})`);
      return true;
    }
    const missed = log.filter((e) => e.seq > after);
    for (const e of missed) conn.send({ t: Op.UserEvent, e });
    conn.result(frame.r, { head, replayed: missed.length });
    live = conn;
    return true;
  });
  const notice = (kind: string, data: UserEvent['data']): UserEvent => {
    const e = { seq: log.length + 1, id: `n${log.length + 1}`, kind, ts: Date.now(), data };
    log.push(e);
    return e;
  };
  return { log, afters, notice, push: (e: UserEvent) => live!.send({ t: Op.UserEvent, e }) };
}

describe('the user log', () => {
  it('delivers notices once and in order, fills a hole by subscribing again, and resumes after a reconnect', async () => {
    const server = await startServer();
    const userLog = withUserLog(server);
    const client = makeClient(server);
    const notices = record(client, 'userEvent');
    const added = record(client, 'added');
    const removed = record(client, 'removed');
    const mentions = record(client, 'mention');
    const dms = record(client, 'dm');
    await client.connect();
    await server.waitFor(() => userLog.afters.length === 1);

    const first = userLog.notice('added', { room: 'r1', by: 'bob' });
    const second = userLog.notice('mention', { room: 'r1', seq: 7 });
    const third = userLog.notice('dm', { room: 'dm:1', with: 'carol' });
    userLog.push(first);
    userLog.push(third); // the second is lost on the way: a hole
    userLog.push(first); // and a duplicate
    await server.waitFor(() => notices.length === 3);
    expect(userLog.afters).toEqual([undefined, 1]);

    server.last.terminate();
    userLog.notice('removed', { room: 'r1' });
    userLog.notice('ring', { room: 'r2', call: 'c1' }); // a kind this SDK does not know
    await server.waitFor(() => notices.length === 5);
    await sleep(100);

    expect(userLog.afters).toEqual([undefined, 1, 3]);
    expect(notices.map((n) => [n.event.seq, n.event.kind])).toEqual([
      [1, 'added'],
      [2, 'mention'],
      [3, 'dm'],
      [4, 'removed'],
      [5, 'ring'],
    ]);
    expect(added.map((a) => [a.roomId, a.by, a.notice?.seq])).toEqual([
      ['r1', 'bob', 1],
      ['dm:1', 'carol', 3],
    ]);
    expect(mentions.map((m) => [m.roomId, m.seq])).toEqual([['r1', 7]]);
    expect(dms.map((d) => [d.roomId, d.with])).toEqual([['dm:1', 'carol']]);
    expect(removed.map((r) => r.roomId)).toEqual(['r1']);
    expect(second.seq).toBe(2);
  });

  it('starts over at the head, saying so, when the server’s log is behind what the client saw', async () => {
    const server = await startServer();
    const userLog = withUserLog(server);
    const client = makeClient(server);
    const notices = record(client, 'userEvent');
    const resets = record(client, 'userReset');
    const errors = record(client, 'error');
    await client.connect();
    await server.waitFor(() => userLog.afters.length === 1);
    userLog.push(userLog.notice('added', { room: 'r1', by: 'bob' }));
    userLog.push(userLog.notice('added', { room: 'r2', by: 'bob' }));
    await server.waitFor(() => notices.length === 2);

    userLog.log.splice(0); // a restored database: the log is empty again
    server.last.terminate();
    await server.waitFor(() => resets.length === 1);
    expect(userLog.afters).toEqual([undefined, 2, undefined]);
    expect(resets).toEqual([{ head: 0 }]);
    expect(errors.map((e) => e.error)).toEqual([expect.any(InvalidRequestError)]);
    userLog.push(userLog.notice('added', { room: 'r3', by: 'bob' }));
    await server.waitFor(() => notices.length === 3);
    expect(notices[2]!.event).toMatchObject({ seq: 1, data: { room: 'r3' } });
  });

  it('against a server without user_log subscribes to nothing, and a live join of the user is `added`', async () => {
    const server = await startServer();
    const client = makeClient(server);
    const added = record(client, 'added');
    await client.connect();
    const join = { room: 'x', seq: 4, id: 'e4', kind: 'join', ts: Date.now(), by: 'alice', name: 'alice', data: { inviter: 'bob' } };
    server.last.event(join);
    await server.waitFor(() => added.length === 1);
    expect(added).toEqual([{ roomId: 'x', by: 'bob', event: join }]);
    await sleep(50);
    expect(server.last.sent(Op.UserSubscribe)).toEqual([]);
  });
});
