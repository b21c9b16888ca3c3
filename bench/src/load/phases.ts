// Load phases over a connected population: closed loop (each sender keeps a window of messages in
// flight: saturation) and open loop (a fixed offered rate on an even schedule: latency), each
// followed by a drain that waits for every expected delivery.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Samples, type Percentiles } from './samples.js';
import type { Client, Population } from './population.js';

export type Phase = (
  | { kind: 'closed'; durationMs: number; window: number; completion: 'echo' | 'ack' }
  | { kind: 'open'; durationMs: number; rate: number }
) & {
  /** Longest wait for owed deliveries after sending stopped. */
  maxDrainMs: number;
};

export interface PhaseResult {
  /** Messages sent. */
  sent: number;
  /** Deliveries counted while sending (for the rate). */
  deliveredInWindow: number;
  /** Deliveries counted by the end of the drain. */
  delivered: number;
  /** Deliveries owed: messages sent times the room's members. */
  expected: number;
  /** Store acknowledgements received (peers that store). */
  acked: number;
  /**
   * Real time from the phase's first send to its last acknowledgement, ms (0 without any): the
   * stored rate is `acked` over this span, which grows when acknowledgements trail the sends.
   */
  ackSpanMs: number;
  sendingMs: number;
  drainMs: number;
  /** Send-to-delivery latency seen by the sampled clients, from the actual send. */
  latency: Percentiles;
  /** Send-to-acknowledgement ("stored") latency, for peers that acknowledge, from the actual send. */
  commit: Percentiles;
  /**
   * Open loop only: the same latencies taken from each message's scheduled send time (free of
   * coordinated omission: a late generator or a stalled socket counts against the phase), and how
   * evenly the schedule was kept.
   */
  schedule?: ScheduleKept;
  /** Connections found closed at the end. */
  closed: number;
}

/** Waits until deliveries stop arriving (setup traffic such as joins has drained), then zeroes the counters. */
export async function quiesce(pop: Population, quietMs = 250, maxMs = 20_000): Promise<void> {
  const until = performance.now() + maxMs;
  let last = -1;
  while (performance.now() < until && pop.delivered !== last) {
    last = pop.delivered;
    await sleep(quietMs);
  }
  reset(pop);
}

function reset(pop: Population): void {
  pop.delivered = 0;
  pop.sent = 0;
  pop.acked = 0;
  pop.lastAckAt = 0;
  pop.latency.clear();
  pop.commit.clear();
  pop.latencyFromSchedule.clear();
  pop.commitFromSchedule.clear();
  for (const c of pop.senders) {
    c.inFlight = 0;
    c.pendingAcks.clear();
  }
}

/** How an open-loop phase kept its schedule: every message had a send time, evenly spaced over time and senders. */
export interface ScheduleKept {
  /** Send-to-delivery latency from the scheduled send time. */
  latency: Percentiles;
  /** Send-to-acknowledgement time from the scheduled send time. */
  commit: Percentiles;
  /** How late the generator itself sent: actual − scheduled send time, ms. */
  lag: Percentiles;
  /** The phase's scheduled length, ms: it offers ⌊rate × length⌋ messages. */
  durationMs: number;
  /** Scheduled gap between consecutive messages of the phase, ms (1000 / rate). */
  gapMs: number;
  /** Actual gaps between consecutive messages of the phase, ms. */
  gaps: Percentiles;
  /** Scheduled gap between two messages of one sender, ms (senders × 1000 / rate). */
  senderGapMs: number;
  /** Actual gaps between consecutive messages of one sender, ms. */
  senderGaps: Percentiles;
  /** Fewest and most messages a sender sent in the phase (an even spread differs by at most one). */
  perSenderMin: number;
  perSenderMax: number;
}

export async function runPhase(pop: Population, phase: Phase): Promise<PhaseResult> {
  reset(pop);
  const started = performance.now();
  let kept: OpenLoopTrace | undefined;
  if (phase.kind === 'closed') await closedLoop(pop, phase.durationMs, phase.window, phase.completion);
  else kept = await openLoop(pop, phase.durationMs, phase.rate);
  const sendingMs = performance.now() - started;
  const deliveredInWindow = pop.delivered;
  const drainStart = performance.now();
  await drain(pop, phase.maxDrainMs);
  return {
    sent: pop.sent,
    deliveredInWindow,
    delivered: pop.delivered,
    expected: pop.sent * pop.fanout,
    acked: pop.acked,
    ackSpanMs: pop.lastAckAt > started ? pop.lastAckAt - started : 0,
    sendingMs,
    drainMs: performance.now() - drainStart,
    latency: pop.latency.percentiles(),
    commit: pop.commit.percentiles(),
    ...(kept ? { schedule: scheduleKept(pop, kept) } : {}),
    closed: pop.closedCount,
  };
}

