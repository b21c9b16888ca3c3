// Compares what every participant's app saw with the database, the truth: acked messages lost,
// messages stored or delivered twice, order inversions, sends stored out of their call order, and how
// long deliveries took.
import type { StoredEvent } from './cluster.js';
import type { Participant } from './participant.js';

export interface Figures {
  scenario: string;
  /** Acked messages missing from the database, plus (participant, message) pairs never delivered. */
  lost: number;
  /** Messages stored more than once, plus events an app saw more than once. */
  duplicated: number;
  /** Events an app saw after one with a higher seq, or whose id differs from the stored one at that seq. */
  inversions: number;
  /** Messages a participant sent to a room that were stored before one it had sent there earlier. */
  reordered: number;
  /** Messages sent (acked) in the scenario. */
  messages: number;
  /** Sends that failed for good (the SDK gave up). */
  failedSends: number;
  /** Rooms reset on a participant (resume too far behind): must be 0 here. */
  resets: number;
  /** Median and worst time from starting a send until every participant had the message, ms. */
  p50DeliveryMs: number;
  maxDeliveryMs: number;
  /** Worst send-to-everywhere time of messages whose send started in the fault window, ms. */
  recoveryMs: number;
  /** Anything else the scenario measured. */
  extra: Record<string, number | string>;
}

export function check(
  scenario: string,
  participants: readonly Participant[],
  logs: ReadonlyMap<string, StoredEvent[]>,
  faultWindow: [number, number] | undefined,
): Figures {
  let lost = 0;
  let duplicated = 0;
  let inversions = 0;
  const stored = new Map<string, StoredEvent>(); // id -> event
  for (const events of logs.values()) {
    const bodies = new Map<string, number>();
    for (const e of events) {
      stored.set(e.id, e);
      if (e.kind === 'msg' && e.body !== null) bodies.set(e.body, (bodies.get(e.body) ?? 0) + 1);
    }
    for (const n of bodies.values()) if (n > 1) duplicated += n - 1;
  }

  const sends = participants.flatMap((p) => p.sent);
  const acked = sends.filter((s) => s.id !== undefined);
  for (const s of acked) if (!stored.has(s.id!) || stored.get(s.id!)!.body !== s.body) lost++;

  // Each participant's sends to one room must be stored in the order it called send().
  let reordered = 0;
  for (const p of participants) {
    const highest = new Map<string, number>(); // room -> highest seq of an earlier send
    for (const s of p.sent) {
      if (s.seq === undefined) continue;
      if (s.seq < (highest.get(s.room) ?? 0)) reordered++;
      highest.set(s.room, Math.max(s.seq, highest.get(s.room) ?? 0));
    }
  }

  // Per participant and room: order, duplicates, and when each seq arrived.
  const arrivals = new Map<string, Map<number, number>[]>(); // room -> per participant seq -> time
  for (const p of participants) {
    for (const [room, delivered] of p.delivered) {
      const bySeq = new Map<number, number>();
      const truth = new Map((logs.get(room) ?? []).map((e) => [e.seq, e.id]));
      let prev = 0;
      for (const d of delivered) {
        if (bySeq.has(d.seq)) duplicated++;
        else bySeq.set(d.seq, d.at);
        if (d.seq <= prev || truth.get(d.seq) !== d.id) inversions++;
        prev = Math.max(prev, d.seq);
      }
      const list = arrivals.get(room) ?? [];
      list.push(bySeq);
      arrivals.set(room, list);
    }
  }

  const delays: number[] = [];
  let recoveryMs = 0;
  for (const s of acked) {
    let everywhere = 0;
    participants.forEach((p) => {
      if (!p.delivered.has(s.room) || s.seq! <= (p.startSeq.get(s.room) ?? 0)) return;
      const at = p.delivered.get(s.room)!.find((d) => d.seq === s.seq)?.at;
      if (at === undefined) lost++;
      else everywhere = Math.max(everywhere, at);
    });
    if (everywhere === 0) continue;
    const delay = everywhere - s.startedAt;
    delays.push(delay);
    if (faultWindow && s.startedAt >= faultWindow[0] && s.startedAt <= faultWindow[1]) recoveryMs = Math.max(recoveryMs, delay);
  }
  delays.sort((a, b) => a - b);
  return {
    scenario,
    lost,
    duplicated,
    inversions,
    reordered,
    messages: acked.length,
    failedSends: sends.filter((s) => s.failed !== undefined).length,
    resets: participants.reduce((n, p) => n + p.resets, 0),
    p50DeliveryMs: delays[Math.floor(delays.length / 2)] ?? 0,
    maxDeliveryMs: delays.at(-1) ?? 0,
    recoveryMs,
    extra: {},
  };
}

export function formatFigures(f: Figures): string {
  const extra = Object.entries(f.extra)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return (
    `[fault] ${f.scenario.padEnd(16)} messages=${f.messages} lost=${f.lost} duplicated=${f.duplicated} inversions=${f.inversions} reordered=${f.reordered} ` +
    `failedSends=${f.failedSends} resets=${f.resets} p50=${f.p50DeliveryMs}ms max=${f.maxDeliveryMs}ms recovery=${f.recoveryMs}ms ${extra}`.trimEnd()
  );
}
