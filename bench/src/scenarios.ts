// The benchmark scenarios and their sizes in each mode: tiny (the test suite's smoke run), quick
// (`npm run bench`, a few minutes) and full (`npm run bench -- --full`, the documented numbers).
import { PeerKind } from './load/dialect.js';
import type { PopulationSpec } from './load/population.js';

export const Mode = { Tiny: 'tiny', Quick: 'quick', Full: 'full' } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

export const ScenarioKind = {
  /** Chat traffic: a saturation phase, then latency at half of each peer's own saturation and at half of Parley's. */
  Traffic: 'traffic',
  /** Stored messages: the same phases, completed by the store's acknowledgement. */
  Persist: 'persist',
  /** Connect + authenticate as fast as possible. */
  Storm: 'storm',
  /** Authenticated idle connections: memory per connection. */
  Idle: 'idle',
  /** A fixed light open-loop load (no saturation phase): latency as one user at a quiet moment feels it. */
  Light: 'light',
} as const;
export type ScenarioKind = (typeof ScenarioKind)[keyof typeof ScenarioKind];

export type Shape = Omit<PopulationSpec, 'peer' | 'ports' | 'secret'>;

export interface Scenario {
  id: string;
  title: string;
  kind: ScenarioKind;
  /** Peers in run order; the first is the one whose saturation sets the same-load phase's offered rate. */
  peers: PeerKind[];
  /** Server nodes per peer (2: over Redis). */
  nodes: number;
  shape: Shape;
  /** Closed-loop messages in flight per sender during the saturation phase. */
  window: number;
  /** Length of each measured phase. */
  phaseMs: number;
  /** Unmeasured traffic before the first measured phase, so that every server is measured warm (JIT-compiled hot paths, grown pools). */
  warmupMs: number;
  /** Persistence: Parley also runs an open-loop phase at this many stored messages/s, where the commit-latency target is checked. */
  targetRate?: number;
  /** Idle memory: the waits after each of the two full collections before resident memory is read, ms. */
  gcWaitsMs: number[];
  /** How long no delivery may arrive before traffic counts as drained between phases, ms. */
  quietMs: number;
  /**
   * Knee curve: open-loop phases at these shares of the first peer's saturation rate, for the
   * peers listed, each at the same absolute rates; a peer whose p99 stays under the knee threshold
   * through them goes on at `beyond` times that saturation rate, until it passes it.
   */
  knee?: { fractions: number[]; beyond: number[]; peers: PeerKind[]; phaseMs: number };
  /** Light: the one offered rate, messages/s. */
  lightRate?: number;
  /** Also run the first peer on one node with the same shape, at the same offered load (the two-node comparison). */
  oneNodeBaseline?: boolean;
}

/** The p99 above which an offered rate is past the knee, ms (issue 17). */
export const KNEE_P99_MS = 20;

/** Traffic: both relays, since how much batching saves depends on the scenario. */
const chatPeers = [PeerKind.Parley, PeerKind.RelayBatched, PeerKind.Relay, PeerKind.SocketIo];
/** Connections without traffic: the relays differ only in how they publish, so one of them is enough. */
const connectionPeers = [PeerKind.Parley, PeerKind.Relay, PeerKind.SocketIo];

interface Sizes {
  fanout: number[];
  rooms: number;
  busy: number;
  storm: number;
  idle: number;
  persistRooms: number;
  /** Offered rate of the persistence target phase, messages/s. */
  persistTarget: number;
  twoNode: number;
  phaseMs: number;
  /** Length of each knee-curve phase. */
  kneeMs: number;
  /** Length of the light-load phase (long enough for a p99.9 of several thousand samples). */
  lightMs: number;
  warmupMs: number;
  gcWaitsMs: number[];
  quietMs: number;
}

const SIZES: Record<Mode, Sizes> = {
  // The tiny run checks the harness, not memory: 20 connections cannot show a per-connection figure anyway.
  tiny: { fanout: [12], rooms: 3, busy: 8, storm: 20, idle: 20, persistRooms: 4, persistTarget: 200, twoNode: 12, phaseMs: 300, kneeMs: 300, lightMs: 500, warmupMs: 100, gcWaitsMs: [100, 200], quietMs: 100 },
  quick: { fanout: [1000], rooms: 100, busy: 100, storm: 2000, idle: 5000, persistRooms: 100, persistTarget: 30_000, twoNode: 1000, phaseMs: 1500, kneeMs: 1500, lightMs: 5000, warmupMs: 1000, gcWaitsMs: [500, 1000], quietMs: 250 },
  full: { fanout: [1000, 5000], rooms: 300, busy: 200, storm: 10_000, idle: 19_000, persistRooms: 200, persistTarget: 30_000, twoNode: 2000, phaseMs: 8000, kneeMs: 4000, lightMs: 15_000, warmupMs: 3000, gcWaitsMs: [500, 1000], quietMs: 250 },
};

