// The connections of one run: who is in which room, who sends, who decodes for latency, and the
// counters every delivery bumps. Most connections only count frames; a sample decodes them.
import jwt from 'jsonwebtoken';
import { performance } from 'node:perf_hooks';
import { PeerKind, type Dialect, type OutFrame } from './dialect.js';
import { parleyDialect, parleyJoiningDialect } from './dialect-parley.js';
import { relayDialect } from './dialect-relay.js';
import { socketIoDialect } from './dialect-socketio.js';
import { RawWs, type FrameSink } from './raw-ws.js';
import { Samples } from './samples.js';

export interface PopulationSpec {
  peer: PeerKind;
  /** Server ports; connection i goes to ports[i % ports.length]. */
  ports: number[];
  /** Rooms r0..r(rooms-1); 0 = connections join no room (storm, idle). */
  rooms: number;
  /** Connections per room, or the total when rooms is 0. */
  members: number;
  /** Senders per room (the first members). */
  senders: number;
  /** Decoding (latency-sampling) members per room, after the senders. */
  sampled: number;
  /** Only the first `sampledRooms` rooms get sampled members. Default: all. */
  sampledRooms?: number;
  /** HS256 secret for tokens (`sub` u<i>, or <userPrefix><i>). */
  secret: string;
  /** Prefix of the users' ids. Default `u`; another prefix gives users the server has not seen. */
  userPrefix?: string;
  /** Handshakes in flight at once. */
  concurrency: number;
  /** Chat message bodies are padded to this many characters. */
  bodyChars: number;
}

export type Role = 'cheap' | 'sampled' | 'sender';

const dialects: Record<PeerKind, Dialect> = {
  [PeerKind.Parley]: parleyDialect,
  [PeerKind.ParleyNaive]: parleyDialect,
  [PeerKind.ParleyEmbedded]: parleyJoiningDialect,
  [PeerKind.SocketIo]: socketIoDialect,
  [PeerKind.Relay]: relayDialect,
  [PeerKind.RelayBatched]: relayDialect,
};

/** Source addresses the connections are spread over (each has its own ephemeral port range). */
const SOURCE_ADDRESSES = 8;

export class Client implements FrameSink {
  ws!: RawWs;
  /** Sends so far (numbers the next one). */
  sent = 0;
  inFlight = 0;
  /** Actual and scheduled send times of messages awaiting a store acknowledgement, by send number. */
  readonly pendingAcks = new Map<number, SendTimes>();
  /** When this sender last sent in an open-loop phase (performance.now()), 0 before: for its send gaps. */
  lastSentAt = 0;
  readonly marker: Buffer;

  constructor(
    private readonly pop: Population,
    readonly index: number,
    readonly room: string | undefined,
    readonly role: Role,
  ) {
    this.marker = Buffer.from(`#${index}#`);
  }

  frame(opcode: number, payload: Buffer): void {
    const { pop } = this;
    const d = pop.dialect;
    if (d.isDelivery(opcode, payload)) {
      pop.delivered++;
      if (this.role === 'cheap') return;
      if (this.role === 'sampled') {
        const now = performance.now();
        const times = timesOf(d.bodyOf(payload));
        pop.latency.add(now - times.sent);
        pop.latencyFromSchedule.add(now - times.scheduled);
      } else if (pop.completion === 'echo' && this.inFlight > 0 && payload.indexOf(this.marker) >= 0) {
        this.inFlight--;
        pop.completed(this);
      }
      return;
    }
    const n = d.ackOf?.(payload);
    if (n !== undefined) {
      const at = this.pendingAcks.get(n);
      if (at === undefined) return;
      this.pendingAcks.delete(n);
      const now = performance.now();
      pop.acked++;
      pop.lastAckAt = now;
      pop.commit.add(now - at.sent);
      pop.commitFromSchedule.add(now - at.scheduled);
      if (pop.completion === 'ack') {
        this.inFlight--;
        pop.completed(this);
      }
      return;
    }
    const answer = d.answer?.(opcode, payload);
    if (answer) this.ws.send(answer.opcode, answer.payload);
  }

  /** Sends `count` chat messages in one write (closed loop: each is due when it is sent). */
  sendMessages(count: number): void {
    const frames: Buffer[] = [];
    let opcode = 0;
    for (let i = 0; i < count; i++) {
      const f = this.frameFor(undefined);
      opcode = f.opcode;
      frames.push(f.payload);
    }
    this.inFlight += count;
    this.pop.sent += count;
    if (count === 1) this.ws.send(opcode, frames[0]!);
    else if (count > 1) this.ws.sendMany(opcode, frames);
  }

  /**
   * Sends one message that the open loop's schedule made due at `scheduledAt` (performance.now()
   * time), in a write of its own; the body carries both times, so latency is taken from each.
   * Returns when it actually left.
   */
  sendScheduled(scheduledAt: number): number {
    const f = this.frameFor(scheduledAt);
    this.inFlight++;
    this.pop.sent++;
    this.ws.send(f.opcode, f.payload);
    return f.sentAt;
  }

