// The machine's load over one phase: load averages at its start and end, and how busy each core was
// in between (from /proc/stat), so a latency can be read beside what else competed for the cores.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Jiffies of one core: busy (everything but idle and iowait) and total. */
interface CoreTicks {
  busy: number;
  total: number;
}

export interface LoadMark {
  loadavg: number[];
  /** Per core, in core order; empty where /proc/stat cannot be read. */
  cores: CoreTicks[];
}

export interface MachineLoad {
  /** 1, 5 and 15 minute load averages when the phase started and when it ended. */
  loadavgStart: number[];
  loadavgEnd: number[];
  /** Busy share of each core over the phase (0–1), in core order; empty where /proc/stat cannot be read. */
  coreBusy: number[];
}

/** Parses the `cpuN` lines of /proc/stat (not the `cpu` total). */
export function parseProcStat(text: string): CoreTicks[] {
  const cores: CoreTicks[] = [];
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
    const f = m[2]!.trim().split(/\s+/).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + (b || 0), 0);
    cores[Number(m[1])] = { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
  }
  return cores;
}

export function markLoad(): LoadMark {
  let cores: CoreTicks[] = [];
  try {
    cores = parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    // not Linux: load averages only
  }
  return { loadavg: os.loadavg(), cores };
}

export function loadBetween(start: LoadMark, end: LoadMark): MachineLoad {
  const coreBusy = end.cores.map((c, i) => {
    const s = start.cores[i];
    const total = s ? c.total - s.total : 0;
    return s && total > 0 ? (c.busy - s.busy) / total : 0;
  });
  return { loadavgStart: start.loadavg, loadavgEnd: end.loadavg, coreBusy };
}
