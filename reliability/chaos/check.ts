/**
 * What every chaos check returns and how the CLI runs one: a name, pass or fail, the figures
 * that back the verdict, and notes for a failure. Each check runs under its own deadline.
 */

export type Figure = number | string | boolean | null;

export interface CheckResult {
  readonly name: string;
  readonly pass: boolean;
  /** Measured values (times in ms, counts, bytes), printed and written to --json. */
  readonly figures: Record<string, Figure>;
  /** Why it failed (each broken expectation), or context worth reading. */
  readonly notes: string[];
  readonly wallMs: number;
}

export interface CheckContext {
  readonly seed: number;
  readonly verbose: boolean;
  /** Progress line to stderr (never secrets). */
  log(line: string): void;
}

export interface Check {
  readonly name: string;
  readonly description: string;
  /** The check's own deadline; past it the check fails and its stack is stopped. */
  readonly deadlineMs: number;
  run(ctx: CheckContext, verdict: Verdict): Promise<void>;
}

/**
 * Collects figures and failed expectations while a check runs, so that a deadline or a
 * thrown error still reports what was measured up to then.
 */
export class Verdict {
  readonly figures: Record<string, Figure> = {};
  readonly notes: string[] = [];
  private failed = false;

  figure(name: string, value: Figure): void {
    this.figures[name] = value;
  }

  /** Records an expectation; a false one fails the check with its message. */
  expect(ok: boolean, message: string): boolean {
    if (!ok) {
      this.failed = true;
      this.notes.push(message);
    }
    return ok;
  }

  fail(message: string): void {
    this.expect(false, message);
  }

  note(message: string): void {
    this.notes.push(message);
  }

  get passed(): boolean {
    return !this.failed;
  }
}

/** Runs one check under its deadline; never throws. */
export async function runCheck(check: Check, ctx: CheckContext): Promise<CheckResult> {
  const verdict = new Verdict();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), check.deadlineMs);
  });
  try {
    const outcome = await Promise.race([check.run(ctx, verdict).then(() => "done" as const), deadline]);
    if (outcome === "deadline") verdict.fail(`deadline of ${check.deadlineMs} ms passed`);
  } catch (err) {
    verdict.fail(`error: ${(err as Error).stack ?? String(err)}`);
  } finally {
    clearTimeout(timer);
  }
  return {
    name: check.name,
    pass: verdict.passed,
    figures: verdict.figures,
    notes: verdict.notes,
    wallMs: Math.round(performance.now() - started),
  };
}
