// A node killed (SIGKILL) moments after it started, right after its first user connected: the user
// must still go offline for everyone on the other node, within the presence TTL, not stay "online";
// and the call they placed must not hang: the survivor shows them reconnecting, then ends it.
import { Op, PresenceState } from '@parley/sdk/protocol';
import type { Config } from '@parley/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startProcess, type ServerProcess } from './support/process.js';
import { RawClient } from './support/raw-client.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './support/redis.js';
import { dropStorage, freshStorage, postgresAvailable, TEST_SECRET, userToken } from './support/server.js';
import { until } from './support/until.js';

const available = (await redisAvailable()) && (await postgresAvailable());
const SLOW = 120_000;
// A heart-beat every 2 s: the kill below lands well before the new node's first one.
const TTL_MS = 6000;

describe.skipIf(!available)('a node killed right after it started', () => {
  let storage: Partial<Config>;
  let env: Record<string, string>;
  let survivor: ServerProcess | undefined;

  beforeAll(async () => {
    storage = freshStorage('postgres');
    env = {
      PARLEY_HOST: '127.0.0.1',
      PARLEY_PORT: '0',
      DATABASE_URL: storage.databaseUrl!,
      PARLEY_DB_SCHEMA: storage.dbSchema!,
      REDIS_URL,
      PARLEY_REDIS_PREFIX: uniquePrefix(),
      PARLEY_PRESENCE_TTL_MS: String(TTL_MS),
      PARLEY_JWT_SECRET: TEST_SECRET,
      PARLEY_CALL_RECONNECT_MS: '1000',
    };
    survivor = await startProcess(env);
  }, SLOW);
  afterAll(async () => {
    await survivor?.stop();
    await dropStorage(storage);
  });

  test('leaves no user "online" and no call hanging: the survivor announces them offline and ends their call', async () => {
    const watcher = await RawClient.signedIn(`ws://127.0.0.1:${survivor!.port}/ws`, userToken('watcher'));
    await watcher.ok({ t: Op.Join, room: 'lobby' });
    const doomed = await startProcess(env);
    const early = await RawClient.signedIn(`ws://127.0.0.1:${doomed.port}/ws`, userToken('early', 'Early'));
    await early.ok({ t: Op.Join, room: 'lobby' });
    await watcher.next((f) => f.t === Op.Presence && f.user === 'early' && f.state === PresenceState.Online);
    // Early calls the watcher, who answers on the survivor: the call's timers are on the doomed node.
    const room = (await early.ok({ t: Op.RoomCreate, kind: 'dm', members: ['watcher'] })).room.id;
    const { call } = await early.ok({ t: Op.CallStart, room, video: false });
    await watcher.next((f) => f.t === Op.CallState && f.call === call);
    await watcher.ok({ t: Op.CallJoin, call });
    doomed.child.kill('SIGKILL');
    const mark = watcher.mark;
    await watcher.next((f) => f.t === Op.Presence && f.user === 'early' && f.state === PresenceState.Offline, TTL_MS * 4, mark);
    const { members } = await watcher.ok({ t: Op.Members, room: 'lobby' });
    expect(members.find((m: { user: string }) => m.user === 'early')).toMatchObject({ state: PresenceState.Offline });
    const reconnecting = await watcher.next((f) => f.t === Op.CallState && f.call === call && f.state === 'active' && (f.peers as any[]).some((p) => p.user === 'early' && p.status === 'reconnecting'), TTL_MS, mark);
    const ended = await watcher.next((f) => f.t === Op.CallState && f.call === call && f.state === 'ended', 5000, mark);
    expect(ended).toMatchObject({ reason: 'lost' });
    expect(ended.v).toBeGreaterThan(reconnecting.v as number);
    // The end is stored after the state went out.
    let actions: string[] = [];
    await until(async () => {
      const { events } = await watcher.ok({ t: Op.History, room });
      actions = (events as any[]).filter((e) => e.kind === 'call').map((e) => e.data.action);
      return actions.length > 1;
    });
    expect(actions).toEqual(['started', 'ended']);
    watcher.ws.terminate();
    early.ws.terminate();
  }, SLOW);
});
