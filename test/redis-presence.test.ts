// Presence over several nodes in a real Redis: combined states, and a node that vanishes without a
// goodbye has its users announced offline by another node within the heart-beat TTL.
import { PresenceState } from '@parley/sdk/protocol';
import { RedisPresence, silentLogger, type LocalPresence } from '@parley/server';
import { createClient } from 'redis';
import { afterEach, describe, expect, test } from 'vitest';
import { REDIS_URL, redisAvailable, uniquePrefix } from './support/redis.js';

const available = await redisAvailable();

describe.skipIf(!available)('RedisPresence', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c().catch(() => {});
  });

  /** A node's presence; `connectFirst` false builds it before its connection is up, as a starting server does. */
  async function node(prefix: string, ttlMs: number, connectFirst = true) {
    const client = createClient({ url: REDIS_URL, disableOfflineQueue: true });
    if (connectFirst) await client.connect();
    const announced: string[] = [];
    // What the node's hub would hold: the presence rewrites it after losing Redis.
    const views = new Map<string, LocalPresence>();
    const presence = new RedisPresence({
      client,
      prefix,
      ttlMs,
      log: silentLogger,
      announce: (room, user, name, state) => announced.push(`${room}:${user}:${name}:${state}`),
      snapshot: () => views.entries(),
      rewritten: () => {},
    });
    cleanup.push(() => presence.close(), () => (client.isOpen ? client.close() : Promise.resolve()));
    const update = (user: string, local: LocalPresence, rooms: string[]) => {
      if (local.state === PresenceState.Offline) views.delete(user);
      else views.set(user, local);
      return presence.update(user, local, rooms);
    };
    if (!connectFirst) await client.connect();
    return { presence, client, announced, update };
  }

  test('a user is online while any node has an active session, per room and overall', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [await node(prefix, 3000), await node(prefix, 3000)];
    await a.update('u', { state: PresenceState.Away, rooms: ['r1'], name: 'U' }, ['r1']);
    const fromB = await b.update('u', { state: PresenceState.Online, rooms: ['r2'], name: 'U' }, ['r1', 'r2']);
    expect(fromB).toEqual(new Map([['r1', PresenceState.Away], ['r2', PresenceState.Online]]));
    expect(await a.presence.states(['u', 'nobody'], () => PresenceState.Offline)).toEqual(
      new Map([['u', PresenceState.Online], ['nobody', PresenceState.Offline]]),
    );
    const afterB = await b.update('u', { state: PresenceState.Offline, rooms: [], name: 'U' }, ['r2']);
    expect(afterB).toEqual(new Map([['r2', PresenceState.Offline]]));
    expect(await a.presence.states(['u'], () => PresenceState.Offline)).toEqual(new Map([['u', PresenceState.Away]]));
  });

  test('users of a node that stopped heart-beating are announced offline by another node, once', async () => {
    const prefix = uniquePrefix();
    const ttlMs = 1000;
    const [doomed, survivor, other] = [await node(prefix, ttlMs), await node(prefix, ttlMs), await node(prefix, ttlMs)];
    await doomed.update('ghost', { state: PresenceState.Online, rooms: ['lobby', 'side'], name: 'Ghost' }, ['lobby']);
    await survivor.update('alive', { state: PresenceState.Online, rooms: ['lobby'], name: 'Alive' }, ['lobby']);
    await new Promise((r) => setTimeout(r, 100)); // let the first heart-beats register every node
    const crashedAt = Date.now();
    doomed.client.destroy(); // no goodbye: like kill -9
    const deadline = Date.now() + 10_000;
    while (survivor.announced.length + other.announced.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const elapsed = Date.now() - crashedAt;
    expect([...survivor.announced, ...other.announced].sort()).toEqual(['lobby:ghost:Ghost:offline', 'side:ghost:Ghost:offline']);
    expect(elapsed).toBeLessThan(ttlMs * 4); // bounded by the TTL (plus a heart-beat), with slack for a busy machine
    expect(await survivor.presence.states(['ghost', 'alive'], () => PresenceState.Offline)).toEqual(
      new Map([['ghost', PresenceState.Offline], ['alive', PresenceState.Online]]),
    );
  });

  test('a node killed right after its first user arrived, before any heart-beat, still has that user announced offline', async () => {
    const prefix = uniquePrefix();
    const ttlMs = 1500; // heart-beats every 500 ms: the kill below comes well before the first interval beat
    const survivor = await node(prefix, ttlMs);
    const doomed = await node(prefix, ttlMs, false);
    await doomed.update('early', { state: PresenceState.Online, rooms: ['lobby'], name: 'Early' }, ['lobby']);
    doomed.client.destroy(); // kill -9 moments after the node started
    expect(await survivor.presence.states(['early'], () => PresenceState.Offline)).toEqual(new Map([['early', PresenceState.Online]]));
    const deadline = Date.now() + ttlMs * 10;
    while (survivor.announced.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(survivor.announced).toEqual(['lobby:early:Early:offline']);
    expect(await survivor.presence.states(['early'], () => PresenceState.Offline)).toEqual(new Map([['early', PresenceState.Offline]]));
  });
});
