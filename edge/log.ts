/**
 * Structured logs for the edge: one JSON object per line (time, level, component, event, then
 * ids and context), which Workers Logs and `wrangler tail` keep queryable. Never a password or
 * a token: callers pass only what an operator may read.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export function logEvent(
  level: LogLevel,
  component: string,
  event: string,
  fields: Record<string, unknown> = {},
): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, component, event, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

const windows = new Map<string, { until: number; suppressed: number }>();

/**
 * Like logEvent, but at most one line per `key` (default component:event) per second; the lines
 * held back are counted in the next one's `suppressed`. For events that come in floods (a limit
 * firing on every line of a chat flood): the counters count each, the log says it is happening.
 */
export function logThrottled(
  level: LogLevel,
  component: string,
  event: string,
  fields: Record<string, unknown> = {},
  key = `${component}:${event}`,
  now = Date.now(),
): void {
  const w = windows.get(key);
  if (w && now < w.until) {
    w.suppressed++;
    return;
  }
  const suppressed = w?.suppressed ?? 0;
  windows.set(key, { until: now + 1000, suppressed: 0 });
  // A key seen once a second for a day is still one entry; forget the quiet ones when many.
  if (windows.size > 1024) for (const [k, v] of windows) if (v.until < now) windows.delete(k);
  logEvent(level, component, event, suppressed > 0 ? { ...fields, suppressed } : fields);
}
