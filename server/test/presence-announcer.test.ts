// Presence announcements: immediate on a single node; with a directory, one combined update per user and tick.
import { PresenceState } from '@parley/sdk/protocol';
import { describe, expect, test } from 'vitest';
import { PresenceAnnouncer } from '../src/core/presence-announcer.js';
import type { LocalPresence, PresenceDirectory } from '../src/core/presence-directory.js';
import { PresenceTracker, type PresenceHolder } from '../src/core/presence.js';

function setup() {
  const published: string[] = [];
  let announcer!: PresenceAnnouncer;
  const tracker = new PresenceTracker((room, user, state) => announcer.announce(room, user, state));
  announcer = new PresenceAnnouncer({
    tracker: () => tracker,
    nameOf: (user) => user.toUpperCase(),
    publish: (room, user, name, state) => published.push(`${room}:${user}:${name}:${state}`),
  });
  return { published, tracker, announcer };
}

const session = (userId: string, rooms: string[] = []): PresenceHolder & { rooms: Set<string> } => ({ userId, rooms: new Set(rooms), away: false });

describe('PresenceAnnouncer', () => {
  test('alone, announces this node\'s view at once', () => {
    const { published, tracker } = setup();
    const s = session('ann');
    tracker.addSession(s);
    s.rooms.add('lobby');
    tracker.enterRoom(s, 'lobby');
    expect(published).toEqual(['lobby:ann:ANN:online']);
  });

  test('with a directory, records this node\'s view once per tick and announces the combined state', async () => {
    const { published, tracker, announcer } = setup();
    const updates: [string, LocalPresence, readonly string[]][] = [];
    const directory: PresenceDirectory = {
      async update(user, local, rooms) {
        updates.push([user, local, rooms]);
        return new Map(rooms.map((r) => [r, PresenceState.Away])); // another node says: away
      },
      async states(users) {
        return new Map(users.map((u) => [u, PresenceState.Away]));
      },
      async close() {},
    };
    announcer.use(directory);
    const s = session('bo', ['a', 'b']);
    tracker.addSession(s);
    tracker.enterRoom(s, 'a');
    tracker.enterRoom(s, 'b');
    expect(published).toEqual([]); // nothing before the directory answered
    await announcer.close(); // waits for the pending batch
    expect(updates).toEqual([['bo', { state: PresenceState.Online, rooms: ['a', 'b'], name: 'BO' }, ['a', 'b']]]);
    expect(published).toEqual(['a:bo:BO:away', 'b:bo:BO:away']);
    expect(await announcer.states(['bo'])).toEqual(new Map([['bo', PresenceState.Away]]));
    expect([...announcer.snapshot()]).toEqual([['bo', { state: PresenceState.Online, rooms: ['a', 'b'], name: 'BO' }]]);
  });
});
