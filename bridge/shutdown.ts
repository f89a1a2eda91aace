/**
 * Signal handling for the long-running commands (`myth-bridge`, `npm start`): SIGTERM or
 * SIGINT starts a clean stop; a second signal forces the exit; a stop that hangs is forced
 * after a deadline.
 *
 * A signal sent to the process group reaches this process twice when it runs under npm (once
 * from the sender, once forwarded by npm), so signals within DUPLICATE_WINDOW_MS of the first
 * count as that same one: forcing takes a second signal sent on purpose.
 */
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
  const forceExit = (why: string) => {
    console.error(`${options.name}: ${why}; exiting now`);
    options.force?.();
    process.exit(1);
  };
  const onSignal = (signal: string) => {
    const now = Date.now();
    if (firstAt === null) {
      firstAt = now;
      console.log(`${options.name}: ${signal}, stopping (send it again to force)`);
      const deadline = setTimeout(
        () => forceExit(`did not stop within ${(options.deadlineMs ?? 15_000) / 1000} s`),
        options.deadlineMs ?? 15_000,
      );
      deadline.unref();
      options.stop(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`${options.name}: error while stopping: ${(error as Error).message ?? error}`);
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
