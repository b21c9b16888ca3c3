// One connection's messages reach the store in the order their frames arrived: a send that waits for
// its membership check is not overtaken by one that skips it, and one that fails for want of storage
// takes the sends queued behind it down with it instead of letting them be stored first.
import { describe, expect, it } from 'vitest';
import { RequestError } from '../src/core/errors.js';
import { SendOrder } from '../src/core/send-order.js';
import { StoreUnavailableError } from '../src/store/store.js';
import { ErrorCode } from '@parley/sdk/protocol';

const later = <T>(ms: number, value: () => T) => new Promise<T>((resolve, reject) => setTimeout(() => {
  try {
    resolve(value());
  } catch (err) {
    reject(err as Error);
  }
}, ms));

describe('SendOrder', () => {
  it('submits in arrival order when an earlier send waits for a check that a later one skips', async () => {
    const order = new SendOrder();
    const submitted: string[] = [];
    const submit = (name: string) => () => (submitted.push(name), Promise.resolve(name));

    const sends = [
      order.inOrder(() => later(30, () => true), submit('a')),
      order.inOrder(undefined, submit('b')),
      order.inOrder(() => Promise.resolve(true), submit('c')),
    ];

    expect(await Promise.all(sends)).toEqual(['a', 'b', 'c']);
    expect(submitted).toEqual(['a', 'b', 'c']);
  });

  it('fails the sends queued behind one whose check found storage unavailable, and submits none of them', async () => {
    const order = new SendOrder();
    const submitted: string[] = [];
    const submit = (name: string) => () => (submitted.push(name), Promise.resolve(name));
    const outage = new StoreUnavailableError('database unavailable: connection terminated');

    const sends = [
      order.inOrder(() => later(30, () => { throw outage; }), submit('a')),
      order.inOrder(() => Promise.resolve(true), submit('b')),
      order.inOrder(undefined, submit('c')),
    ];
    const outcomes = await Promise.allSettled(sends);

    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason === outage)).toBe(true);
    expect(submitted).toEqual([]);
    // Once the queue is through, the next send starts afresh.
    expect(await order.inOrder(() => Promise.resolve(true), submit('d'))).toBe('d');
  });

  it('lets the sends behind one refused for itself (not a member) go on', async () => {
    const order = new SendOrder();
    const submitted: string[] = [];
    const submit = (name: string) => () => (submitted.push(name), Promise.resolve(name));

    const refused = order.inOrder(() => later(20, () => { throw new RequestError(ErrorCode.Forbidden, 'not a member'); }), submit('a'));
    const next = order.inOrder(() => Promise.resolve(true), submit('b'));

    await expect(refused).rejects.toBeInstanceOf(RequestError);
    expect(await next).toBe('b');
    expect(submitted).toEqual(['b']);
  });
});
