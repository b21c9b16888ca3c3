// One chat user in a fault scenario: an SDK client in Node that records every event its app sees
// (in delivery order, with the time), every send it makes and its ack, and how its sockets closed.
import { ChatClient, type ClientOptions, type Member, type Room } from '@parley/sdk';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { userToken } from '../support/server.js';

export interface Delivered {
  seq: number;
  id: string;
  kind: string;
  body: string | undefined;
  at: number;
}

export interface Sent {
  room: string;
  body: string;
  startedAt: number;
  ackedAt?: number;
  id?: string;
  seq?: number;
  failed?: string;
}

export class Participant {
  readonly client: ChatClient;
  readonly delivered = new Map<string, Delivered[]>();
  readonly sent: Sent[] = [];
  /** The seq each room started at for this participant (its join head): everything later must arrive. */
  readonly startSeq = new Map<string, number>();
  readonly closeCodes: number[] = [];
  resets = 0;
  private readonly rooms = new Map<string, Room>();
  private socket: WebSocket | undefined;
  private readonly pending: Promise<unknown>[] = [];
  private counter = 0;

  constructor(
    readonly name: string,
    url: string,
    /** ChatClient options besides url, token and WebSocket (the run's profile). */
    options: Partial<ClientOptions> = {},
  ) {
    const self = this;
    // The SDK takes a WebSocket constructor: this one lets the scenario reach the live socket.
    class TrackedSocket extends WebSocket {
      constructor(address: string) {
        super(address);
        self.socket = this;
        this.on('close', (code) => self.closeCodes.push(code));
      }
    }
    this.client = new ChatClient({ ...options, url, token: userToken(name), WebSocket: TrackedSocket });
  }

  async join(roomIds: readonly string[]): Promise<void> {
    await this.client.connect();
    for (const id of roomIds) {
      const room = await this.client.join(id);
      this.rooms.set(id, room);
      this.startSeq.set(id, room.lastSeq);
      const log: Delivered[] = [];
      this.delivered.set(id, log);
      room.on('event', ({ event }) => log.push({ seq: event.seq, id: event.id ?? '', kind: event.kind, body: event.body, at: Date.now() }));
      room.on('reset', () => this.resets++);
    }
  }

  /** Sends the next numbered message to `room` (not awaited: the outbox keeps it until acked). */
  send(room: string, body = ''): void {
    const entry: Sent = { room, body: `${this.name}#${++this.counter}${body}`, startedAt: Date.now() };
    this.sent.push(entry);
    this.pending.push(
      this.rooms
        .get(room)!
        .send(entry.body)
        .then(
          (ack) => Object.assign(entry, { ackedAt: Date.now(), id: ack.id, seq: ack.seq }),
          (err: unknown) => (entry.failed = String(err)),
        ),
    );
  }

  /** Resolves when every send was acked or failed. */
  settled(): Promise<unknown> {
    return Promise.all(this.pending);
  }

  /** Reads the newest page of every room, not awaited (a reader that keeps the server busy). */
  readHistory(): void {
    for (const room of this.rooms.values()) room.history({ limit: 200 }).catch(() => {});
  }

  /** Members of the first room with their presence, as the node serving this participant sees them. */
  members(): Promise<Member[]> {
    return [...this.rooms.values()][0]!.members();
  }

  lastSeq(room: string): number {
    return this.rooms.get(room)?.lastSeq ?? 0;
  }

  /** Drops the connection without a close handshake, as a flaky network would. */
  dropConnection(): void {
    this.socket?.terminate();
  }

  /** The TCP socket under the WebSocket (to stop reading from it). */
  get tcp(): Socket | undefined {
    return (this.socket as unknown as { _socket?: Socket } | undefined)?._socket;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
