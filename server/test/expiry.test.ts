import { describe, expect, it } from 'vitest';
import { ExpiryWheel } from '../src/core/expiry.js';

const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ExpiryWheel', () => {
  it('expires an item within one tick after its time, never before', async () => {
    const expired: [string, number][] = [];
    const wheel = new ExpiryWheel<string>((item) => expired.push([item, Date.now()]), 20);
    const at = Date.now() + 60;
    wheel.add('a', at);
    wheel.add('b', at + 1000);
    await until(() => expired.length === 1);
    expect(expired[0]![0]).toBe('a');
    expect(expired[0]![1]).toBeGreaterThanOrEqual(at);
    wheel.close();
  });

  it('does not expire a removed item, and keeps the others of its slot', async () => {
    const expired: string[] = [];
    const wheel = new ExpiryWheel<string>((item) => expired.push(item), 20);
    const at = Date.now() + 30;
    const slot = wheel.add('gone', at);
    wheel.add('stays', at);
    wheel.remove('gone', slot);
    await until(() => expired.length > 0);
    await new Promise((r) => setTimeout(r, 60));
    expect(expired).toEqual(['stays']);
    wheel.close();
  });

  it('expires at once, on the next tick, an item whose time has passed', async () => {
    const expired: string[] = [];
    const wheel = new ExpiryWheel<string>((item) => expired.push(item), 20);
    wheel.add('late', Date.now() - 5000);
    await until(() => expired.length === 1);
    expect(expired).toEqual(['late']);
    wheel.close();
  });
});
