// Each user's own log on the wire (ADR 0011): `user_subscribe` with resume, and the notices the send
// path asks for when a message mentions people. Room changes append theirs in the store.
import { encodeFrame, Op, RoomKind, UserEventKind, type Mention, type ResultData, type UserEvent, type UserSubscribeFrame } from '@parley/sdk/protocol';
import type { StoredUserEvent } from '../store/store.js';
import { badRequest } from './errors.js';
import type { Hub } from './hub.js';
import { REPLAY_PAGE, replay } from './room-state.js';
import type { Session } from './session.js';

/** A `user_event` frame. */
export const encodeUserEvent = (e: UserEvent): Uint8Array => encodeFrame({ t: Op.UserEvent, e });

/**
 * Follows the caller's log live, then replays what came after `after` (without it: after the head
 * when the connection was welcomed), at most `resumeLimit` notices; further behind: `gap`. Following first means nothing committed meanwhile is missed; a
 * notice may then arrive both live and replayed, which clients drop by seq.
 */
export async function userSubscribe(s: Session, f: UserSubscribeFrame): Promise<ResultData[typeof Op.UserSubscribe]> {
  const { hub } = s;
  hub.followUserLog(s);
  try {
    const head = await hub.store.userHead(s.userId);
    hub.userLogFollowedAt(s.userId, head);
    const after = f.after ?? s.userLogStart;
    if (after === head) return { head, replayed: 0 };
    // Not a client that fell behind: it holds seqs this log never had (another server's, or made up).
    if (after > head) throw badRequest(`after ${after} is past the head of your log (${head}): subscribe without "after" to start at the head`);
    if (head - after > hub.config.resumeLimit) return { head, replayed: 0, gap: true };
    const replayed = await replay(s, after, head, (cursor) => hub.store.userEvents(s.userId, cursor, REPLAY_PAGE), encodeUserEvent);
    return { head, replayed };
  } catch (err) {
    hub.unfollowUserLog(s);
    throw err;
  }
}

/**
 * The send path's hook for mentions: appends a `mention` notice (data.room, data.seq) to the log of
 * each user message `seq` of `room` names, and fans them out. The author, repeats, and (in a private
 * or direct room) users who are not members, who could not read the message, get none.
 */
export async function noteMentions(hub: Hub, room: string, seq: number, by: string, users: readonly string[]): Promise<StoredUserEvent[]> {
  let named = [...new Set(users)].filter((u) => u !== by);
  if (named.length === 0) return [];
  const record = await hub.store.getRoom(room);
  if (!record) return [];
  if (record.kind !== RoomKind.Public) {
    const members = await Promise.all(named.map((u) => hub.store.getMember(room, u)));
    named = named.filter((_, i) => members[i] !== null);
  }
  return hub.store.notifyUsers(named.map((user) => ({ user, kind: UserEventKind.Mention, data: { room, seq } })));
}

/**
 * After message `seq` was stored with `mentions` (or edited to them): tells the users it names that
 * were not named before (`earlier`, for an edit). Not in the message's transaction, which is a
 * group-commit batch: right after it, without holding up the ack; a drain waits for it, and a failure
 * is logged (the message stays; only its notices are missing). Each notice costs a unit of work.
 */
export function mentionsStored(s: Session, room: string, seq: number, mentions: readonly Mention[] | undefined, earlier: readonly Mention[] = []): void {
  if (!mentions?.length) return;
  const before = new Set(earlier.map((m) => m.user));
  const users = mentions.map((m) => m.user).filter((u) => !before.has(u));
  if (users.length === 0) return;
  void s.hub.track(
    noteMentions(s.hub, room, seq, s.userId, users).then(
      // Each notice is an append to someone's log: paid from the work budget, like room events.
      (stored) => s.chargeWork(stored.length),
      (err: unknown) => s.log.warn('mention notices not stored', { room, seq, err }),
    ),
  );
}
