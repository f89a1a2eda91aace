/**
 * Bench child: the edge (Worker + Durable Objects + D1) in local workerd via Miniflare, fresh
 * state on disk. argv[2] = JSON { adminToken, bridgeToken, roomConfig, vars, inspect, stateDir,
 * port }: with stateDir the state is kept there (and kept afterwards: a restart after kill -9
 * finds it), with port the edge listens there (a restarted edge at the same URL).
 * Replies { t: "ready", url } over IPC; stops on { t: "stop" } or when the parent goes away.
 * With inspect, answers profile-start / profile-stop (file prefix) with workerd CPU profiles.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalEdge } from "../scripts/local-edge.ts";
import { exitWithParent } from "./child.ts";
import { collectGarbage, WorkerdProfiler } from "./workerd-profiler.ts";

interface EdgeArgs {
  adminToken: string;
  bridgeToken: string;
  roomConfig: string;
  vars: Record<string, string>;
  inspect?: boolean;
  stateDir?: string;
  port?: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as EdgeArgs;
// State on disk in a fresh folder, as Durable Object storage and D1 are in production (in
// memory, every room's SQLite would count in workerd's RSS).
const stateDir = args.stateDir ?? (await mkdtemp(join(tmpdir(), "myth-bench-state-")));
try {
  const edge = await startLocalEdge({
    persistDir: stateDir,
    adminToken: args.adminToken,
    bridgeToken: args.bridgeToken,
    roomConfig: args.roomConfig,
    vars: args.vars,
    host: "127.0.0.1",
    port: args.port ?? 0,
    // Always open: memory readings collect garbage through it first (cheap while nobody profiles).
    inspectorPort: 0,
  });
  exitWithParent(() =>
    edge.stop().finally(() => (args.stateDir ? undefined : rm(stateDir, { recursive: true, force: true }))),
  );
  const inspector = await edge.mf.getInspectorURL();
  process.on("message", async (m: { t?: string }) => {
    if (m?.t !== "gc") return;
    // workerd serves its inspector only while the isolate runs something: keep it busy with
    // tiny requests until the collection is done.
    const poke = setInterval(() => void fetch(new URL("/health", edge.url)).then((r) => r.body?.cancel()), 20);
    try {
      process.send?.({ t: "gc-done", ...(await collectGarbage(inspector)) });
    } catch (err) {
      process.send?.({ t: "gc-done", heapUsedBytes: null, error: (err as Error).message });
    } finally {
      clearInterval(poke);
    }
  });
  if (args.inspect) {
    const profiler = new WorkerdProfiler(inspector);
    process.on("message", async (m: { t?: string; file?: string }) => {
      try {
        if (m?.t === "profile-start") {
          await profiler.start();
          process.send?.({ t: "profiling" });
        } else if (m?.t === "profile-stop" && m.file) {
          const base = m.file.replace(/\.cpuprofile$/, "");
          for (const [id, profile] of await profiler.stop()) {
            await writeFile(`${base}-${id.replace(/[^a-z0-9-]+/gi, "_")}.cpuprofile`, JSON.stringify(profile));
          }
          process.send?.({ t: "profile-written" });
        }
      } catch (err) {
        process.send?.({ t: "profile-written", error: (err as Error).message });
      }
    });
  }
  process.send?.({ t: "ready", url: edge.url });
} catch (err) {
  process.send?.({ t: "error", error: (err as Error).message });
  process.exit(1);
}
