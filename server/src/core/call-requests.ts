// Call requests (feature `calls`, protocol section 28): place, answer, decline and leave a call, and
// pass offers, answers and ICE candidates between two of its connections without storing them.
import {
  CallAction,
  CallEndReason,
  ErrorCode,
  Op,
  RoomKind,
  UserEventKind,
  type CallDeclineFrame,
  type CallJoinFrame,
  type CallLeaveFrame,
  type CallMediaFrame,
  type CallPeer,
  type CallSignalFrame,
  type CallStartFrame,
  type ResultData,
} from '@parley/sdk/protocol';
import { randomBytes } from 'node:crypto';
import type { CallRecord } from './calls.js';
import { badRequest, forbidden, notFound, RequestError } from './errors.js';
import { iceFor } from './ice.js';
import { requireMember } from './room-state.js';
import { directRoomId } from './room-requests.js';
import type { Session } from './session.js';

type Joined = ResultData[typeof Op.CallStart];

/** The live call `id`, or not_found. */
function live(s: Session, id: string): CallRecord {
  const rec = s.hub.calls.get(id);
  if (!rec) throw notFound(`there is no call "${id}" going on (it ended, or never was)`);
  return rec;
}

/** What the caller needs: the call as it is and ICE servers with TURN credentials minted now. */
function joined(s: Session, rec: CallRecord, joinedExisting?: boolean): Joined {
  return { ...rec, ...iceFor(s.hub.config, s.userId), ...(joinedExisting ? { joinedExisting } : {}) };
}

function peerOf(s: Session, video: boolean): CallPeer {
  return { user: s.userId, name: s.userName, session: s.id, status: 'joined', audio: true, video, screen: false };
}

export async function callStart(s: Session, f: CallStartFrame): Promise<Joined> {
  if ((f.room === undefined) === (f.user === undefined)) throw badRequest('give either room or user');
  if (s.bot) throw forbidden('bots cannot take part in calls');
  const { hub } = s;
  let room = f.room;
  if (f.user !== undefined) {
    if (f.user === s.userId) throw badRequest('you cannot call yourself');
    room = directRoomId(s.userId, f.user);
    if (!(await hub.store.getMember(room, s.userId))) throw forbidden(`you share no direct room with ${f.user}: open one first`);
  }
  await requireMember(s, room!);
  const current = hub.calls.inRoom(room!);
  if (current) return callJoin(s, { t: Op.CallJoin, r: f.r, call: current.call }, true);
  const record = await hub.store.getRoom(room!);
  if (!record) throw notFound(`room "${room}" does not exist`);
  const members = await hub.store.listMembers(room!);
  const { callRoomSize } = hub.config;
  if (record.kind !== RoomKind.Direct && members.length > callRoomSize) {
    throw forbidden(`calls are for direct rooms and rooms of at most ${callRoomSize} members; "${room}" has ${members.length}`);
  }
  const rung = members.map((m) => m.user).filter((u) => u !== s.userId && !u.startsWith('bot:'));
  if (rung.length === 0) throw new RequestError(ErrorCode.Conflict, 'there is nobody else in this room to call');
  const since = Date.now();
  const rec: CallRecord = {
    // The placing node's id in it: the node that takes over after this one died knows whose ring timer it was.
    call: `c_${hub.nodeId}-${randomBytes(12).toString('base64url')}`,
    room: room!,
    by: s.userId,
    name: s.userName,
    video: f.video,
    state: 'ringing',
    v: 0,
    since,
    peers: [peerOf(s, f.video)],
    ringing: rung,
    declined: [],
  };
  // Stored before anyone hears of the call: a device that connects while it rings finds the ring in its log.
  const until = since + hub.config.ringTimeoutMs;
  await hub.store.notifyUsers(rung.map((user) => ({ user, kind: UserEventKind.Ring, data: { call: rec.call, room: rec.room, by: s.userId, name: s.userName, video: f.video, until } })));
  s.chargeWork(rung.length);
  hub.calls.open(rec);
  await hub.calls.record(rec, { action: CallAction.Started, call: rec.call, video: f.video });
  return joined(s, rec);
}

