/**
 * The stack for reliability runs (`npm run fuzz`, `npm run chaos`): the edge and the bridge,
 * each in its own child process, so that either can be killed with SIGKILL and started again
 * on the same ports and the same state on disk. It watches both the way an operator would:
 * every exit nobody asked for is a crash, every error line in their logs is counted.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nextMessage, request, spawnTs, stopChild } from "../bench/child.ts";
import type { BridgeMemory, BridgeReady, EdgeReady } from "../bench/ipc.ts";
import { processTree, sampleProcess } from "../bench/proc-stats.ts";
import { freePorts } from "../bench/servers.ts";
import type { RoomConfigInput } from "../edge/config.ts";
import { BENCH_CHAT_VARS, LOOPBACK_LOAD_VARS } from "../scripts/loopback-vars.ts";

export type Part = "edge" | "bridge";

export interface ReliabilityStackOptions {
  /** Rooms without ports: free ports are picked here and kept across restarts. */
  readonly rooms: readonly Omit<RoomConfigInput, "port">[];
  /** Edge vars over the loopback lifts (login bursts, chat budgets). */
  readonly vars?: Readonly<Record<string, string>>;
  /** Bridge options (BridgeOptions names) over the loopback lifts. */
  readonly bridge?: Readonly<Record<string, unknown>>;
  /** The edge's URL as the bridge sees it (chaos: a cutting proxy in between); default the edge itself. */
  readonly edgeUrlForBridge?: (edgeUrl: string) => string;
  /** Forward the children's log lines to stderr. */
  readonly verbose?: boolean;
  /** Open workerd's inspector so `profileEdge` can record a CPU profile. */
  readonly inspect?: boolean;
}

export interface LogError {
  readonly part: Part;
  readonly line: string;
}

