// Calls in progress (ADR 0024). Every node keeps every live call's state; the node that handles a
// request changes it and spreads the new state to all nodes as the `call_state` frame itself, which
// each node hands to its own connections of the people concerned. Only a call's start and end are
// stored: a `call` event in the room, `ring` / `ring_end` notices in the rung users' logs.
import { CallAction, CallEndReason, decodeRaw, encodeFrame, EventKind, Op, UserEventKind, type CallPeer } from '@parley/sdk/protocol';
import type { Hub } from './hub.js';
import type { Session } from './session.js';

/** The broker channel every node follows for call states. */
export const CALLS_CHANNEL = 'calls';
/** The channel of `signal` frames for one user's connections; the hub hands each to the connection it names. */
export const signalTopic = (user: string): string => `k/${user}`;

/** How many ended calls a node remembers. */
const ENDED_REMEMBERED = 1000;

export type CallStatus = 'ringing' | 'active' | 'ended';

/** A call as `call_state` carries it (without `t`). */
export interface CallRecord {
  call: string;
  room: string;
  by: string;
  name: string;
  video: boolean;
  state: CallStatus;
  v: number;
  since: number;
  answered?: number;
  peers: CallPeer[];
  ringing: string[];
  declined: string[];
  reason?: string;
}

export class Calls {
  private readonly live = new Map<string, CallRecord>();
  private readonly byRoom = new Map<string, string>();
  /** Ring timeouts (by call) and reconnect deadlines (by call and session) this node keeps. */
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Calls that ended lately, so that a state overtaken on the broker does not bring one back. */
  private readonly ended = new Set<string>();

  constructor(private readonly hub: Hub) {}

  get(call: string): CallRecord | undefined {
    return this.live.get(call);
  }

  /** The call going on in `room`, if any. */
  inRoom(room: string): CallRecord | undefined {
    const id = this.byRoom.get(room);
    return id === undefined ? undefined : this.live.get(id);
  }

  /** The calls `session` is a peer of. */
  ofSession(session: string): CallRecord[] {
    return [...this.live.values()].filter((c) => c.peers.some((p) => p.session === session));
  }

  get size(): number {
    return this.live.size;
  }

  /** A new call placed on this node: rings until `ringTimeoutMs`. */
  open(rec: CallRecord): void {
    this.commit(rec);
    this.timer(rec.call, this.hub.config.ringTimeoutMs, () => this.ringOver(rec.call));
  }

  /** Records a change made on this node and tells every node (this one too) of it. */
  commit(rec: CallRecord): void {
    rec.v++;
    this.apply(rec);
    this.hub.broadcastCall(encodeFrame({ t: Op.CallState, ...rec }));
  }

  /** A call state from the broker (ours or another node's): kept if newer, handed to this node's connections concerned. */
  onState(bytes: Uint8Array): void {
    let rec: CallRecord;
    try {
      rec = decodeRaw(bytes) as CallRecord;
    } catch {
      return;
    }
    if (typeof rec?.call !== 'string' || typeof rec.v !== 'number') return;
    const known = this.live.get(rec.call);
    // An older state overtaken by a later one, or a late state of a call that ended.
    if ((known && known.v > rec.v) || (!known && this.ended.has(rec.call) && rec.state !== 'ended')) return;
    if (!known || known.v < rec.v) this.apply(rec);
    const users = new Set([rec.by, ...rec.peers.map((p) => p.user), ...rec.ringing, ...rec.declined]);
    for (const user of users) for (const s of this.hub.sessionsOf(user)) s.conn.send(bytes);
  }

  /** Someone left the call (hung up, or their connection did not come back): ends it when one is left. */
  removePeer(rec: CallRecord, session: string, lost: boolean): void {
    rec.peers = rec.peers.filter((p) => p.session !== session);
    this.clear(`${rec.call}/${session}`);
    if (rec.state === 'ringing' && rec.peers.length === 0) return this.end(rec, lost ? CallEndReason.Lost : CallEndReason.Cancelled);
    if (rec.state === 'active' && rec.peers.length <= 1) return this.end(rec, lost ? CallEndReason.Lost : CallEndReason.Hangup);
    this.commit(rec);
  }

  /** A connection of this node closed: its calls show it `reconnecting` until it comes back or `callReconnectMs` passes. */
  sessionGone(s: Session): void {
    for (const rec of this.ofSession(s.id)) {
      const peer = rec.peers.find((p) => p.session === s.id)!;
      peer.status = 'reconnecting';
      this.commit(rec);
      this.reconnectDeadline(rec.call, s.id);
    }
  }

