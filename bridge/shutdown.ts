/**
 * Signal handling for the long-running commands (`myth-bridge`, `npm start`): SIGTERM or
 * SIGINT starts a clean stop; a second signal forces the exit; a stop that hangs is forced
 * after a deadline.
 *
 * A signal sent to the process group reaches this process twice when it runs under npm (once
 * from the sender, once forwarded by npm), so signals within DUPLICATE_WINDOW_MS of the first
 * count as that same one: forcing takes a second signal sent on purpose.
 *
 * With `--log-format json` the stop is logged as JSON events (component `options.name`:
 * `stopping`, `stopped`, `stop.failed`, `stop.forced`); otherwise as plain lines.
 */
import { type LogLevel, log, logFormat } from "./log.ts";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const DUPLICATE_WINDOW_MS = 500;

export interface ShutdownOptions {
  /** Prefix of the lines this prints ("bridge", "npm start"). */
  readonly name: string;
  /** The clean stop; exit 0 once it resolves, 1 if it throws. */
  readonly stop: (signal: string) => Promise<void>;
  /** Called before a forced exit (second signal or deadline), e.g. to kill children outright. */
  readonly force?: () => void;
  /** Deadline for the clean stop. */
  readonly deadlineMs?: number;
}

export function handleShutdownSignals(options: ShutdownOptions): void {
  let firstAt: number | null = null;
  const say = (level: LogLevel, event: string, text: string, fields: Record<string, unknown>) => {
    if (logFormat() === "json") log(level, options.name, event, fields);
    else if (level === "info") console.log(`${options.name}: ${text}`);
    else console.error(`${options.name}: ${text}`);
  };
  const forceExit = (why: string) => {
    say("error", "stop.forced", `${why}; exiting now`, { why });
    options.force?.();
    process.exit(1);
  };
  const onSignal = (signal: string) => {
    const now = Date.now();
    if (firstAt === null) {
      firstAt = now;
      say("info", "stopping", `${signal}, stopping (send it again to force)`, { signal });
      const deadline = setTimeout(
        () => forceExit(`did not stop within ${(options.deadlineMs ?? 15_000) / 1000} s`),
        options.deadlineMs ?? 15_000,
      );
      deadline.unref();
      options.stop(signal).then(
        () => {
          // The plain format says nothing more: the shell prompt is the sign it stopped.
          if (logFormat() === "json") log("info", options.name, "stopped", { signal, ms: Date.now() - now });
          process.exit(0);
        },
        (error: unknown) => {
          const message = (error as Error).message ?? String(error);
          say("error", "stop.failed", `error while stopping: ${message}`, { error: message });
          options.force?.();
          process.exit(1);
        },
      );
      return;
    }
    if (now - firstAt < DUPLICATE_WINDOW_MS) return;
    forceExit(`second ${signal}`);
  };
  for (const signal of SIGNALS) {
    // Libraries (Miniflare) install their own exit-at-once handlers; this one decides.
    process.removeAllListeners(signal);
    process.on(signal, onSignal);
  }
}