async function closedLoop(pop: Population, durationMs: number, window: number, completion: 'echo' | 'ack'): Promise<void> {
  let running = true;
  pop.completion = completion;
  // Refills are batched per event-loop turn so a sender's next messages leave in one write.
  const due = new Set<Client>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    for (const c of due) if (!c.ws.closed) c.sendMessages(window - c.inFlight);
    due.clear();
  };
  pop.onCompleted = (c) => {
    if (!running) return;
    due.add(c);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  for (const c of pop.senders) c.sendMessages(window);
  await sleep(durationMs);
  running = false;
  pop.onCompleted = undefined;
}

/** What the open loop saw of its own sends, for `ScheduleKept`. */
interface OpenLoopTrace {
  rate: number;
  durationMs: number;
  lag: Samples;
  gaps: Samples;
  senderGaps: Samples;
  perSender: Map<Client, number>;
}

/**
 * BENCH_SPIN=1: turn the event loop without pause while the next send is near (the generator before
 * 4 December 2026), for comparing the two. Spinning kept the generator's core busy at any rate above
 * 500 msg/s, so the server's database, which is not pinned, found only the server's core free.
 */
const SPIN = process.env.BENCH_SPIN === '1';
/** Naps shorter than this are not worth the system call. */
const NAP_MIN_MS = 0.02;
/** The longest nap between two turns of the event loop: frames that arrive meanwhile wait at most this long to be read (and timed). */
const NAP_MAX_MS = 0.1;
const napCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Message i is due at start + i / rate and goes to sender i mod senders, alone in its write: the rate
 * is spread evenly over time and over the senders (and so over their rooms). The loop wakes by timer
 * while the next send is more than 2 ms off and turns the event loop (setImmediate) when it is
 * nearer, so sends leave within a loop turn of their time instead of at a timer's 1 ms granularity;
 * incoming frames are still read every turn. Between turns with nothing due it naps (Atomics.wait)
 * until the next send or for NAP_MAX_MS, whichever is sooner, so that its core is free for others
 * while it waits. A starved generator sends what fell due in the meantime, late, and the lag says by how much.
 */
async function openLoop(pop: Population, durationMs: number, rate: number): Promise<OpenLoopTrace> {
  const senders = pop.senders;
  const total = Math.floor((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  const trace: OpenLoopTrace = { rate, durationMs, lag: new Samples(), gaps: new Samples(), senderGaps: new Samples(), perSender: new Map() };
  pop.completion = 'echo';
  for (const c of senders) c.lastSentAt = 0;
  if (total === 0 || senders.length === 0) return trace;
  const start = performance.now();
  let i = 0;
  let previous = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (; i < total && start + i * interval <= now; i++) {
        const c = senders[i % senders.length]!;
        if (c.ws.closed) continue;
        const due = start + i * interval;
        const at = c.sendScheduled(due);
        trace.lag.add(at - due);
        if (previous > 0) trace.gaps.add(at - previous);
        if (c.lastSentAt > 0) trace.senderGaps.add(at - c.lastSentAt);
        previous = at;
        c.lastSentAt = at;
        trace.perSender.set(c, (trace.perSender.get(c) ?? 0) + 1);
      }
      if (i >= total) return resolve();
      const wait = start + i * interval - performance.now();
      if (wait > 2) setTimeout(tick, wait - 1.5);
      else setImmediate(SPIN ? tick : nap);
    };
    const nap = () => {
      const wait = start + i * interval - performance.now();
      if (wait > NAP_MIN_MS) Atomics.wait(napCell, 0, 0, Math.min(wait, NAP_MAX_MS));
      tick();
    };
    tick();
  });
  return trace;
}

function scheduleKept(pop: Population, t: OpenLoopTrace): ScheduleKept {
  const counts = pop.senders.map((c) => t.perSender.get(c) ?? 0);
  return {
    latency: pop.latencyFromSchedule.percentiles(),
    commit: pop.commitFromSchedule.percentiles(),
    lag: t.lag.percentiles(),
    durationMs: t.durationMs,
    gapMs: 1000 / t.rate,
    gaps: t.gaps.percentiles(),
    senderGapMs: (pop.senders.length * 1000) / t.rate,
    senderGaps: t.senderGaps.percentiles(),
    perSenderMin: Math.min(...counts),
    perSenderMax: Math.max(...counts),
  };
}

/** Waits for every owed delivery (and acknowledgement), giving up after 3 s without progress. */
async function drain(pop: Population, maxMs: number, stallMs = 3000): Promise<void> {
  const expectsAcks = pop.dialect.ackOf !== undefined;
  const start = performance.now();
  let lastProgress = performance.now();
  let last = -1;
  while (performance.now() - start < maxMs) {
    const done = pop.delivered >= pop.sent * pop.fanout && (!expectsAcks || pop.acked >= pop.sent);
    if (done) return;
    const progress = pop.delivered + pop.acked;
    if (progress !== last) {
      last = progress;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > stallMs) {
      return;
    }
    await sleep(2);
  }
}
