/**
 * The bridge's structured log: one line per event, either JSON (time, level, component, event,
 * then ids and context: for log shippers) or pretty (`time level component: event k=v`, for a
 * terminal). `--log-format pretty|json` (BRIDGE_LOG_FORMAT) picks one for the process. Never a
 * token or a password: callers pass only what an operator may read. Refusals can come in
 * floods (an address hammering the per-address cap): each event logs at most one line per
 * second and counts what it held back in `suppressed`.
 */
export type LogFormat = "pretty" | "json";
export type LogLevel = "debug" | "info" | "warn" | "error";

export const LOG_FORMATS: readonly LogFormat[] = ["pretty", "json"];

let format: LogFormat = "pretty";
let sink: (line: string, level: LogLevel) => void = (line, level) => {
  if (level === "error" || level === "warn") process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
};

export function setLogFormat(f: LogFormat): void {
  format = f;
}

export function logFormat(): LogFormat {
  return format;
}

/** Keys that may hold a secret (tokens, passwords): never written to a config event. */
const SECRET_KEY = /token|password|secret|credential/i;

/**
 * A copy of a configuration fit for a log line: keys naming a secret are dropped at every
 * depth (a start or config event lists what runs, never how it authenticates).
 */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value instanceof Map) return withoutSecrets(Object.fromEntries(value));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEY.test(k) || v === undefined) continue;
    out[k] = withoutSecrets(v);
  }
  return out;
}

/** Tests capture lines here; returns a function that restores the previous sink. */
export function setLogSink(next: (line: string, level: LogLevel) => void): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}

export function formatLine(
  f: LogFormat,
  level: LogLevel,
  component: string,
  event: string,
  fields: Record<string, unknown>,
  now = new Date(),
): string {
  const time = now.toISOString();
  if (f === "json") return JSON.stringify({ time, level, component, event, ...fields });
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${time} ${level.padEnd(5)} ${component}: ${event}${rest ? ` ${rest}` : ""}`;
}

export function log(level: LogLevel, component: string, event: string, fields: Record<string, unknown> = {}): void {
  sink(formatLine(format, level, component, event, fields), level);
}

const windows = new Map<string, { until: number; suppressed: number }>();

/** Like log, but at most one line per second per event; held-back lines are counted in the next one. */
export function logThrottled(
  level: LogLevel,
  component: string,
  event: string,
  fields: Record<string, unknown> = {},
  now = Date.now(),
): void {
  const key = `${component}:${event}`;
  const w = windows.get(key);
  if (w && now < w.until) {
    w.suppressed++;
    return;
  }
  const suppressed = w?.suppressed ?? 0;
  windows.set(key, { until: now + 1000, suppressed: 0 });
  log(level, component, event, suppressed > 0 ? { ...fields, suppressed } : fields);
}