  private frameFor(scheduledAt: number | undefined): OutFrame & { sentAt: number } {
    const d = this.pop.dialect;
    const n = ++this.sent;
    const sent = performance.now();
    const scheduled = scheduledAt ?? sent;
    const f = d.message(this.room!, bodyFor(this.index, sent, scheduled, this.pop.spec.bodyChars), n);
    if (d.ackOf) this.pendingAcks.set(n, { sent, scheduled });
    return { ...f, sentAt: sent };
  }
}

/** When a message left (performance.now()), and when its schedule said it should have (the same in a closed loop). */
export interface SendTimes {
  sent: number;
  scheduled: number;
}

/** `#<sender>#<sent, ms>#<scheduled, ms>#xxxx…`: the marker lets a sender spot its own echo without decoding. */
function bodyFor(sender: number, sent: number, scheduled: number, chars: number): string {
  const head = `#${sender}#${sent.toFixed(3)}#${scheduled.toFixed(3)}#`;
  return head.length >= chars ? head : head + 'x'.repeat(chars - head.length);
}

function timesOf(body: string): SendTimes {
  const a = body.indexOf('#', 1) + 1;
  const b = body.indexOf('#', a) + 1;
  return { sent: Number(body.slice(a, b - 1)), scheduled: Number(body.slice(b, body.indexOf('#', b))) };
}

export class Population {
  readonly dialect: Dialect;
  readonly clients: Client[] = [];
  readonly senders: Client[] = [];
  delivered = 0;
  sent = 0;
  acked = 0;
  /** When the latest store acknowledgement arrived (performance.now()), 0 before any. */
  lastAckAt = 0;
  /** Send-to-delivery latency from the actual send time. */
  readonly latency = new Samples();
  /** Send-to-delivery latency from the time the open loop's schedule set (coordinated-omission free). */
  readonly latencyFromSchedule = new Samples();
  /** Send-to-acknowledgement time, from the actual send and from the scheduled send. */
  readonly commit = new Samples();
  readonly commitFromSchedule = new Samples();
  /** How a closed-loop sender learns a message is done: its own echo, or the store's acknowledgement. */
  completion: 'echo' | 'ack' = 'echo';
  /** Called when a sender's message completed (closed-loop phases). */
  onCompleted: ((c: Client) => void) | undefined;
  private readonly tokens: string[];

  constructor(readonly spec: PopulationSpec) {
    this.dialect = dialects[spec.peer];
    const total = spec.rooms === 0 ? spec.members : spec.rooms * spec.members;
    const exp = Math.floor(Date.now() / 1000) + 3 * 3600;
    // Signed up front, so that a connection storm measures the server, not the signing.
    this.tokens = Array.from({ length: total }, (_, i) => jwt.sign({ sub: `${spec.userPrefix ?? 'u'}${i}`, name: `User ${i}`, exp }, spec.secret, { algorithm: 'HS256' }));
    for (let i = 0; i < total; i++) {
      const roomIndex = spec.rooms === 0 ? -1 : Math.floor(i / spec.members);
      const k = spec.rooms === 0 ? -1 : i % spec.members;
      const sampledHere = roomIndex >= 0 && roomIndex < (spec.sampledRooms ?? spec.rooms);
      const role: Role = k >= 0 && k < spec.senders ? 'sender' : sampledHere && k < spec.senders + spec.sampled ? 'sampled' : 'cheap';
      const c = new Client(this, i, roomIndex >= 0 ? `r${roomIndex}` : undefined, role);
      this.clients.push(c);
      if (role === 'sender') this.senders.push(c);
    }
  }

  /** Members each message in a room is delivered to. */
  get fanout(): number {
    return this.spec.rooms === 0 ? 0 : this.spec.members;
  }

  completed(c: Client): void {
    this.onCompleted?.(c);
  }

  /** Connections opened so far (they are opened in index order). */
  private opened = 0;

  /**
   * Opens, authenticates and joins the next connections, up to `upto` (default: all); returns how
   * many succeeded and the first error.
   */
  async connect(upto = this.clients.length): Promise<{ connected: number; failed: number; error?: string; ms: number }> {
    const started = performance.now();
    const first = this.opened;
    const end = Math.min(upto, this.clients.length);
    let next = first;
    this.opened = end;
    let failed = 0;
    let error: string | undefined;
    const worker = async () => {
      while (next < end) {
        const c = this.clients[next++]!;
        try {
          await this.open(c);
        } catch (err) {
          failed++;
          error ??= (err as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.spec.concurrency, end - first) }, worker));
    return { connected: end - first - failed, failed, error, ms: performance.now() - started };
  }

  private async open(c: Client): Promise<void> {
    const port = this.spec.ports[c.index % this.spec.ports.length]!;
    const localAddress = `127.0.0.${2 + (c.index % SOURCE_ADDRESSES)}`;
    c.ws = new RawWs({ port, path: this.dialect.path, localAddress });
    await c.ws.open;
    await this.dialect.handshake(c.ws, this.tokens[c.index]!, c.room);
    c.ws.sink = c;
  }

  /** Connections the server closed (or that failed) so far. */
  get closedCount(): number {
    let n = 0;
    for (const c of this.clients) if (c.ws?.closed) n++;
    return n;
  }

  closeAll(): void {
    for (const c of this.clients) c.ws?.close();
  }
}
