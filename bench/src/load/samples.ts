// A growable list of latency samples (ms) and its percentiles.

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export class Samples {
  private data = new Float64Array(1024);
  private n = 0;

  add(ms: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = ms;
  }

  clear(): void {
    this.n = 0;
  }

  get count(): number {
    return this.n;
  }

  percentiles(): Percentiles {
    const sorted = this.data.slice(0, this.n).sort();
    const at = (q: number) => (this.n === 0 ? 0 : sorted[Math.min(this.n - 1, Math.floor(q * this.n))]!);
    return { count: this.n, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: this.n === 0 ? 0 : sorted[this.n - 1]! };
  }
}
