/**
 * Bench child: the edge (Worker + Durable Objects + D1) in local workerd via Miniflare, fresh
 * in-memory state. argv[2] = JSON { adminToken, bridgeToken, roomConfig, vars, inspect }.
 * Replies { t: "ready", url } over IPC; stops on { t: "stop" } or when the parent goes away.
 * With inspect, answers profile-start / profile-stop (file prefix) with workerd CPU profiles.
 */
import { writeFile } from "node:fs/promises";
import { startLocalEdge } from "../scripts/local-edge.ts";
import { exitWithParent } from "./child.ts";
import { WorkerdProfiler } from "./workerd-profiler.ts";

interface EdgeArgs {
  adminToken: string;
  bridgeToken: string;
  roomConfig: string;
  vars: Record<string, string>;
  inspect?: boolean;
}

const args = JSON.parse(process.argv[2] ?? "{}") as EdgeArgs;
try {
  const edge = await startLocalEdge({
    adminToken: args.adminToken,
    bridgeToken: args.bridgeToken,
    roomConfig: args.roomConfig,
    vars: args.vars,
    host: "127.0.0.1",
    port: 0,
    inspectorPort: args.inspect ? 0 : undefined,
  });
  exitWithParent(() => edge.stop());
  if (args.inspect) {
    const profiler = new WorkerdProfiler(await edge.mf.getInspectorURL());
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
