// A Prometheus histogram cheap enough for a per-message hot path: an observe is a bounds walk and
// three additions, with no labels and no allocation. It implements what prom-client's Registry reads
// of a metric, so it is scraped with the others.
import type { Histogram } from 'prom-client';

export class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Per bucket, observations with a value ≤ its bound and > the previous bound; the last is +Inf. */
  private readonly counts: Float64Array;
  private sum = 0;
  private total = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, increasing. */
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    const { bounds } = this;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.total += 1;
  }

  /** Registers with a prom-client registry, which only reads `name`, `type` and `get()`. */
  registerIn(registry: { registerMetric(metric: Histogram): void }): this {
    registry.registerMetric(this as unknown as Histogram);
    return this;
  }

  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: { metricName: string; labels: { le?: string | number }; value: number }[] }> {
    const values: { metricName: string; labels: { le?: string | number }; value: number }[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.counts.length; i++) {
      cumulative += this.counts[i]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { le: i < this.bounds.length ? this.bounds[i]! : '+Inf' }, value: cumulative });
    }
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.total });
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}
