// The in-process broker: synchronous delivery, reachability, counters for /metrics.
import { describe, expect, it } from 'vitest';
import { LocalBroker } from '../src/broker/local.js';

describe('LocalBroker', () => {
  it('delivers a publish to the handler and counts it as published and received', () => {
    const broker = new LocalBroker();
    const seen: [string, number[]][] = [];
    broker.onFrame((channel, frame) => seen.push([channel, [...frame]]));
    broker.publish('r:a', new Uint8Array([1, 2, 3]));
    broker.publish('u:b', new Uint8Array([0xff]));
    expect(seen).toEqual([
      ['r:a', [1, 2, 3]],
      ['u:b', [0xff]],
    ]);
    expect(broker.stats).toEqual({ reconnects: 0, published: 2, received: 2 });
  });

  it('is always reachable', async () => {
    await expect(new LocalBroker().ping()).resolves.toBeUndefined();
  });
});
