// Load phases over a connected population: closed loop (each sender keeps a window of messages in
// flight: saturation) and open loop (a fixed offered rate: latency), each followed by a drain that
// waits for every expected delivery.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Percentiles } from './samples.js';
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
  /** Send-to-delivery latency seen by the sampled clients. */
  latency: Percentiles;
  /** Send-to-acknowledgement ("stored") latency, for peers that acknowledge. */
  commit: Percentiles;
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
  for (const c of pop.senders) {
    c.inFlight = 0;
    c.pendingAcks.clear();
  }
}

export async function runPhase(pop: Population, phase: Phase): Promise<PhaseResult> {
  reset(pop);
  const started = performance.now();
  if (phase.kind === 'closed') await closedLoop(pop, phase.durationMs, phase.window, phase.completion);
  else await openLoop(pop, phase.durationMs, phase.rate);
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

async function openLoop(pop: Population, durationMs: number, rate: number): Promise<void> {
  const senders = pop.senders;
  const started = performance.now();
  let sent = 0;
  let turn = 0;
  pop.completion = 'echo';
  const sendUpTo = (target: number) => {
    let owed = target - sent;
    sent = Math.max(sent, target);
    // Spread what is owed over the senders in turn; a sender with several owed sends them in one write.
    const each = Math.floor(owed / senders.length);
    if (each > 0) {
      for (const c of senders) if (!c.ws.closed) c.sendMessages(each);
      owed -= each * senders.length;
    }
    for (; owed > 0; owed--) {
      const c = senders[turn++ % senders.length]!;
      if (!c.ws.closed) c.sendMessages(1);
    }
  };
  while (performance.now() - started < durationMs) {
    sendUpTo(Math.floor((rate * (performance.now() - started)) / 1000));
    await sleep(1);
  }
  // A starved load generator can leave the loop before it caught up (one sleep outlasting the phase):
  // the phase still offers rate × duration, late.
  sendUpTo(Math.floor((rate * durationMs) / 1000));
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
