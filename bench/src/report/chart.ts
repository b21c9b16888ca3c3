// Draws docs/benchmarks.svg: one panel per headline metric, a horizontal bar per peer and scenario,
// each panel on its own linear scale with the value written at the bar's end.
import { PeerKind } from '../load/dialect.js';
import { ScenarioKind } from '../scenarios.js';
import { fmtMs, fmtNum, ownHalfOf, PEER_LABEL, resultOf, storedPerSec, type BenchReport } from './model.js';

interface Bar {
  label: string;
  peer: PeerKind;
  value: number | undefined;
  text: string;
}

interface Panel {
  title: string;
  note: string;
  bars: Bar[];
}

const COLORS: Record<PeerKind, string> = {
  parley: '#2f6fdf',
  'parley-naive': '#9db8e8',
  'parley-pglite': '#6d28d9',
  socketio: '#d9822b',
  'uws-relay-batched': '#374151',
  'uws-relay': '#9ca3af',
};

const WIDTH = 900;
const LABEL_W = 300;
const BAR_W = 470;
const ROW_H = 20;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panels(report: BenchReport): Panel[] {
  const traffic = report.scenarios.filter((s) => s.kind === ScenarioKind.Traffic);
  const bars = (kinds: typeof report.scenarios, pick: (s: string, p: PeerKind) => number | undefined, fmt: (n: number) => string): Bar[] =>
    kinds.flatMap((s) =>
      s.peers.map((peer) => {
        const value = pick(s.id, peer);
        return { label: `${s.id} · ${PEER_LABEL[peer]}`, peer, value, text: value === undefined ? 'not measured' : fmt(value) };
      }),
    );
  const byKind = (k: ScenarioKind) => report.scenarios.filter((s) => s.kind === k);
  return [
    {
      title: 'Deliveries per server CPU-second (saturation)',
      note: 'higher is better',
      bars: bars(traffic, (s, p) => resultOf(report, s, p)?.sat?.deliveriesPerCpuSec, (n) => fmtNum(n)),
    },
    {
      title: 'Deliveries per system CPU-second: server + PostgreSQL + Redis (saturation)',
      note: 'higher is better',
      bars: bars(traffic, (s, p) => resultOf(report, s, p)?.sat?.deliveriesPerSystemCpuSec, (n) => fmtNum(n)),
    },
    {
      title: "p99 latency at half of each peer's own saturation, ms",
      note: 'lower is better',
      bars: bars(traffic, (s, p) => {
        const r = resultOf(report, s, p);
        return r ? ownHalfOf(report, r)?.latency.p99 : undefined;
      }, fmtMs),
    },
    {
      title: 'Connection storm: connections authenticated per second',
      note: 'higher is better',
      bars: bars(byKind(ScenarioKind.Storm), (s, p) => resultOf(report, s, p)?.storm?.perSec, (n) => fmtNum(n)),
    },
    {
      title: 'Process memory per idle connection, bytes',
      note: 'lower is better',
      bars: bars(byKind(ScenarioKind.Idle), (s, p) => resultOf(report, s, p)?.idle?.bytesPerConn, (n) => fmtNum(n)),
    },
    {
      title: 'Stored messages per second of real time (PostgreSQL)',
      note: 'higher is better',
      bars: bars(byKind(ScenarioKind.Persist), (s, p) => storedPerSec(resultOf(report, s, p)), (n) => fmtNum(n)),
    },
    // A panel none of whose bars was measured (a figure older results lack) says nothing.
  ].filter((p) => p.bars.some((b) => b.value !== undefined));
}

export function renderChart(report: BenchReport): string {
  const parts: string[] = [];
  let y = 40;
  for (const panel of panels(report)) {
    parts.push(`<text x="16" y="${y}" class="title">${esc(panel.title)}</text>`);
    parts.push(`<text x="${WIDTH - 16}" y="${y}" class="note" text-anchor="end">${esc(panel.note)}</text>`);
    y += 12;
    const max = Math.max(0, ...panel.bars.map((b) => b.value ?? 0));
    for (const bar of panel.bars) {
      const w = bar.value === undefined || max === 0 ? 0 : Math.max(1, (bar.value / max) * BAR_W);
      parts.push(`<text x="${LABEL_W - 8}" y="${y + 14}" text-anchor="end">${esc(bar.label)}</text>`);
      parts.push(`<rect x="${LABEL_W}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW_H - 6}" fill="${COLORS[bar.peer]}"/>`);
      parts.push(`<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${y + 14}">${esc(bar.text)}</text>`);
      y += ROW_H;
    }
    y += 34;
  }
  // Only the peers this run had, each entry as wide as its label (about 6.5 px a character at 12 px).
  const peers = (Object.keys(COLORS) as PeerKind[]).filter((p) => report.scenarios.some((s) => s.peers.includes(p)));
  let x = 16;
  const legend = peers
    .map((p) => {
      const entry = `<rect x="${x}" y="${y - 12}" width="12" height="12" fill="${COLORS[p]}"/><text x="${x + 18}" y="${y - 2}">${esc(PEER_LABEL[p])}</text>`;
      x += 18 + Math.ceil(PEER_LABEL[p].length * 6.5) + 24;
      return entry;
    })
    .join('');
  const height = y + 16;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    '<style>text{fill:#1f2937}.title{font-weight:600;font-size:14px}.note{fill:#6b7280}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="20" class="note">Parley benchmarks, ${esc(report.mode)} run ${esc(report.startedAt.slice(0, 16).replace('T', ' '))} UTC, load average ${report.machine.loadavgBefore[0]!.toFixed(2)} at start</text>`,
    ...parts,
    legend,
    '</svg>',
    '',
  ].join('\n');
}
