// The token bucket behind every per-connection limit, on a clock the test moves.
import { describe, expect, test } from 'vitest';
import { TokenBucket } from '../src/rate-limit.js';

function bucket(rate: number, burst: number) {
  const clock = { now: 0 };
  return { clock, b: new TokenBucket(rate, burst, () => clock.now) };
}

describe('TokenBucket', () => {
  test('takes single tokens up to the burst, then refills at the rate', () => {
    const { clock, b } = bucket(10, 3);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    expect(b.retryAfterMs()).toBe(100);
    clock.now = 99;
    expect(b.take()).toBe(false);
    clock.now = 100;
    expect(b.take()).toBe(true);
  });

  test('takes a weighted cost whole, or nothing', () => {
    const { clock, b } = bucket(10, 20);
    expect(b.take(15)).toBe(true);
    expect(b.canTake(6)).toBe(false);
    expect(b.take(6)).toBe(false);
    expect(b.retryAfterMs(6)).toBe(100); // 5 held, 1 more in 100 ms
    expect(b.take(5)).toBe(true);
    clock.now = 1000;
    expect(b.take(10)).toBe(true);
  });

  test('a cost over the burst is taken from a full bucket and paid off by waiting', () => {
    const { clock, b } = bucket(10, 20);
    expect(b.take(25)).toBe(true); // 20 - 25 = -5
    expect(b.canTake(1)).toBe(false);
    expect(b.retryAfterMs(1)).toBe(600);
    expect(b.retryAfterMs(25)).toBe(2500); // needs the bucket full again
    clock.now = 600;
    expect(b.take(1)).toBe(true);
  });

  test('charges work found out afterwards, below zero if need be', () => {
    const { clock, b } = bucket(1, 10);
    b.charge(4);
    expect(b.take(6)).toBe(true);
    b.charge(3);
    expect(b.retryAfterMs()).toBe(4000);
    clock.now = 3999;
    expect(b.take()).toBe(false);
    clock.now = 4000;
    expect(b.take()).toBe(true);
  });
});
