/**
 * Running the real commands (`npm start`, `npm run bridge`, the packaged bridge) as a service
 * manager would: a child process with its own process group, its output, the pids of its whole
 * tree (from /proc), and checks that ports are closed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));

export const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
};

export interface Run {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first match of pattern in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole group (cleanup only). */
  kill(): void;
}

export function run(command: string, args: readonly string[], env: Record<string, string | undefined> = {}): Run {
  const child = spawn(command, args, {
    cwd: REPO,
    env: { ...process.env, ...OFFLINE_ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own group, as under a service manager; the test signals only what it means to
  });
  let output = "";
  const grew = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const wake of grew) wake();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = once(child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return {
    child,
    output: () => output,
    exited,
    async waitFor(pattern, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`${command} exited before ${pattern}:\n${output}`);
        }
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            grew.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, 200);
          grew.add(wake);
        });
      }
    },
    kill() {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    },
  };
}

/** The pid and every descendant, from /proc (children of children included, whatever their group). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const all: number[] = [];
  const walk = (pid: number) => {
    all.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return all;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill 0; it no longer runs.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Waits until none of the pids runs; returns those still running at the deadline. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True when nothing accepts TCP on 127.0.0.1:port. */
export function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/** Ports printed by `npm start`: HTTP, login and each room's. */
export function printedPorts(output: string): { http: number; login: number; rooms: Map<number, number> } {
  const http = Number(/HTTP \(edge\):\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
  const login = Number(/login port:\s+(\d+)/.exec(output)?.[1]);
  const rooms = new Map<number, number>();
  for (const m of output.matchAll(/room (\d+): port (\d+)/g)) rooms.set(Number(m[1]), Number(m[2]));
  return { http, login, rooms };
}
