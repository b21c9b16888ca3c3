// Streamed replies as a client sees them (feature `streams`): text that grows at offsets until the
// bot ends it. A frame that starts past what is held is skipped (the server sends a subscriber the
// text from 0 when it joins mid-stream), so repeats and overlaps are harmless.
import type { StreamDoneFrame, StreamFrame } from './protocol/frames.js';

/** A bot's reply that is still being written: `text` so far. */
export interface LiveStream {
  id: string;
  room: string;
  /** The bot writing it, and its display name. */
  by: string;
  name: string;
  /** When it started, ms epoch. */
  ts: number;
  text: string;
  replyTo?: number;
  thread?: number;
  /** Who may stop it besides moderators; absent: any member. */
  for?: string;
}

/** The live streams of every followed room, by room and stream id. */
export class StreamTexts {
  private readonly rooms = new Map<string, Map<string, LiveStream>>();

  /** Applies a `stream` frame; the stream as it now reads, or undefined when the frame changed nothing. */
  text(f: StreamFrame): LiveStream | undefined {
    let room = this.rooms.get(f.room);
    if (!room) this.rooms.set(f.room, (room = new Map()));
    const held = room.get(f.stream);
    const have = held?.text ?? '';
    if (f.at > have.length || f.at + f.text.length <= have.length) return undefined;
    const next: LiveStream = { id: f.stream, room: f.room, by: f.by, name: f.name, ts: f.ts, text: have.slice(0, f.at) + f.text };
    if (f.replyTo !== undefined) next.replyTo = f.replyTo;
    if (f.thread !== undefined) next.thread = f.thread;
    if (f.for !== undefined) next.for = f.for;
    room.set(f.stream, next);
    return next;
  }

  /** The stream ended (a `stream_done` frame, or its message arrived): what it held, if anything. */
  done(f: Pick<StreamDoneFrame, 'room' | 'stream'>): LiveStream | undefined {
    const room = this.rooms.get(f.room);
    const held = room?.get(f.stream);
    room?.delete(f.stream);
    return held;
  }

  of(room: string): LiveStream[] {
    return [...(this.rooms.get(room)?.values() ?? [])];
  }

  forget(room: string): void {
    this.rooms.delete(room);
  }
}
