// The bot command round trip section of docs/benchmarks.md, from bench/results/command-rtt.json
// (written by bench/dist/command-rtt.js; kept apart from the suite's results, which it does not run).
import { existsSync, readFileSync } from 'node:fs';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface CommandRttResult {
  date: string;
  store: string;
  commands: number;
  intervalMs: number;
  pinned: boolean;
  /** Load average (1 min) when the run ended: the machine is shared. */
  loadAverage: number;
  command: Percentiles;
  plain: Percentiles;
}

export const COMMAND_RTT_HEADING = '## Bot command round trip (light load)';
/** Target of issue 14. */
const TARGET_P99_MS = 50;

export function readCommandRtt(file: string): CommandRttResult | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CommandRttResult) : undefined;
}

export function commandRttSection(r: CommandRttResult | undefined): string[] {
  if (!r) return [];
  const f = (p: Percentiles) => `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)} / ${p.p99.toFixed(1)} / ${p.max.toFixed(1)}`;
  return [
    COMMAND_RTT_HEADING,
    '',
    `\`npm run build && node bench/dist/command-rtt.js --commands=${r.commands} --interval-ms=${r.intervalMs}\` (${r.date}, ${r.store}): a member sends \`/echo <n>\`, a bot built on`,
    `\`@parley/sdk/bot\` answers, the member sees the answer; ${r.commands} commands alternate with ${r.commands} plain messages the same bot`,
    `answers through \`onMessage\` (no command routing), one every ${r.intervalMs / 2} ms, under one connection's default send rate.`,
    `Server on core 0${r.pinned ? '' : ' (not pinned: no taskset)'}, bot and member on core 1; the machine's load average was ${r.loadAverage.toFixed(1)} at the end (it is shared).`,
    '',
    '| Round trip | p50 / p95 / p99 / max, ms |',
    '| --- | --- |',
    `| Command (send → routed to its bot → answer seen) | ${f(r.command)} |`,
    `| Plain message answered by the same bot | ${f(r.plain)} |`,
    '',
    `Target: command round trip p99 ≤ ${TARGET_P99_MS} ms on one node at light load — ${r.command.p99 <= TARGET_P99_MS ? '**met**' : `**not met** here (p99 ${r.command.p99.toFixed(0)} ms)`}.`,
    `Routing a command costs ${(r.command.p50 - r.plain.p50).toFixed(1)} ms at p50 over a plain message; the tail is that of any message round trip on this machine.`,
    '',
  ];
}
