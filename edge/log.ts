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
