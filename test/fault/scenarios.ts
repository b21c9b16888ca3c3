// Fault scenarios: numbered messages from every participant through the load balancer while a fault
// is injected mid-stream, then a check of every participant's log against the database.
import { PresenceState, type ClientOptions } from '@parley/sdk';
import { check, type Figures } from './check.js';
import type { FaultCluster } from './cluster.js';
import { Participant } from './participant.js';

export interface Scale {
  /** Participants per scenario, spread over the nodes by the balancer. */
  clients: number;
  /** Rooms per scenario; every participant is in all of them. */
  rooms: number;
  /** Messages per second each participant sends. */
  rate: number;
  /** Traffic time per scenario, ms; the fault comes at a third of it. */
  durationMs: number;
  /** How long Redis or PostgreSQL stays down, ms. */
  outageMs: number;
  /** How long the network stays cut, and how long the apps go on sending once it is back, ms. */
  cutMs: number;
  afterCutMs: number;
}

export const SHORT: Scale = { clients: 6, rooms: 2, rate: 4, durationMs: 6000, outageMs: 1500, cutMs: 3000, afterCutMs: 3000 };
export const LONG: Scale = { clients: 24, rooms: 4, rate: 5, durationMs: 40_000, outageMs: 5000, cutMs: 30_000, afterCutMs: 20_000 };

/** How the SDK clients and the nodes are tuned for a run. */
export interface Profile {
  name: string;
  /** ChatClient options besides url, token and WebSocket. */
  client: Partial<ClientOptions>;
  /** The nodes' send and frame rates; absent: the server's defaults (10 and 50 per second). */
  rates?: { send: number; frame: number };
  /** The scenarios of the short run (the long run has them all). */
  short: readonly ScenarioName[];
}

export const SCENARIOS = ['steady', 'flapping', 'slow-consumer', 'redis-restart', 'postgres-restart', 'node-kill', 'network-cut'] as const;

export const PROFILES: readonly Profile[] = [
  // Quick reconnects and rates far above the traffic: faults are seen at their shortest.
  {
    name: 'fast',
    client: { reconnect: { minDelayMs: 100, maxDelayMs: 1000 }, requestTimeoutMs: 5000 },
    rates: { send: 1000, frame: 2000 },
    short: SCENARIOS,
  },
  // What an app gets out of the box: the SDK's default options against the server's default rate
  // limits. The short run keeps the scenarios where reconnecting and pacing decide the outcome.
  { name: 'defaults', client: {}, short: ['flapping', 'node-kill', 'network-cut'] },
];
export type ScenarioName = (typeof SCENARIOS)[number];

