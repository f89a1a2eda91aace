/**
 * Latency histogram with ~1% relative precision: bucket i holds values in (1.01^(i-1), 1.01^i]
 * microseconds. Small enough to ship between processes (sparse), merged by adding counts.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** 1.01^2100 µs ≈ 1.2 million s: nothing we measure goes past the last bucket. */
const BUCKETS = 2100;

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Sparse form for IPC: [bucket, count] pairs plus the exact max and the count. */
export interface HistogramData {
  buckets: [number, number][];
  count: number;
  maxMs: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  maxMs = 0;

  record(ms: number): void {
    const us = Math.max(ms * 1000, 1);
    const i = Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / LOG_GROWTH));
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.maxMs = 0;
  }

  merge(data: HistogramData): void {
    for (const [i, n] of data.buckets) this.counts[i] = (this.counts[i] ?? 0) + n;
    this.count += data.count;
    this.maxMs = Math.max(this.maxMs, data.maxMs);
  }

  toData(): HistogramData {
    const buckets: [number, number][] = [];
    this.counts.forEach((n, i) => {
      if (n > 0) buckets.push([i, n]);
    });
    return { buckets, count: this.count, maxMs: this.maxMs };
  }

  /** Upper edge of the bucket holding the q-quantile, in ms (never above the true max). */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(GROWTH ** i / 1000, this.maxMs);
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    return {
      p50: round(this.quantile(0.5)),
      p95: round(this.quantile(0.95)),
      p99: round(this.quantile(0.99)),
      max: round(this.count ? this.maxMs : Number.NaN),
    };
  }
}

/** Summary of a plain list of values (login times: a few thousand at most). */
export function summarize(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(at(1)) };
}

function round(ms: number): number {
  return Number.isFinite(ms) ? Math.round(ms * 100) / 100 : ms;
}