export async function callJoin(s: Session, f: CallJoinFrame, joinedExisting = false): Promise<Joined> {
  if (s.bot) throw forbidden('bots cannot take part in calls');
  const { hub } = s;
  const rec = live(s, f.call);
  await requireMember(s, rec.room);
  const now = hub.calls.get(f.call); // it may have ended while membership was read
  if (!now) throw notFound(`the call "${f.call}" has ended`);
  const own = now.peers.find((p) => p.session === s.id);
  if (own) return joined(s, now, joinedExisting);
  // One connection per person: joining from another device moves the call there.
  const others = now.peers.filter((p) => p.user !== s.userId);
  const { maxCallParticipants } = hub.config;
  if (others.length >= maxCallParticipants) {
    throw new RequestError(ErrorCode.LimitReached, `this call already has ${maxCallParticipants} people, the most a call may have`);
  }
  const wasRinging = now.ringing.includes(s.userId);
  now.peers = [...others, peerOf(s, now.video)];
  now.ringing = now.ringing.filter((u) => u !== s.userId);
  now.declined = now.declined.filter((u) => u !== s.userId);
  if (now.state === 'ringing') {
    now.state = 'active';
    now.answered = Date.now();
  }
  hub.calls.commit(now);
  if (wasRinging) await hub.calls.ringEnd(now, [s.userId]);
  return joined(s, now, joinedExisting);
}

export async function callDecline(s: Session, f: CallDeclineFrame): Promise<ResultData[typeof Op.CallDecline]> {
  const { hub } = s;
  const rec = live(s, f.call);
  if (!rec.ringing.includes(s.userId)) throw new RequestError(ErrorCode.Conflict, 'this call is not ringing for you');
  rec.ringing = rec.ringing.filter((u) => u !== s.userId);
  rec.declined = [...rec.declined, s.userId];
  if (rec.state === 'ringing' && rec.ringing.length === 0) {
    hub.calls.end(rec, f.busy ? CallEndReason.Busy : CallEndReason.Declined);
  } else {
    hub.calls.commit(rec);
  }
  await hub.calls.ringEnd(rec, [s.userId]);
  return { call: rec.call };
}

export function callLeave(s: Session, f: CallLeaveFrame): ResultData[typeof Op.CallLeave] {
  const rec = live(s, f.call);
  if (!rec.peers.some((p) => p.session === s.id)) throw forbidden('this connection is not in that call');
  s.hub.calls.removePeer(rec, s.id, false);
  return { call: rec.call };
}

/** Passes a signal to one other connection of the call, wherever it is; refused (error frame, no `r`) when either is not in it. */
export function callSignal(s: Session, f: CallSignalFrame): void {
  const rec = live(s, f.call);
  if (!rec.peers.some((p) => p.session === s.id)) throw forbidden(`this connection is not in call "${f.call}"`);
  const target = rec.peers.find((p) => p.session === f.to);
  if (!target || f.to === s.id) throw notFound(`connection "${f.to}" is not in call "${f.call}"`);
  if (f.kind !== 'candidate' && f.sdp === undefined) throw badRequest(`an ${f.kind} carries sdp`);
  if (f.kind === 'candidate' && f.sdp !== undefined) throw badRequest('a candidate carries no sdp');
  const frame: Record<string, unknown> & { to: string } = { t: Op.Signal, call: f.call, from: s.id, user: s.userId, to: f.to, kind: f.kind };
  if (f.sdp !== undefined) frame.sdp = f.sdp;
  if (f.candidate !== undefined) frame.candidate = f.candidate;
  s.hub.signal(target.user, frame);
}

/** The sender's microphone, camera or screen share changed: the others' views follow. */
export function callMedia(s: Session, f: CallMediaFrame): void {
  const rec = live(s, f.call);
  const peer = rec.peers.find((p) => p.session === s.id);
  if (!peer) throw forbidden(`this connection is not in call "${f.call}"`);
  if (peer.audio === f.audio && peer.video === f.video && peer.screen === f.screen) return;
  Object.assign(peer, { audio: f.audio, video: f.video, screen: f.screen });
  s.hub.calls.commit(rec);
}
