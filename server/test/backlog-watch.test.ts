// The BacklogWatch's look over every socket: over the limit is dropped as a slow consumer, a quarter
// full is noted (so that uWS's own close of it still counts as one), the rest is left alone.
import { describe, expect, test } from 'vitest';
import { BacklogWatch, type WatchedSocket } from '../src/transport/backlog-watch.js';

interface FakeSocket extends WatchedSocket {
  bufferedAmount: number;
  dropped: boolean;
}

function socket(bufferedAmount: number): FakeSocket {
  return {
    bufferedAmount,
    backlogged: false,
    dropped: false,
    dropSlowConsumer() {
      this.dropped = true;
    },
  };
}

describe('BacklogWatch', () => {
  test('drops sockets over the limit and notes those at least a quarter full', () => {
    const sockets = [socket(0), socket(249), socket(250), socket(1000), socket(1001)];
    new BacklogWatch(() => sockets, 1000).look();
    expect(sockets.map((s) => [s.dropped, s.backlogged])).toEqual([
      [false, false],
      [false, false],
      [false, true],
      [false, true],
      [true, false],
    ]);
  });

  test('forgets a backlog once the queue drained', () => {
    const s = socket(600);
    const watch = new BacklogWatch(() => [s], 1000);
    watch.look();
    expect(s.backlogged).toBe(true);
    s.bufferedAmount = 0;
    watch.look();
    expect(s.backlogged).toBe(false);
  });
});
