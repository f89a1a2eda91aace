/**
 * Child processes of the bench: TypeScript modules run with tsx, talking JSON over Node IPC.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface SpawnOptions {
  /** Run the module from this checkout instead (its bench/ folder; peer mode). */
  root?: string;
  /** Extra Node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Prefix for the child's stdout/stderr lines; null ⇒ discard. */
  logPrefix?: string | null;
  /** Sees every stdout/stderr line of the child (reliability runs count its errors). */
  onLine?: (line: string) => void;
}

export function spawnTs(module: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const path = options.root
    ? fileURLToPath(new URL(module, new URL("bench/", pathToFileURL(`${options.root.replace(/\/$/, "")}/`))))
    : fileURLToPath(new URL(module, import.meta.url));
  const child = fork(path, args, {
    cwd: options.root ?? ROOT,
    execArgv: ["--import", "tsx", ...(options.nodeArgs ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    serialization: "json",
  });
  const prefix = options.logPrefix;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (text: string) => {
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        options.onLine?.(line);
        if (prefix !== null && prefix !== undefined) process.stderr.write(`${prefix} ${line}\n`);
      }
    });
  }
  return child;
}

/** The next IPC message of a type, or an error when the child exits or time runs out. */
export function nextMessage<T extends { t: string }>(child: ChildProcess, type: T["t"], timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const onMessage = (message: unknown) => {
      const m = message as { t?: unknown; error?: unknown };
      if (m.t === "error") {
        cleanup();
        reject(new Error(`child ${child.pid}: ${String(m.error)}`));
      } else if (m.t === type) {
        cleanup();
        resolve(message as T);
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`child ${child.pid} exited (${signal ?? code}) while waiting for "${type}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`child ${child.pid}: no "${type}" within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** Sends a request and waits for the reply of the given type. */
export function request<T extends { t: string }>(
  child: ChildProcess,
  message: { t: string; [key: string]: unknown },
  replyType: T["t"],
  timeoutMs: number,
): Promise<T> {
  const reply = nextMessage<T>(child, replyType, timeoutMs);
  child.send(message);
  return reply;
}

/** Asks a child to stop, then kills it (this child only, by its pid) if it lingers. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    if (child.connected) child.send({ t: "stop" });
  } catch {
    // channel already closed
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** In a child: exit when the coordinator goes away, so nothing outlives a run. */
export function exitWithParent(cleanup: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 8_000);
    force.unref();
    cleanup().finally(() => process.exit(0));
  };
  process.on("disconnect", stop);
  process.on("message", (m: { t?: string }) => {
    if (m?.t === "stop") stop();
  });
  process.on("SIGTERM", stop);
}

/**
 * In a child: CPU profiling of just the measured phase, on request ({ t: "profile-start" },
 * then { t: "profile-stop", file }), through the inspector, written as a .cpuprofile file.
 */
export function answerProfileRequests(): void {
  let session: import("node:inspector").Session | null = null;
  process.on("message", async (m: { t?: string; file?: string }) => {
    if (m?.t === "profile-start") {
      const { Session } = await import("node:inspector");
      session = new Session();
      session.connect();
      session.post("Profiler.enable", () => session?.post("Profiler.start", () => process.send?.({ t: "profiling" })));
    } else if (m?.t === "profile-stop" && session && m.file) {
      const file = m.file;
      const active = session;
      session = null;
      active.post("Profiler.stop", async (err, result) => {
        if (!err) {
          const { writeFile } = await import("node:fs/promises");
          await writeFile(file, JSON.stringify(result.profile));
        }
        active.disconnect();
        process.send?.({ t: "profile-written", error: err?.message });
      });
    }
  });
}