  /**
   * Another node died (its presence heart-beat expired) and this node cleaned up after it: its
   * connections in calls did not close here, so they are shown `reconnecting` now with their deadline
   * here, and the ring timeouts of the calls placed there run here, with the time they had left.
   */
  nodeGone(node: string): void {
    for (const rec of [...this.live.values()]) {
      if (rec.call.startsWith(`c_${node}-`) && (rec.state === 'ringing' || rec.ringing.length > 0)) {
        this.timer(rec.call, Math.max(0, rec.since + this.hub.config.ringTimeoutMs - Date.now()), () => this.ringOver(rec.call));
      }
      const gone = rec.peers.filter((p) => p.session.startsWith(`${node}-`));
      if (gone.length === 0) continue;
      for (const p of gone) p.status = 'reconnecting';
      this.commit(rec);
      for (const p of gone) this.reconnectDeadline(rec.call, p.session);
    }
  }

  /** `session` is out of the call if it is still `reconnecting` after `callReconnectMs`. */
  private reconnectDeadline(call: string, session: string): void {
    this.timer(`${call}/${session}`, this.hub.config.callReconnectMs, () => {
      const now = this.live.get(call);
      if (now?.peers.some((p) => p.session === session && p.status === 'reconnecting')) this.removePeer(now, session, true);
    });
  }

  /** Ends the call: every node forgets it; the room gets its `call` event, and those still rung a `ring_end`. */
  end(rec: CallRecord, reason: CallEndReason): void {
    const stillRinging = rec.ringing;
    rec.state = 'ended';
    rec.reason = reason;
    rec.ringing = [];
    this.commit(rec);
    const answered = rec.answered !== undefined;
    const data: Record<string, string | number | boolean> = answered
      ? { action: CallAction.Ended, call: rec.call, video: rec.video, duration: Math.max(0, Date.now() - rec.answered!) }
      : { action: CallAction.Missed, call: rec.call, video: rec.video, reason };
    void this.hub.track(
      Promise.all([this.record(rec, data), this.ringEnd(rec, stillRinging)]).catch((err: unknown) =>
        this.hub.log.warn('call end not recorded', { call: rec.call, err }),
      ),
    );
  }

  /** Appends the call's `started`, `ended` or `missed` event (once: its cid names the call and the action). */
  async record(rec: CallRecord, data: Record<string, string | number | boolean>): Promise<void> {
    const { event, duplicate } = await this.hub.store.append({
      room: rec.room,
      kind: EventKind.Call,
      by: rec.by,
      name: rec.name,
      cid: `call-${rec.call}-${String(data.action)}`,
      data,
    });
    if (!duplicate) this.hub.publishEvent(event);
  }

  /** Tells `users`' logs that the ring of `rec` is over for them, so that no device of theirs rings on. */
  async ringEnd(rec: CallRecord, users: readonly string[]): Promise<void> {
    if (users.length === 0) return;
    await this.hub.store.notifyUsers(users.map((user) => ({ user, kind: UserEventKind.RingEnd, data: { call: rec.call, room: rec.room } })));
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private apply(rec: CallRecord): void {
    if (rec.state === 'ended') {
      this.ended.add(rec.call);
      if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.values().next().value!);
      this.live.delete(rec.call);
      if (this.byRoom.get(rec.room) === rec.call) this.byRoom.delete(rec.room);
      for (const key of [...this.timers.keys()]) if (key === rec.call || key.startsWith(`${rec.call}/`)) this.clear(key);
      return;
    }
    this.live.set(rec.call, rec);
    this.byRoom.set(rec.room, rec.call);
  }

  /** The ring is over: unanswered, the call is missed; answered, those who never picked up stop ringing. */
  private ringOver(call: string): void {
    this.timers.delete(call);
    const rec = this.live.get(call);
    if (!rec) return;
    if (rec.state === 'ringing') return this.end(rec, CallEndReason.Timeout);
    const users = rec.ringing;
    if (users.length === 0) return;
    rec.ringing = [];
    this.commit(rec);
    void this.hub.track(this.ringEnd(rec, users).catch((err: unknown) => this.hub.log.warn('ring end not stored', { call, err })));
  }

  private timer(key: string, ms: number, fn: () => void): void {
    this.clear(key);
    const t = setTimeout(fn, ms);
    t.unref();
    this.timers.set(key, t);
  }

  private clear(key: string): void {
    const t = this.timers.get(key);
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(key);
  }
}
