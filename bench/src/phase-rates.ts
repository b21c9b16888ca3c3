// Rates a phase's counts turn into, each over the real time it took, so that a server that falls
// behind shows a lower rate instead of the rate it was offered.
import type { PhaseResult } from './load/phases.js';

type AckCounts = Pick<PhaseResult, 'acked' | 'sendingMs' | 'drainMs'> & { ackSpanMs?: number };

/**
 * Stored (acknowledged) messages per second of real time: the acknowledgements over the time from
 * the phase's first send to its last acknowledgement. Results written before that span was recorded
 * fall back to sending plus draining time, which ends within a few ms of the last owed acknowledgement.
 */
export function ackedPerSecond(p: AckCounts): number {
  if (p.acked === 0) return 0;
  const spanMs = p.ackSpanMs !== undefined && p.ackSpanMs > 0 ? p.ackSpanMs : p.sendingMs + p.drainMs;
  return p.acked / (spanMs / 1000);
}

