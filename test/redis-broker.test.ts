// The Redis broker against a real Redis: bytes pass unchanged, publishes are pipelined, a node listens
// only to channels it has subscribers for, and a lost connection neither throws into publishers nor
// leaves channels deaf.
import { RedisBroker, silentLogger } from '@parley/server';
import { Socket } from 'node:net';
import { createClient } from 'redis';
import { afterEach, describe, expect, test } from 'vitest';
import { REDIS_URL, redisAvailable, uniquePrefix } from './support/redis.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { until } from './support/until.js';

const available = await redisAvailable();


describe.skipIf(!available)('RedisBroker', () => {
  const open: RedisBroker[] = [];
  const make = (prefix: string, url = REDIS_URL) => {
    const b = new RedisBroker({ url, prefix, log: silentLogger, maxBackoffMs: 200 });
    b.start();
    open.push(b);
    return b;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  test('carries every byte value unchanged between nodes, including invalid UTF-8', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [make(prefix), make(prefix)];
    const got: [string, Uint8Array][] = [];
    b.onFrame((channel, frame) => got.push([channel, frame]));
    b.subscribe('r/bytes');
    await until(() => b.connected && a.connected);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const slice = new Uint8Array(new Uint8Array([9, 0xc3, 0x28, 0xff, 0, 9]).buffer, 1, 4); // a view with an offset
    await until(async () => {
      a.publish('r/bytes', all);
      await new Promise((r) => setTimeout(r, 50));
      return got.length > 0;
    });
    got.length = 0;
    a.publish('r/bytes', all);
    a.publish('r/bytes', slice);
    await until(() => got.length >= 2);
    expect(got[0]![0]).toBe('r/bytes');
    expect([...got[0]![1]]).toEqual([...all]);
    expect([...got[1]![1]]).toEqual([0xc3, 0x28, 0xff, 0]);
    expect(b.stats.received).toBeGreaterThanOrEqual(2);
    expect(a.stats.published).toBeGreaterThanOrEqual(2);
  });

  test('publishes of one tick leave in one corked socket write (pipelined), and all arrive in order', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [make(prefix), make(prefix)];
    const got: number[] = [];
    b.onFrame((_, frame) => got.push(frame[0]!));
    b.subscribe('r/pipe');
    await until(() => a.connected && b.connected);
    await until(async () => {
      a.publish('r/pipe', new Uint8Array([255]));
      await new Promise((r) => setTimeout(r, 50));
      return got.length > 0;
    });
    got.length = 0;
    // node-redis writes a batch between cork() and uncork(): each uncork is one flush to the kernel.
    const uncork = Socket.prototype.uncork;
    let flushes = 0;
    Socket.prototype.uncork = function (this: Socket) {
      flushes++;
      return uncork.call(this);
    };
    try {
      for (let i = 0; i < 100; i++) a.publish('r/pipe', new Uint8Array([i]));
      await until(() => got.length >= 100);
    } finally {
      Socket.prototype.uncork = uncork;
    }
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(flushes).toBeLessThanOrEqual(2); // 100 PUBLISH commands in one flush (nothing else writes meanwhile)
  });

  test('subscribes in Redis only to channels with local subscribers, under its prefix', async () => {
    const prefix = uniquePrefix();
    const node = make(prefix);
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    try {
      const channels = async () => (await admin.pubSubChannels(`${prefix}*`)).sort();
      node.subscribe('r/one');
      node.subscribe('u/alice');
      await until(async () => (await channels()).length === 2);
      expect(await channels()).toEqual([`${prefix}r/one`, `${prefix}u/alice`]);
      node.unsubscribe('r/one');
      await until(async () => (await channels()).length === 1);
      expect(await channels()).toEqual([`${prefix}u/alice`]);
    } finally {
      await admin.close();
    }
  });

  test('a lost connection: publish neither throws nor queues, ping says why, and channels listen again after', async () => {
    const redis = new URL(REDIS_URL);
    const proxy = new TcpProxy(Number(redis.port || 6379), redis.hostname);
    await proxy.start();
    try {
      const prefix = uniquePrefix();
      const through = new URL(REDIS_URL);
      through.port = String(proxy.port);
      const node = make(prefix, through.toString());
      const other = make(prefix);
      let resyncs = 0;
      node.onResync(() => resyncs++);
      const got: string[] = [];
      node.onFrame((_, frame) => got.push(Buffer.from(frame).toString()));
      node.subscribe('r/room');
      await until(() => node.connected && other.connected);
      await node.ping();

      await proxy.cut();
      await until(() => !node.connected);
      await expect(node.ping()).rejects.toThrow(/not connected/);
      expect(() => node.publish('r/room', new Uint8Array([1]))).not.toThrow();
      node.subscribe('r/later'); // asked for during the outage

      await proxy.start();
      await until(() => node.connected && resyncs === 1);
      await node.ping();
      expect(node.stats.reconnects).toBe(1);
      await until(async () => {
        other.publish('r/room', Buffer.from('again'));
        other.publish('r/later', Buffer.from('later'));
        await new Promise((r) => setTimeout(r, 50));
        return got.includes('again') && got.includes('later');
      });
    } finally {
      await proxy.cut();
    }
  });

  test('Redis unreachable at start: the broker still constructs, and ping rejects', async () => {
    const node = make(uniquePrefix(), 'redis://127.0.0.1:1');
    await expect(node.ping()).rejects.toThrow(/not connected/);
    expect(() => node.publish('r/x', new Uint8Array([1]))).not.toThrow();
  });
});