export function roomsOf(name: ScenarioName, scale: Scale): string[] {
  return Array.from({ length: scale.rooms }, (_, i) => `${name}-${i}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a fault does; resolves with the window during which it disturbed the system. */
type Fault = (ctx: { cluster: FaultCluster; participants: Participant[]; scale: Scale; figures: Figures['extra']; traffic: Traffic }) => Promise<void>;

interface Traffic {
  /** Appended to each message body while set (a big body for the slow consumer). */
  padding: string;
  /** Messages per tick per participant. */
  burst: number;
  /** Participants that do not send. */
  silent: Set<Participant>;
}

const FAULTS: Record<ScenarioName, Fault | undefined> = {
  steady: undefined,

  async flapping({ participants, scale }) {
    // Half of the participants lose their connection again and again; each reconnects (to any node) and resumes.
    const flappers = participants.filter((_, i) => i % 2 === 1);
    const end = Date.now() + scale.durationMs / 2;
    while (Date.now() < end) {
      flappers[Math.floor(Math.random() * flappers.length)]!.dropConnection();
      await sleep(250);
    }
  },

  async 'slow-consumer'({ participants, figures, traffic, scale }) {
    // One participant stops reading its socket while the others send big messages: its node must
    // abort it (the client sees 1006) rather than drop frames, and it must resume with nothing missing.
    const slow = participants[0]!;
    traffic.silent.add(slow);
    traffic.padding = ' ' + 'x'.repeat(3800);
    traffic.burst = 4;
    await sleep(1500);
    slow.tcp!.pause();
    // Its own history reads (size-capped pages of big messages) fill the socket far past what
    // loopback buffers hold, so the close comes in seconds rather than after tens of MB of chat.
    for (let i = 0; i < 80; i++) slow.readHistory();
    await sleep(Math.min(4000, scale.durationMs / 2));
    traffic.padding = '';
    traffic.burst = 1;
    slow.tcp?.resume();
    const deadline = Date.now() + 10_000;
    while (!slow.closeCodes.includes(1006) && Date.now() < deadline) await sleep(50);
    figures.slowClosedWith = slow.closeCodes.join(',') || 'none';
  },

  async 'redis-restart'({ cluster, scale, participants, figures }) {
    await cluster.restartRedis(scale.outageMs);
    // Redis came back empty: the nodes must write their users' presence back.
    const back = Date.now();
    const everyone = new Set(participants.map((p) => p.name));
    const deadline = back + 20_000;
    for (;;) {
      const members = await participants[0]!.members().catch(() => []);
      const online = members.filter((m) => everyone.has(m.user) && m.state === PresenceState.Online).length;
      if (online === everyone.size) break;
      if (Date.now() > deadline) return void (figures.presenceRestoredMs = `never (${online}/${everyone.size} online)`);
      await sleep(100);
    }
    figures.presenceRestoredMs = Date.now() - back;
  },

  async 'postgres-restart'({ cluster, scale }) {
    await cluster.restartPostgres(scale.outageMs);
  },

  async 'node-kill'({ cluster, participants, figures }) {
    // A user connected only to the doomed node (no reconnect) must go offline for the others within
    // the presence TTL; everyone else on that node reconnects through the balancer and resumes.
    const doomed = 1;
    const ghost = new Participant('ghost', cluster.nodeUrl(doomed), { reconnect: false });
    const room = [...participants[0]!.delivered.keys()][0]!;
    let offlineAt = 0;
    participants[0]!.client.on('presence', ({ user, state }) => {
      if (user === 'ghost' && state === PresenceState.Offline && !offlineAt) offlineAt = Date.now();
    });
    await ghost.join([room]);
    const killedAt = Date.now();
    await cluster.killNode(doomed);
    const deadline = Date.now() + 30_000;
    while (!offlineAt && Date.now() < deadline) await sleep(50);
    figures.presenceOfflineMs = offlineAt ? offlineAt - killedAt : 'never';
    // Clients the kill cut off (they reconnected elsewhere through the balancer and resumed).
    figures.reconnected = participants.filter((p) => p.closeCodes.length > 0).length;
    await ghost.close();
  },

  async 'network-cut'({ cluster, scale, participants, figures }) {
    // Every client loses the network while its app keeps sending (issue 10, item 1); once it is back
    // the backlogs must drain, each participant's messages stored in its call order, none refused.
    await cluster.cutNetwork();
    await sleep(scale.cutMs);
    await cluster.restoreNetwork();
    await sleep(scale.afterCutMs);
    figures.reconnected = participants.filter((p) => p.closeCodes.length > 0).length;
  },
};

export async function runScenario(cluster: FaultCluster, name: ScenarioName, scale: Scale, profile: Profile): Promise<Figures> {
  const rooms = roomsOf(name, scale);
  const participants = Array.from({ length: scale.clients }, (_, i) => new Participant(`${name}-u${i}`, cluster.url, profile.client));
  await Promise.all(participants.map((p) => p.join(rooms)));
  const refusedBefore = await cluster.counter('parley_errors_total', { code: 'rate_limited' });
  const traffic: Traffic = { padding: '', burst: 1, silent: new Set() };
  const tick = setInterval(() => {
    for (const p of participants) {
      if (traffic.silent.has(p)) continue;
      for (let i = 0; i < traffic.burst; i++) p.send(rooms[Math.floor(Math.random() * rooms.length)]!, traffic.padding);
    }
  }, 1000 / scale.rate);

  const extra: Figures['extra'] = {};
  let window: [number, number] | undefined;
  try {
    await sleep(scale.durationMs / 3);
    const fault = FAULTS[name];
    if (fault) {
      const from = Date.now();
      await fault({ cluster, participants, scale, figures: extra, traffic });
      window = [from - 500, Date.now()];
    }
    await sleep(Math.max(0, scale.durationMs / 3) * 2 - (window ? window[1] - window[0] : 0));
  } finally {
    clearInterval(tick);
  }
  const settleStart = Date.now();
  await Promise.race([Promise.all(participants.map((p) => p.settled())), sleep(90_000)]);
  // Converged when every participant has reached the stored head of every room (or time is up: the checker says what is missing).
  const heads = await cluster.heads(rooms);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !participants.every((p) => rooms.every((r) => p.lastSeq(r) >= heads.get(r)!))) await sleep(50);
  extra.settleMs = Date.now() - settleStart;
  // Frames the nodes refused for their rate limits (a killed node's count goes with it).
  const refusedAfter = await cluster.counter('parley_errors_total', { code: 'rate_limited' });
  extra.refused = [...refusedAfter].reduce((n, [port, v]) => n + v - (refusedBefore.get(port) ?? 0), 0);
  extra.floodCloses = participants.reduce((n, p) => n + p.closeCodes.filter((c) => c === 4006).length, 0);
  const logs = new Map(await Promise.all(rooms.map(async (r) => [r, await cluster.log(r)] as const)));
  const figures = check(name, participants, logs, window);
  Object.assign(figures.extra, extra);
  await Promise.all(participants.map((p) => p.close()));
  return figures;
}
