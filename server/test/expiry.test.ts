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
  it('expires an item before its deadline, never after, and not much earlier', async () => {
    const expired: [string, number][] = [];
    const tick = 50;
    const wheel = new ExpiryWheel<string>((item) => expired.push([item, Date.now()]), tick);
    for (let i = 0; i < 20; i++) {
      const deadline = Date.now() + 150 + i * 7;
      const added = expired.length;
      wheel.add(`a${i}`, deadline);
      await until(() => expired.length > added);
      const [item, at] = expired.at(-1)!;
      expect(item).toBe(`a${i}`);
      expect(at).toBeLessThanOrEqual(deadline); // a tick of margin absorbs a timer that fires late
      expect(at).toBeGreaterThanOrEqual(deadline - 2 * tick);
    }
    wheel.close();
  });

  it('expires at once an item due within a tick: the next tick could come after its deadline', async () => {
    const expired: number[] = [];
    const wheel = new ExpiryWheel<string>(() => expired.push(Date.now()), 1000);
    const deadline = Date.now() + 900;
    wheel.add('soon', deadline);
    await until(() => expired.length === 1);
    expect(expired[0]).toBeLessThan(deadline);
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
