/**
 * The Prometheus text exposition format (version 0.0.4), written by hand on the edge: prom-client
 * needs Node's process and timers, and the edge only ever exposes a few counters the Directory
 * already aggregates. Names follow Prometheus conventions (`_total` counters, base units).
 */
export type MetricType = "counter" | "gauge" | "histogram";

export interface Sample {
  labels?: Record<string, string | number>;
  value: number;
  /** A histogram's series: "_bucket" (with an `le` label), "_sum" or "_count". */
  suffix?: "_bucket" | "_sum" | "_count";
}

export interface Metric {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function escapeLabel(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** A histogram's samples from per-bucket counts (the last one over the top bound), cumulative as Prometheus reads them. */
export function histogramSamples(
  labels: Record<string, string | number>,
  bounds: readonly number[],
  h: { buckets: readonly number[]; sum: number; count: number },
): Sample[] {
  let total = 0;
  const out: Sample[] = bounds.map((le, i) => {
    total += h.buckets[i] ?? 0;
    return { suffix: "_bucket", labels: { ...labels, le: String(le) }, value: total };
  });
  out.push({ suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: h.count });
  out.push({ suffix: "_sum", labels, value: h.sum });
  out.push({ suffix: "_count", labels, value: h.count });
  return out;
}

export function renderMetrics(metrics: readonly Metric[]): string {
  const out: string[] = [];
  for (const m of metrics) {
    out.push(`# HELP ${m.name} ${m.help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}`);
    out.push(`# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) {
      const labels = Object.entries(s.labels ?? {});
      const text = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(",")}}` : "";
      out.push(`${m.name}${s.suffix ?? ""}${text} ${formatValue(s.value)}`);
    }
  }
  return `${out.join("\n")}\n`;
}
