// The presence tracker over a user's sessions on one node: a user's only session is held as itself,
// the second makes a Set and the last but one leaving turns it back; counts, walks and states agree
// in every step, and each change of state is announced once.
import { PresenceState } from '@parley/sdk/protocol';
import { describe, expect, test } from 'vitest';
import { PresenceTracker, type PresenceHolder } from '../src/core/presence.js';

type Holder = PresenceHolder & { rooms: Set<string>; away: boolean; name: string };

function setup() {
  const announced: string[] = [];
  const tracker = new PresenceTracker<Holder>((room, user, state) => announced.push(`${room}:${user}:${state}`));
  const session = (userId: string, name: string): Holder => ({ userId, name, rooms: new Set(), away: false });
  const names = (user: string) => [...tracker.sessionsOf(user)].map((s) => s.name).sort();
  return { announced, tracker, session, names };
}

describe('PresenceTracker', () => {
  test('one session, then two, then one again, then none: size, walk and state agree at each step', () => {
    const { tracker, session, names } = setup();
    const tab1 = session('ann', 'tab1');
    const tab2 = session('ann', 'tab2');
    expect(tracker.sessionsOf('ann').size).toBe(0);
    expect(names('ann')).toEqual([]);
    expect(tracker.state('ann')).toBe(PresenceState.Offline);

    tracker.addSession(tab1);
    expect(tracker.sessionsOf('ann').size).toBe(1);
    expect(names('ann')).toEqual(['tab1']);
    expect(tracker.state('ann')).toBe(PresenceState.Online);

    tracker.addSession(tab1); // the same session again: still one
    expect(tracker.sessionsOf('ann').size).toBe(1);

    tracker.addSession(tab2);
    expect(tracker.sessionsOf('ann').size).toBe(2);
    expect(names('ann')).toEqual(['tab1', 'tab2']);

    tracker.removeSession(tab1);
    expect(tracker.sessionsOf('ann').size).toBe(1);
    expect(names('ann')).toEqual(['tab2']);
    expect(tracker.state('ann')).toBe(PresenceState.Online);
    expect([...tracker.users()]).toEqual(['ann']);

    tracker.removeSession(tab1); // already gone: nothing changes
    expect(names('ann')).toEqual(['tab2']);

    tracker.removeSession(tab2);
    expect(tracker.sessionsOf('ann').size).toBe(0);
    expect(tracker.state('ann')).toBe(PresenceState.Offline);
    expect(tracker.userCount).toBe(0);
  });

  test('away only when every session is away, with one session and with two', () => {
    const { tracker, session } = setup();
    const tab1 = session('bo', 'tab1');
    const tab2 = session('bo', 'tab2');
    tracker.addSession(tab1);
    tab1.away = true;
    expect(tracker.state('bo')).toBe(PresenceState.Away);
    tracker.addSession(tab2);
    expect(tracker.state('bo')).toBe(PresenceState.Online);
    tab2.away = true;
    expect(tracker.state('bo')).toBe(PresenceState.Away);
    tab1.away = false;
    tracker.removeSession(tab1);
    expect(tracker.state('bo')).toBe(PresenceState.Away);
  });

  test('rooms of a user are the union over the sessions, and a session\'s own announcements follow its state', () => {
    const { announced, tracker, session } = setup();
    const tab1 = session('cy', 'tab1');
    const tab2 = session('cy', 'tab2');
    // As the hub does it: signed in first, then each room added to the session and entered.
    tracker.addSession(tab1);
    tab1.rooms.add('a');
    tracker.enterRoom(tab1, 'a');
    tracker.addSession(tab2);
    tab2.rooms.add('b');
    tracker.enterRoom(tab2, 'b');
    expect([...tracker.roomsOf('cy')].sort()).toEqual(['a', 'b']);
    expect(announced).toEqual(['a:cy:online', 'b:cy:online']);

    tab1.away = true;
    tracker.refresh('cy'); // one tab is still active: no change to announce
    expect(announced).toHaveLength(2);

    tracker.leaveRoom(tab2, 'b');
    tab2.rooms.delete('b');
    tracker.removeSession(tab2); // back to one session, which is away
    expect(announced).toEqual(['a:cy:online', 'b:cy:online', 'b:cy:offline', 'a:cy:away']);

    tab1.away = false;
    tracker.refresh('cy');
    tracker.refresh('cy'); // announced once, not twice
    expect(announced.slice(4)).toEqual(['a:cy:online']);
  });

  test('users are kept apart', () => {
    const { tracker, session, names } = setup();
    tracker.addSession(session('dee', 'd1'));
    tracker.addSession(session('eve', 'e1'));
    tracker.addSession(session('eve', 'e2'));
    expect(names('dee')).toEqual(['d1']);
    expect(names('eve')).toEqual(['e1', 'e2']);
    expect([...tracker.users()].sort()).toEqual(['dee', 'eve']);
  });
});
