// Streamed replies (feature `streams`, protocol section 26): a bot's text fanned out to the room as it
// grows, at most once per `streamFlushMs` (writes in between are sent together), then stored once as
// one `msg`. A stream lives on the node of the bot connection that started it; every node learns of
// starts and ends on STREAMS_CHANNEL, so a member subscribing anywhere mid-stream gets the text so far
// (the owner sends it from offset 0), and a stop can be checked and routed from any node.
import { decodeRaw, encodeFrame, ErrorCode, EventKind, Limits, Op, type ResultData, type RoomEvent, type StreamEndFrame, type StreamStartFrame, type StreamWriteFrame } from '@parley/sdk/protocol';
import { randomBytes } from 'node:crypto';
import type { Broker } from '../broker/broker.js';
import { TokenBucket } from '../rate-limit.js';
import type { EventData, Store } from '../store/store.js';
import type { Logger } from '../log.js';
import { forbidden, notFound, RequestError } from './errors.js';
import { requireMember } from './room-state.js';
import type { Session } from './session.js';
import { checkActions } from './interactive.js';

/** Where nodes tell each other of streams starting and ending, and ask for a room's text so far. */
export const STREAMS_CHANNEL = 's/';

/** What every node knows of a stream, wherever it lives. */
export interface StreamInfo {
  id: string;
  room: string;
  bot: string;
  /** Who may stop it besides moderators; undefined: any member. */
  for?: string | undefined;
}

interface LiveStream extends StreamInfo {
  session: Session;
  name: string;
  ts: number;
  text: string;
  /** How much of `text` the room has been sent. */
  sent: number;
  replyTo?: number | undefined;
  thread?: number | undefined;
  lastWrite: number;
  lastAnnounced: number;
  flush?: NodeJS.Timeout | undefined;
  idle: NodeJS.Timeout;
  writes: TokenBucket;
  ending?: Promise<ResultData[typeof Op.StreamEnd]> | undefined;
}

export interface StreamsConfig {
  streamFlushMs: number;
  streamIdleMs: number;
  streamWriteRate: number;
}

/** What the hub gives the streams: fan-out, storage and its broker. */
export interface StreamsHost {
  readonly config: StreamsConfig;
  readonly broker: Broker;
  readonly store: Store;
  readonly log: Logger;
  publishRoom(room: string, frame: object): void;
  publishToUser(user: string, frame: object): void;
  publishEvent(event: RoomEvent): void;
}

type End = ResultData[typeof Op.StreamEnd];

export class Streams {
  private readonly live = new Map<string, LiveStream>();
  /** Streams of every node, by id, with when this node stops trusting the entry without news. */
  private readonly known = new Map<string, StreamInfo & { until: number }>();

  constructor(private readonly host: StreamsHost) {}

  /** The stream, on whatever node it lives; undefined when it ended (or its node went quiet). */
  find(id: string): StreamInfo | undefined {
    const live = this.live.get(id);
    if (live) return live;
    const k = this.known.get(id);
    if (k && k.until < Date.now()) this.known.delete(id);
    return k && k.until >= Date.now() ? k : undefined;
  }

  async start(s: Session, f: StreamStartFrame): Promise<ResultData[typeof Op.StreamStart]> {
    if (!s.bot) throw forbidden('only bots (signed in with a bot key) may stream a reply');
    await requireMember(s, f.room);
    let open = 0;
    for (const st of this.live.values()) if (st.session === s) open++;
    if (open >= Limits.maxStreams) throw new RequestError(ErrorCode.LimitReached, `this connection already has ${Limits.maxStreams} streams open, the most allowed: end one first`);
    for (const seq of [f.replyTo, f.thread]) {
      if (seq !== undefined && !(await this.host.store.message(f.room, seq))) throw notFound(`no message ${seq} in "${f.room}"`);
    }
    const { config } = this.host;
    const ts = Date.now();
    const st: LiveStream = {
      id: `st_${randomBytes(12).toString('base64url')}`,
      room: f.room,
      bot: s.userId,
      for: f.for,
      session: s,
      name: s.userName,
      ts,
      text: '',
      sent: 0,
      replyTo: f.replyTo,
      thread: f.thread,
      lastWrite: ts,
      lastAnnounced: ts,
      idle: setTimeout(() => this.idleCheck(st), config.streamIdleMs),
      writes: new TokenBucket(config.streamWriteRate, config.streamWriteRate * 2),
    };
    st.idle.unref();
    this.live.set(st.id, st);
    this.announce(st);
    return { stream: st.id, ts };
  }

  write(s: Session, f: StreamWriteFrame): ResultData[typeof Op.StreamWrite] {
    const st = this.own(s, f.stream);
    if (!st.writes.take()) {
      throw new RequestError(ErrorCode.RateLimited, `at most ${this.host.config.streamWriteRate} writes per second per stream: send bigger pieces less often`, st.writes.retryAfterMs());
    }
    if (st.text.length + f.text.length > Limits.maxStreamChars) {
      throw new RequestError(ErrorCode.TooLarge, `a streamed reply holds at most ${Limits.maxStreamChars} characters: end it and start another`);
    }
    st.text += f.text;
    st.lastWrite = Date.now();
    st.flush ??= setTimeout(() => this.flush(st), this.host.config.streamFlushMs);
    return { length: st.text.length };
  }

  end(s: Session, f: StreamEndFrame): Promise<End> {
    const st = this.own(s, f.stream);
    checkActions(s, f.actions);
    return this.finish(st, 'done', f.actions);
  }

  /** The bot's connection closed: its streams end with what they hold. */
  sessionClosed(s: Session): void {
    for (const st of [...this.live.values()]) if (st.session === s) void this.finish(st, 'closed').catch((err: unknown) => this.host.log.warn('could not store a stream', { err, stream: st.id }));
  }