export interface ReliabilityStack {
  readonly host: string;
  readonly loginPort: number;
  readonly httpUrl: string;
  readonly adminToken: string;
  /** Room id → port (configured in the edge, listened on by the bridge). */
  readonly roomPorts: ReadonlyMap<number, number>;
  /** Exits of a part that nobody asked for (not kill/stop from here). */
  readonly crashes: { part: Part; code: number | null; signal: string | null }[];
  /** Error-level log lines of either part, in order (first 200 kept; `errorCount` counts all). */
  readonly logErrors: LogError[];
  errorCount(): number;
  /** Lines of the children's logs matching a pattern (chaos checks read the bridge's events). */
  logLines(part: Part): readonly string[];
  /** RSS of the part's processes now (workerd included for the edge), bytes. */
  rss(part: Part): number;
  bridgeMemory(): Promise<BridgeMemory>;
  /** With `inspect`: CPU profile of the edge from start to stop, written as `<file>-<isolate>.cpuprofile`. */
  profileEdge(action: "start" | "stop", file?: string): Promise<void>;
  /** SIGKILL to the part's whole process tree, no goodbye. */
  kill(part: Part): Promise<void>;
  /** Starts a killed part again on the same ports and state. */
  restart(part: Part): Promise<void>;
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;
/** Log lines kept per part for checks that read them. */
const KEEP_LINES = 20_000;

export async function startReliabilityStack(options: ReliabilityStackOptions): Promise<ReliabilityStack> {
  const host = "127.0.0.1";
  const adminToken = randomBytes(16).toString("hex");
  const bridgeToken = randomBytes(16).toString("hex");
  const [httpPort = 0, loginPort = 0, ...ports] = await freePorts(host, options.rooms.length + 2);
  const rooms = options.rooms.map((room, i) => ({ ...room, port: ports[i] as number }));
  const stateDir = await mkdtemp(join(tmpdir(), "myth-reliability-"));
  const edgeUrl = `http://${host}:${httpPort}/`;
  const crashes: ReliabilityStack["crashes"] = [];
  const logErrors: LogError[] = [];
  let errorCount = 0;
  const lines: Record<Part, string[]> = { edge: [], bridge: [] };
  const children: Partial<Record<Part, ChildProcess>> = {};
  const expectedExit = new Set<ChildProcess>();

  const onLine = (part: Part) => (line: string) => {
    const kept = lines[part];
    kept.push(line);
    if (kept.length > KEEP_LINES) kept.splice(0, kept.length - KEEP_LINES);
    if (isErrorLine(line)) {
      errorCount++;
      if (logErrors.length < 200) logErrors.push({ part, line });
    }
  };
  const watch = (part: Part, child: ChildProcess) => {
    children[part] = child;
    child.once("exit", (code, signal) => {
      if (!expectedExit.has(child)) crashes.push({ part, code, signal });
    });
  };

  const startEdge = async () => {
    const child = spawnTs(
      "./edge-process.ts",
      [
        JSON.stringify({
          adminToken,
          bridgeToken,
          roomConfig: JSON.stringify(rooms),
          vars: { ...LOOPBACK_LOAD_VARS, ...BENCH_CHAT_VARS, ...options.vars },
          stateDir,
          port: httpPort,
          inspect: options.inspect ?? false,
        }),
      ],
      { logPrefix: options.verbose ? "[edge]" : null, onLine: onLine("edge") },
    );
    watch("edge", child);
    await nextMessage<EdgeReady>(child, "ready", START_TIMEOUT_MS);
  };
  const startBridge = async () => {
    const child = spawnTs(
      "./bridge-process.ts",
      [
        JSON.stringify({
          edgeUrl: options.edgeUrlForBridge ? options.edgeUrlForBridge(edgeUrl) : edgeUrl,
          bridgeToken,
          loginPort,
          maxConnectionsPerIp: 4096,
          options: { maxConnections: 8192, ...options.bridge },
        }),
      ],
      {
        nodeArgs: ["--expose-gc"],
        logPrefix: options.verbose ? "[bridge]" : null,
        onLine: onLine("bridge"),
        env: { BRIDGE_LOG_FORMAT: "json" },
      },
    );
    watch("bridge", child);
    await nextMessage<BridgeReady>(child, "ready", START_TIMEOUT_MS);
  };

  const kill = async (part: Part) => {
    const child = children[part];
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    expectedExit.add(child);
    const tree = processTree(child.pid as number);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    for (const pid of tree) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await exited;
    // workerd is a grandchild: wait until every pid of the tree is gone (the ports are free).
    const deadline = Date.now() + 10_000;
    while (tree.some((pid) => sampleProcess(pid) !== null) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stopPart = async (part: Part) => {
    const child = children[part];
    if (!child) return;
    expectedExit.add(child);
    await stopChild(child);
  };

  try {
    await startEdge();
    await startBridge();
  } catch (err) {
    await stopPart("bridge");
    await stopPart("edge");
    await rm(stateDir, { recursive: true, force: true });
    throw err;
  }

  const pidsOf = (part: Part) => {
    const child = children[part];
    return child?.pid ? processTree(child.pid) : [];
  };
  return {
    host,
    loginPort,
    httpUrl: edgeUrl.replace(/\/$/, ""),
    adminToken,
    roomPorts: new Map(rooms.map((r) => [r.id, r.port])),
    crashes,
    logErrors,
    errorCount: () => errorCount,
    logLines: (part) => lines[part],
    rss: (part) => pidsOf(part).reduce((sum, pid) => sum + (sampleProcess(pid)?.rssBytes ?? 0), 0),
    bridgeMemory: () => request<BridgeMemory>(children.bridge as ChildProcess, { t: "memory" }, "memory", 30_000),
    profileEdge: async (action, file) => {
      const edge = children.edge as ChildProcess;
      if (action === "start") await request(edge, { t: "profile-start" }, "profiling", 30_000);
      else await request(edge, { t: "profile-stop", file }, "profile-written", 60_000);
    },
    kill,
    restart: (part) => (part === "edge" ? startEdge() : startBridge()),
    admin: (method, path, body) =>
      fetch(new URL(path, edgeUrl), {
        method,
        headers: {
          Authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async stop() {
      await stopPart("bridge");
      await stopPart("edge");
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * An error line of either part: the edge's and the bridge's JSON logs at level "error", and
 * what workerd or Node print for an uncaught exception.
 */
export function isErrorLine(line: string): boolean {
  if (line.startsWith("{")) {
    try {
      return (JSON.parse(line) as { level?: unknown }).level === "error";
    } catch {
      // not JSON after all: fall through to the text patterns
    }
  }
  return /Uncaught|Unhandled|^\s*(TypeError|RangeError|ReferenceError|Error):|\bFATAL\b|\bpanic\b/.test(line);
}
