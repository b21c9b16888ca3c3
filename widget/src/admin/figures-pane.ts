// Live figures of this node from its metrics, read every few seconds: open connections, messages per
// second and the p99 of send → ack over the last interval, each a small SVG line with its value in
// words (the chart is a picture of the last two minutes; the number is what a screen reader says).
import { html, svg, nothing, type TemplateResult } from 'lit';
import { Pane, paneStyles } from './pane.js';

interface Reading {
  at: number;
  connections: number;
  messages: number;
  sendAck: { le: (number | null)[]; counts: number[] };
}
interface Point {
  connections: number;
  rate: number;
  /** ms; undefined when no message was sent in the interval. */
  p99: number | undefined;
}

const EVERY_MS = 3000;
const KEEP = 40;
const W = 240;
const H = 60;

/** The p99 in ms from the growth of a cumulative histogram between two readings (the bucket's upper bound). */
export function p99Between(a: Reading['sendAck'], b: Reading['sendAck']): number | undefined {
  const total = (b.counts.at(-1) ?? 0) - (a.counts.at(-1) ?? 0);
  if (total <= 0) return undefined;
  const target = Math.ceil(total * 0.99);
  for (let i = 0; i < b.counts.length; i++) {
    if (b.counts[i]! - (a.counts[i] ?? 0) >= target) {
      // Past the last bound (+Inf), the largest bound is the best that can be said.
      const le = b.le[i] ?? b.le.at(-2) ?? 0;
      return le * 1000;
    }
  }
  return undefined;
}

export class AdminFigures extends Pane {
  // Charts draw with attributes only: the console's policy allows no inline style.
  static override styles = paneStyles;
  static override properties = { ...Pane.properties, _points: { state: true } };
  declare private _points: Point[];
  private last: Reading | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this._points = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.read();
    this.timer = setInterval(() => void this.read(), EVERY_MS);
  }

  override disconnectedCallback(): void {
    clearInterval(this.timer);
    super.disconnectedCallback();
  }

  private async read(): Promise<void> {
    let r: Reading;
    try {
      r = await this.client.get<Reading>('/admin/api/figures');
    } catch {
      return; // the next reading tries again
    }
    const prev = this.last;
    this.last = r;
    if (!prev) return;
    const seconds = Math.max(0.001, (r.at - prev.at) / 1000);
    const point = { connections: r.connections, rate: Math.max(0, (r.messages - prev.messages) / seconds), p99: p99Between(prev.sendAck, r.sendAck) };
    this._points = [...this._points.slice(-(KEEP - 1)), point];
  }

  override render(): TemplateResult {
    const t = this.t;
    const now = this._points.at(-1);
    const fmt = new Intl.NumberFormat(this.lang, { maximumFractionDigits: 1 });
    return html`
      <h2>${t.figures}</h2>
      <p class="help">${t.figuresHelp}</p>
      <div class="row">
        ${this.chart('connections', t.connections, this._points.map((p) => p.connections), now ? fmt.format(now.connections) : undefined)}
        ${this.chart('rate', t.messagesPerSecond, this._points.map((p) => p.rate), now ? fmt.format(now.rate) : undefined)}
        ${this.chart('p99', t.sendAckP99, this._points.map((p) => p.p99 ?? 0), now?.p99 === undefined ? undefined : t.ms(now.p99))}
      </div>
    `;
  }

  private chart(id: string, label: string, values: number[], now: string | undefined): TemplateResult {
    const t = this.t;
    const max = Math.max(1, ...values);
    const step = W / Math.max(1, KEEP - 1);
    const offset = W - (values.length - 1) * step;
    const line = values.map((v, i) => `${(offset + i * step).toFixed(1)},${(H - 2 - (v / max) * (H - 6)).toFixed(1)}`).join(' ');
    return html`<figure class="card" data-figure=${id}>
      <figcaption><strong>${label}</strong>: <span data-value>${now ?? t.noData}</span></figcaption>
      <svg viewBox="0 0 ${W} ${H}" width=${W} height=${H} role="img" aria-label=${t.chartOf(label, now ?? t.noData)}>
        <line x1="0" y1=${H - 1} x2=${W} y2=${H - 1} stroke="currentColor" stroke-opacity="0.3"></line>
        ${values.length > 1 ? svg`<polyline points=${line} fill="none" stroke="currentColor" stroke-width="2"></polyline>` : nothing}
      </svg>
    </figure>`;
  }
}

if (!customElements.get('admin-figures')) customElements.define('admin-figures', AdminFigures);
