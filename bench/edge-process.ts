/**
 * Bench child: the edge (Worker + Durable Objects + D1) in local workerd via Miniflare, fresh
 * in-memory state. argv[2] = JSON { adminToken, bridgeToken, roomConfig, vars }.
 * Replies { t: "ready", url } over IPC; stops on { t: "stop" } or when the parent goes away.
 */
import { startLocalEdge } from "../scripts/local-edge.ts";
import { exitWithParent } from "./child.ts";

interface EdgeArgs {
  adminToken: string;
  bridgeToken: string;
  roomConfig: string;
  vars: Record<string, string>;
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
  });
  exitWithParent(() => edge.stop());
  process.send?.({ t: "ready", url: edge.url });
} catch (err) {
  process.send?.({ t: "error", error: (err as Error).message });
  process.exit(1);
}