  /** A member subscribed to `room` (on this node): whoever owns a stream there sends them its text so far. */
  subscribed(room: string, user: string): void {
    for (const k of this.known.values()) {
      if (k.room === room) return void this.host.broker.publish(STREAMS_CHANNEL, encodeFrame({ k: 'text', room, user }));
    }
  }

  /** News from STREAMS_CHANNEL (every node's, this one's included). */
  onNews(bytes: Uint8Array): void {
    let n: { k?: unknown; id?: unknown; room?: unknown; bot?: unknown; for?: unknown; user?: unknown };
    try {
      n = decodeRaw(bytes) as typeof n;
    } catch {
      return;
    }
    if (n.k === 'end' && typeof n.id === 'string') this.known.delete(n.id);
    else if (n.k === 'start' && typeof n.id === 'string' && typeof n.room === 'string' && typeof n.bot === 'string') {
      const info: StreamInfo & { until: number } = { id: n.id, room: n.room, bot: n.bot, until: Date.now() + this.host.config.streamIdleMs * 2 };
      if (typeof n.for === 'string') info.for = n.for;
      this.known.set(n.id, info);
    } else if (n.k === 'text' && typeof n.room === 'string' && typeof n.user === 'string') {
      for (const st of this.live.values()) if (st.room === n.room && st.text) this.host.publishToUser(n.user, this.frame(st, 0));
    }
  }

  close(): void {
    for (const st of this.live.values()) {
      clearTimeout(st.idle);
      clearTimeout(st.flush);
    }
  }

  private own(s: Session, id: string): LiveStream {
    const st = this.live.get(id);
    if (!st || st.session !== s || st.ending) throw notFound(`no open stream "${id}" on this connection`);
    return st;
  }

  /** Tells every node the stream exists (again, now and then, so that a node that died is forgotten). */
  private announce(st: LiveStream): void {
    st.lastAnnounced = Date.now();
    this.host.broker.publish(STREAMS_CHANNEL, encodeFrame({ k: 'start', id: st.id, room: st.room, bot: st.bot, ...(st.for !== undefined && { for: st.for }) }));
  }

  private frame(st: LiveStream, at: number): object {
    const f: Record<string, unknown> = { t: Op.Stream, room: st.room, stream: st.id, by: st.bot, name: st.name, ts: st.ts, at, text: st.text.slice(at) };
    if (st.replyTo !== undefined) f.replyTo = st.replyTo;
    if (st.thread !== undefined) f.thread = st.thread;
    if (st.for !== undefined) f.for = st.for;
    return f;
  }

  /** Sends the room what was written since the last flush, in one frame. */
  private flush(st: LiveStream): void {
    clearTimeout(st.flush);
    st.flush = undefined;
    if (st.sent === st.text.length) return;
    this.host.publishRoom(st.room, this.frame(st, st.sent));
    st.sent = st.text.length;
    if (Date.now() - st.lastAnnounced > this.host.config.streamIdleMs / 2) this.announce(st);
  }

  private idleCheck(st: LiveStream): void {
    if (st.ending || !this.live.has(st.id)) return;
    const quiet = Date.now() - st.lastWrite;
    const { streamIdleMs } = this.host.config;
    if (quiet < streamIdleMs) {
      st.idle = setTimeout(() => this.idleCheck(st), streamIdleMs - quiet);
      st.idle.unref();
      return;
    }
    this.finish(st, 'timeout').catch((err: unknown) => {
      // Storage is away: try again later rather than lose the text.
      this.host.log.warn('could not store a stream that timed out; retrying', { err, stream: st.id });
      st.idle = setTimeout(() => this.idleCheck(st), streamIdleMs);
      st.idle.unref();
    });
  }

  /** Stores the text as one message (with the stream's id as its cid: a retry stores nothing twice), then says the stream ended. */
  private finish(st: LiveStream, reason: 'done' | 'timeout' | 'closed', actions?: StreamEndFrame['actions']): Promise<End> {
    if (st.ending) return st.ending;
    clearTimeout(st.idle);
    this.flush(st);
    const ending = (async (): Promise<End> => {
      let out: End = { stored: false };
      if (/\S/.test(st.text)) {
        const data: EventData = { stream: st.id };
        if (st.replyTo !== undefined) data.replyTo = st.replyTo;
        if (st.thread !== undefined) data.thread = st.thread;
        const { event, duplicate } = await this.host.store.append({
          room: st.room,
          kind: EventKind.Message,
          by: st.bot,
          name: st.name,
          cid: `stream-${st.id.slice(3)}`,
          body: st.text,
          data,
          ...(actions && { actions }),
        });
        if (!duplicate) this.host.publishEvent(event);
        out = { stored: true, seq: event.seq, id: event.id, ts: event.ts };
      }
      this.host.publishRoom(st.room, { t: Op.StreamDone, room: st.room, stream: st.id, reason, ...(out.seq !== undefined && { seq: out.seq }) });
      this.live.delete(st.id);
      this.host.broker.publish(STREAMS_CHANNEL, encodeFrame({ k: 'end', id: st.id }));
      return out;
    })();
    st.ending = ending;
    ending.catch(() => {
      st.ending = undefined;
    });
    return ending;
  }
}

/** The request handlers (protocol §6.39-6.41): the hub's streams do the work. */
export function streamStart(s: Session, f: StreamStartFrame): Promise<ResultData[typeof Op.StreamStart]> {
  return s.hub.streams.start(s, f);
}
export function streamWrite(s: Session, f: StreamWriteFrame): ResultData[typeof Op.StreamWrite] {
  return s.hub.streams.write(s, f);
}
export function streamEnd(s: Session, f: StreamEndFrame): Promise<End> {
  return s.hub.streams.end(s, f);
}
