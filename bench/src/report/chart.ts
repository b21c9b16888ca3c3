// Draws docs/benchmarks.svg: one panel per headline metric, a horizontal bar per peer and scenario,
// each panel on its own linear scale with the value written at the bar's end.
import { PeerKind } from '../load/dialect.js';
import { ScenarioKind } from '../scenarios.js';
import { KNEE_P99_MS } from '../scenarios.js';
import { felt, fmtMs, fmtNum, labelOf, ownHalfOf, PEER_LABEL, resultOf, storedPerSec, type BenchReport } from './model.js';

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
        const half = r ? ownHalfOf(report, r) : undefined;
        return half ? felt(half).p99 : undefined;
      }, fmtMs),
    },
    {
      title: 'Light load (100 msg/s over 20 rooms of 10): p99 latency, ms',
      note: 'lower is better',
      bars: bars(byKind(ScenarioKind.Light), (s, p) => {
        const l = resultOf(report, s, p)?.light;
        return l ? felt(l).p99 : undefined;
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
  const knee = kneePlot(report, y);
  parts.push(...knee.parts);
  y = knee.y;
  // Only the peers this run had, each entry as wide as its label (about 6.5 px a character at 12 px).
  const peers = (Object.keys(COLORS) as PeerKind[]).filter((p) => report.scenarios.some((s) => s.peers.includes(p)));
  let x = 16;
  const legend = peers
    .map((p) => {
      const w = 18 + Math.ceil(PEER_LABEL[p].length * 6.5) + 24;
      // A legend wider than the chart goes on in a second row.
      if (x > 16 && x + w > WIDTH) {
        x = 16;
        y += 20;
      }
      const entry = `<rect x="${x}" y="${y - 12}" width="12" height="12" fill="${COLORS[p]}"/><text x="${x + 18}" y="${y - 2}">${esc(PEER_LABEL[p])}</text>`;
      x += w;
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

const PLOT_H = 220;

/**
 * The knee curves: p99 (log scale) against offered rate (linear), one line per peer that ran one,
 * with the threshold drawn across. Returns the SVG parts and the y below them.
 */
function kneePlot(report: BenchReport, top: number): { parts: string[]; y: number } {
  const curves = report.results.filter((r) => !r.error && r.knee && r.knee.length > 0);
  if (curves.length === 0) return { parts: [], y: top };
  const points = curves.map((r) => ({
    r,
    xy: r.knee!.map((p) => [p.offeredRate ?? 0, Math.max(0.1, felt(p).p99)] as const).sort((a, b) => a[0] - b[0]),
  }));
  const xMax = Math.max(...points.flatMap((c) => c.xy.map(([x]) => x)));
  const yMaxLog = Math.ceil(Math.log10(Math.max(KNEE_P99_MS * 5, ...points.flatMap((c) => c.xy.map(([, y]) => y)))));
  const yMinLog = -1;
  const x0 = LABEL_W;
  const y0 = top + 20;
  const px = (x: number) => x0 + (xMax > 0 ? (x / xMax) * BAR_W : 0);
  const py = (y: number) => y0 + PLOT_H - ((Math.log10(y) - yMinLog) / (yMaxLog - yMinLog)) * PLOT_H;
  const parts = [
    `<text x="16" y="${top}" class="title">Knee: p99 latency (log scale, ms) against offered msg/s, ${esc(curves[0]!.scenario)}</text>`,
    `<text x="${WIDTH - 16}" y="${top}" class="note" text-anchor="end">knee: where p99 first passes ${KNEE_P99_MS} ms</text>`,
    `<rect x="${x0}" y="${y0}" width="${BAR_W}" height="${PLOT_H}" fill="none" stroke="#d1d5db"/>`,
  ];
  for (let e = yMinLog; e <= yMaxLog; e++) {
    const v = 10 ** e;
    parts.push(`<text x="${x0 - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end" class="note">${fmtMs(v)}</text>`);
  }
  const ty = py(KNEE_P99_MS).toFixed(1);
  parts.push(`<line x1="${x0}" y1="${ty}" x2="${x0 + BAR_W}" y2="${ty}" stroke="#dc2626" stroke-dasharray="4 3"/>`);
  for (const f of [0, 0.25, 0.5, 0.75, 1]) parts.push(`<text x="${px(f * xMax).toFixed(1)}" y="${y0 + PLOT_H + 14}" text-anchor="middle" class="note">${esc(fmtNum(f * xMax))}</text>`);
  let ly = y0 + 10;
  for (const { r, xy } of points) {
    const color = COLORS[r.peer];
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${xy.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of xy) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    parts.push(`<rect x="16" y="${ly - 9}" width="10" height="10" fill="${color}"/><text x="32" y="${ly}">${esc(labelOf(report, r))}</text>`);
    ly += 16;
  }
  return { parts, y: y0 + PLOT_H + 50 };
}