const base = { sampledRooms: undefined, concurrency: 100, bodyChars: 100 };

export function scenarios(mode: Mode): Scenario[] {
  const z = SIZES[mode];
  const tiny = mode === Mode.Tiny;
  const timing = { phaseMs: z.phaseMs, warmupMs: z.warmupMs, gcWaitsMs: z.gcWaitsMs, quietMs: z.quietMs };
  const busySampled = tiny ? 2 : 16;
  const out: Scenario[] = z.fanout.map((n) => ({
    id: `fanout-${n >= 1000 ? `${n / 1000}k` : n}`,
    title: `Fan-out: one room, ${n.toLocaleString('en')} members, 4 senders`,
    kind: ScenarioKind.Traffic,
    peers: chatPeers,
    nodes: 1,
    shape: { ...base, rooms: 1, members: n, senders: 4, sampled: tiny ? 2 : 16 },
    window: 8,
    ...timing,
  }));
  out.push(
    {
      id: 'rooms',
      title: `Many rooms: ${z.rooms} rooms of 10 members, 2 senders each`,
      kind: ScenarioKind.Traffic,
      peers: chatPeers,
      nodes: 1,
      shape: { ...base, rooms: z.rooms, members: 10, senders: 2, sampled: 1, sampledRooms: Math.min(z.rooms, 20) },
      window: 2,
      ...timing,
      knee: { fractions: [0.1, 0.25, 0.5, 0.7, 0.85, 1], beyond: [1.5, 2, 3, 4], peers: [PeerKind.Parley, PeerKind.Relay], phaseMs: z.kneeMs },
    },
    {
      id: 'light',
      title: 'Light load: 100 msg/s over 20 rooms of 10 members, 2 senders each',
      kind: ScenarioKind.Light,
      peers: [PeerKind.Parley, PeerKind.ParleyEmbedded, PeerKind.Relay],
      nodes: 1,
      // Every member but the senders decodes: 800 latency samples a second, enough for a p99.9.
      shape: { ...base, rooms: 20, members: 10, senders: 2, sampled: 8 },
      window: 0,
      lightRate: 100,
      ...timing,
      phaseMs: z.lightMs,
    },
    {
      id: 'busy',
      title: `Busy room: one room, ${z.busy} members, all but ${busySampled} of them sending`,
      kind: ScenarioKind.Traffic,
      peers: chatPeers,
      nodes: 1,
      shape: { ...base, rooms: 1, members: z.busy, senders: z.busy - busySampled, sampled: busySampled },
      window: 2,
      ...timing,
    },
    {
      id: 'storm',
      title: `Connection storm: ${z.storm.toLocaleString('en')} connections authenticate, 100 at a time`,
      kind: ScenarioKind.Storm,
      peers: connectionPeers,
      nodes: 1,
      shape: { ...base, rooms: 0, members: z.storm, senders: 0, sampled: 0 },
      window: 0,
      ...timing,
      phaseMs: 0,
      warmupMs: 0,
    },
    {
      id: 'idle',
      title: `Idle memory: ${z.idle.toLocaleString('en')} authenticated idle connections`,
      kind: ScenarioKind.Idle,
      peers: connectionPeers,
      nodes: 1,
      shape: { ...base, rooms: 0, members: z.idle, senders: 0, sampled: 0, concurrency: 200 },
      window: 0,
      ...timing,
      phaseMs: 0,
      warmupMs: 0,
    },
    {
      id: 'persist',
      title: `Persistence: ${z.persistRooms} rooms, one sender each, acknowledged once stored in PostgreSQL`,
      kind: ScenarioKind.Persist,
      peers: [PeerKind.Parley, PeerKind.ParleyNaive],
      nodes: 1,
      shape: { ...base, rooms: z.persistRooms, members: 1, senders: 1, sampled: 0 },
      window: 4,
      targetRate: z.persistTarget,
      ...timing,
    },
    {
      id: 'two-nodes',
      title: `Two nodes over Redis: one room, ${z.twoNode.toLocaleString('en')} members split over both, 4 senders`,
      kind: ScenarioKind.Traffic,
      peers: [PeerKind.Parley, PeerKind.SocketIo],
      nodes: 2,
      shape: { ...base, rooms: 1, members: z.twoNode, senders: 4, sampled: tiny ? 2 : 16 },
      window: 8,
      ...timing,
      oneNodeBaseline: true,
    },
  );
  return out;
}
