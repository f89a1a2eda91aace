/**
 * The servers for one bench run, each in its own process: the edge (Miniflare → workerd) and
 * the bridge. Fresh in-memory state every time; loopback only.
 */

import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:net";
import type { RoomConfigInput } from "../edge/config.ts";
import { BENCH_CHAT_VARS, LOOPBACK_LOAD_VARS } from "../scripts/loopback-vars.ts";
import { nextMessage, request, spawnTs, stopChild } from "./child.ts";
import type { BridgeMemory, BridgeReady, EdgeReady } from "./ipc.ts";
import { processTree, sampleProcess } from "./proc-stats.ts";

export interface BenchServersOptions {
  /** Rooms without ports: free ports are picked here. */
  rooms: Omit<RoomConfigInput, "port">[];
  maxConnectionsPerIp: number;
  /** Bridge packet rate limit per client; absent ⇒ the bridge's default. */
  maxPacketsPerSecond?: number | undefined;
  /** Open workerd's inspector so the edge can be CPU-profiled (bench --profile). */
  inspect?: boolean;
  vars?: Record<string, string>;
  /** Forward server logs to stderr. */
  verbose?: boolean;
  /** Start the servers of another checkout (peer mode: git:REV). */
  root?: string | undefined;
}

export interface BenchServers {
  host: string;
  loginPort: number;
  httpUrl: string;
  adminToken: string;
  /** The workerd processes (the edge proper). */
  edgePids: number[];
  /** The Node process hosting Miniflare. */
  edgeHostPid: number;
  bridgePid: number;
  /** The bridge's child process (for profiling requests). */
  bridgeProcess: ChildProcess;
  /** The edge's child process (profiling requests, when started with inspect). */
  edgeProcess: ChildProcess;
  bridgeMemory(): Promise<BridgeMemory>;
  /** A full GC in the edge's isolate; its JS heap afterwards (null when the inspector would not answer). */
  edgeGc(): Promise<{ heapUsedBytes: number | null }>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;

export async function startBenchServers(options: BenchServersOptions): Promise<BenchServers> {
  const host = "127.0.0.1";
  const adminToken = randomBytes(16).toString("hex");
  const bridgeToken = randomBytes(16).toString("hex");
  const ports = await freePorts(host, options.rooms.length);
  const rooms = options.rooms.map((room, i) => ({ ...room, port: ports[i] as number }));
  const logPrefix = (name: string) => (options.verbose ? `[${name}]` : null);

  const children: ChildProcess[] = [];
  const stop = async () => {
    // Bridge first so sessions end cleanly, then the edge.
    for (const child of [...children].reverse()) await stopChild(child);
  };
  try {
    const edge = spawnTs(
      "./edge-process.ts",
      [
        JSON.stringify({
          adminToken,
          bridgeToken,
          roomConfig: JSON.stringify(rooms),
          vars: { ...LOOPBACK_LOAD_VARS, ...BENCH_CHAT_VARS, ...options.vars },
          inspect: options.inspect ?? false,
        }),
      ],
      { logPrefix: logPrefix("edge"), root: options.root },
    );
    children.push(edge);
    const edgeReady = await nextMessage<EdgeReady>(edge, "ready", START_TIMEOUT_MS);
    const edgePids = processTree(edge.pid as number).filter(
      (pid) => pid !== edge.pid && (sampleProcess(pid)?.name ?? "").includes("workerd"),
    );

    const bridge = spawnTs(
      "./bridge-process.ts",
      [
        JSON.stringify({
          edgeUrl: edgeReady.url,
          bridgeToken,
          maxConnectionsPerIp: options.maxConnectionsPerIp,
          maxPacketsPerSecond: options.maxPacketsPerSecond,
        }),
      ],
      { nodeArgs: ["--expose-gc"], logPrefix: logPrefix("bridge"), root: options.root },
    );
    children.push(bridge);
    const bridgeReady = await nextMessage<BridgeReady>(bridge, "ready", START_TIMEOUT_MS);

    return {
      host,
      loginPort: bridgeReady.loginPort,
      httpUrl: edgeReady.url.replace(/\/$/, ""),
      adminToken,
      edgePids,
      edgeHostPid: edge.pid as number,
      bridgePid: bridge.pid as number,
      bridgeProcess: bridge,
      edgeProcess: edge,
      bridgeMemory: () => request<BridgeMemory>(bridge, { t: "memory" }, "memory", 30_000),
      edgeGc: () => request<{ t: "gc-done"; heapUsedBytes: number | null }>(edge, { t: "gc" }, "gc-done", 60_000),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Ports free right now on host, taken below Linux's ephemeral range (32768+) so that nothing
 * else (workerd's own sockets, the bridge's tunnel connections) can grab one before the bridge
 * binds it.
 */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    for (let attempt = 0; ports.length < count && attempt < count * 50; attempt++) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (ports.includes(port)) continue;
      const server = createServer();
      const bound = await new Promise<boolean>((resolve) => {
        server.once("error", () => resolve(false));
        server.listen({ host, port }, () => resolve(true));
      });
      if (!bound) continue;
      servers.push(server);
      ports.push(port);
    }
    if (ports.length < count) throw new Error(`found only ${ports.length} of ${count} free ports`);
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Creates accounts through the admin API, a few at a time; returns how many failed (with reasons). */
export async function createAccounts(
  adminUrl: string,
  token: string,
  accounts: readonly { username: string; password: string }[],
  concurrency = 8,
): Promise<{ failed: number; errors: string[] }> {
  const queue = [...accounts];
  const errors: string[] = [];
  let failed = 0;
  const lanes = Array.from({ length: concurrency }, async () => {
    for (let a = queue.shift(); a; a = queue.shift()) {
      try {
        const res = await fetch(new URL("/admin/users", adminUrl), {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ username: a.username, password: a.password }),
          signal: AbortSignal.timeout(30_000),
        });
        // 409: the account exists already (a rerun against a running server): usable.
        if (!res.ok && res.status !== 409) throw new Error(`HTTP ${res.status} ${await res.text()}`);
        else await res.body?.cancel();
      } catch (err) {
        failed++;
        if (errors.length < 5) errors.push(`${a.username}: ${(err as Error).message}`);
      }
    }
  });
  await Promise.all(lanes);
  return { failed, errors };
}
