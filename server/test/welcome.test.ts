// The welcome joins a per-connection map to one encoded once: its bytes must be those of encoding
// the whole frame at once, for every kind of user.
import { describe, expect, it } from 'vitest';
import { decodeServerFrame, encodeFrame, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import { configWith } from '../src/config.js';
import { RoomCreationLimits } from '../src/core/room-limits.js';
import { joinMaps, welcomeConstants, WelcomeEncoder } from '../src/core/welcome.js';

describe('welcome encoding', () => {
  const config = configWith({ roomsPerGuest: 2, roomsPerUser: 50 });
  const limits = new RoomCreationLimits(config);
  const encoder = new WelcomeEncoder(config, limits);

  it('gives the bytes of the whole frame encoded at once, for users, guests, bots, with and without a push key', () => {
    const users = [
      { id: 'u1', name: 'Ann', guest: false },
      { id: 'guest:abcdefghijklmnopqrstuv', name: 'Gäst 🙂', guest: true },
      { id: 'bot:1', name: 'Helper', guest: false, bot: true as const },
      { id: 'x'.repeat(128), name: 'n'.repeat(64), guest: false },
    ];
    for (const pushKey of [undefined, 'BPushKey-base64url']) {
      for (const [i, user] of users.entries()) {
        const fields = { r: i * 70_000, user, session: `s${i}` };
        const whole = encodeFrame({ t: Op.Welcome, r: fields.r, v: PROTOCOL_VERSION, user, session: fields.session, ...welcomeConstants(config, limits, pushKey, user.guest) });
        expect(Buffer.from(encoder.encode(fields, pushKey))).toEqual(Buffer.from(whole));
      }
    }
  });

  it('tells guests their own room quota', () => {
    const guest = decodeServerFrame(encoder.encode({ r: 1, user: { id: 'guest:abcdefghijklmnopqrstuv', name: 'G', guest: true }, session: 's' }, undefined)) as { limits: { maxCreatedRooms: number } };
    const user = decodeServerFrame(encoder.encode({ r: 1, user: { id: 'u', name: 'U', guest: false }, session: 's' }, undefined)) as { limits: { maxCreatedRooms: number } };
    expect([guest.limits.maxCreatedRooms, user.limits.maxCreatedRooms]).toEqual([2, 50]);
  });

  it('joins only small maps', () => {
    const small = encodeFrame({ a: 1 });
    const big = encodeFrame(Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])));
    expect(() => joinMaps(small, big)).toThrow(RangeError);
    expect(() => joinMaps(encodeFrame([1, 2]), small)).toThrow(RangeError);
    const fifteen = encodeFrame(Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])));
    expect(() => joinMaps(fifteen, small)).toThrow(RangeError);
    expect(Buffer.from(joinMaps(small, encodeFrame({ b: 'x' })))).toEqual(Buffer.from(encodeFrame({ a: 1, b: 'x' })));
  });
});
