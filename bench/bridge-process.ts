/**
 * Bench child: the TCP bridge in its own Node process (run with --expose-gc so memory readings
 * are taken after a full collection). argv[2] = JSON { edgeUrl, bridgeToken, maxConnectionsPerIp }.
 * Replies { t: "ready", loginPort, roomPorts } and answers { t: "memory" } requests.
 */

import { setLogFormat } from "../bridge/log.ts";
import { startBridge } from "../bridge/server.ts";
import { answerProfileRequests, exitWithParent } from "./child.ts";
import type { BridgeMemory } from "./ipc.ts";

interface BridgeArgs {
  edgeUrl: string;
  bridgeToken: string;
  maxConnectionsPerIp: number;
  /** Raised only when a scenario's clients chat faster than the bridge's default allows. */
  maxPacketsPerSecond?: number;
  /** Fixed login port (a restarted bridge where clients expect it); default ephemeral. */
  loginPort?: number;
  /** Any other bridge options (reliability runs: queue bounds, deadlines). */
  options?: Record<string, unknown>;
}

const args = JSON.parse(process.argv[2] ?? "{}") as BridgeArgs;
// Reliability runs read the bridge's events as JSON lines, as a log shipper would.
if (process.env.BRIDGE_LOG_FORMAT === "json") setLogFormat("json");
try {
  const bridge = await startBridge({
    edgeUrl: args.edgeUrl,
    bridgeToken: args.bridgeToken,
    host: "127.0.0.1",
    loginPort: args.loginPort ?? 0,
    // Load clients host games on ports nobody listens on: without this every one would be
    // proxied (docs/admin.md, the host proxy), which is not what the scenarios measure.
    proxyPorts: 0,
    // Room ports come from the edge's room config (chosen free by the coordinator), so the
    // ports in room_info are the ones we listen on.
    maxConnectionsPerIp: args.maxConnectionsPerIp,
    // Every bench client comes from 127.0.0.1 and logs in at once: the half-open and global
    // budgets follow the per-address one.
    maxHalfOpenPerIp: args.maxConnectionsPerIp,
    maxConnections: Math.max(4000, args.maxConnectionsPerIp),
    ...(args.maxPacketsPerSecond
      ? { maxPacketsPerSecond: args.maxPacketsPerSecond, packetBurst: args.maxPacketsPerSecond * 2 }
      : {}),
    ...args.options,
  });
  exitWithParent(() => bridge.close());
  answerProfileRequests();
  process.on("message", (m: { t?: string }) => {
    if (m?.t !== "memory") return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const mem = process.memoryUsage();
    const stats = bridge.stats();
    const reply: BridgeMemory = {
      t: "memory",
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      externalBytes: mem.external,
      connections: stats.connections,
      bytesIn: stats.bytesIn,
      bytesOut: stats.bytesOut,
      droppedSlowClients: stats.droppedSlowClients,
      protocolErrors: stats.protocolErrors,
      rejectedByIpCap: stats.rejectedByIpCap,
      rateLimited: stats.rateLimited ?? 0,
    };
    process.send?.(reply);
  });
  process.send?.({ t: "ready", loginPort: bridge.loginPort, roomPorts: [...bridge.roomPorts] });
} catch (err) {
  process.send?.({ t: "error", error: (err as Error).message });
  process.exit(1);
}
