/**
 * The D1 latency histogram's shape (edge/d1-timing.ts records it, the directory merges it,
 * /metrics renders it): plain data, no Workers API, so the Node tests read it too.
 */
export type D1Op = "login" | "results";
export const D1_OPS: readonly D1Op[] = ["login", "results"];

/** Upper bounds in seconds (a local D1 answers in about a millisecond, a remote one in tens). */
export const D1_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/** One operation's histogram: counts per bucket (not cumulative; the last is over the top bound). */
export interface D1Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

export const emptyHistogram = (): D1Histogram => ({ buckets: D1_BUCKETS.map(() => 0).concat(0), sum: 0, count: 0 });

/** Adds `seconds` to a histogram (also used by the directory to merge). */
export function observe(h: D1Histogram, seconds: number): void {
  let i = D1_BUCKETS.findIndex((le) => seconds <= le);
  if (i < 0) i = D1_BUCKETS.length;
  h.buckets[i] = (h.buckets[i] ?? 0) + 1;
  h.sum += seconds;
  h.count++;
}

export function merge(into: D1Histogram, from: Readonly<D1Histogram>): void {
  for (let i = 0; i < into.buckets.length; i++) into.buckets[i] = (into.buckets[i] ?? 0) + (from.buckets[i] ?? 0);
  into.sum += from.sum;
  into.count += from.count;
}
