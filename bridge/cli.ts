/**
 * Runs the TCP bridge for legacy clients:
 *   node --import tsx bridge/cli.ts --edge http://127.0.0.1:8787 --token T [--host 127.0.0.1]
 * EDGE_URL and BRIDGE_TOKEN are read when the flags are absent (keeps the token out of `ps`).
 */
import { parseArgs } from "node:util";
import type { BridgeOptions } from "./config.ts";
import { startBridge } from "./server.ts";

const USAGE = `usage: bridge --edge <http(s)://edge> --token <bridge token> [options]
  --host <ipv4>              listen address (default 127.0.0.1)
  --login-port <n>           login port (default: the edge's, 6321)
  --port-offset <n>          added to every port from the edge
  --ephemeral-ports          listen on ephemeral ports (testing)
  --max-per-ip <n>           connections per client IP (default 16)
  --idle-timeout <seconds>   drop a silent client after this long (default 660)
  --max-queue <bytes>        outbound queue per client before it is dropped (default 262144)
  --max-packet <bytes>       largest inbound packet (default 8192)
  --max-packet-rate <n>      packets per second a client may send before reading pauses (default 100)
  --packet-burst <n>         packets a client may send in one burst (default 200)
environment: EDGE_URL, BRIDGE_TOKEN`;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

function parseOptions(argv: string[]): BridgeOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      edge: { type: "string" },
      token: { type: "string" },
      host: { type: "string" },
      "login-port": { type: "string" },
      "port-offset": { type: "string" },
      "ephemeral-ports": { type: "boolean" },
      "max-per-ip": { type: "string" },
      "idle-timeout": { type: "string" },
      "max-queue": { type: "string" },
      "max-packet": { type: "string" },
      "max-packet-rate": { type: "string" },
      "packet-burst": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const edgeUrl = values.edge ?? process.env.EDGE_URL;
  const bridgeToken = values.token ?? process.env.BRIDGE_TOKEN;
  if (!edgeUrl || !bridgeToken) throw new Error("both --edge (or EDGE_URL) and --token (or BRIDGE_TOKEN) are required");
  const idleSeconds = integer("idle-timeout", values["idle-timeout"]);
  return {
    edgeUrl,
    bridgeToken,
    host: values.host,
    loginPort: integer("login-port", values["login-port"]),
    portOffset: integer("port-offset", values["port-offset"]),
    ephemeralPorts: values["ephemeral-ports"],
    maxConnectionsPerIp: integer("max-per-ip", values["max-per-ip"]),
    idleTimeoutMs: idleSeconds === undefined ? undefined : idleSeconds * 1000,
    maxOutboundQueueBytes: integer("max-queue", values["max-queue"]),
    maxPacketSize: integer("max-packet", values["max-packet"]),
    maxPacketsPerSecond: integer("max-packet-rate", values["max-packet-rate"]),
    packetBurst: integer("packet-burst", values["packet-burst"]),
  };
}

async function main(): Promise<void> {
  let options: BridgeOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const bridge = await startBridge(options);
  const host = options.host ?? "127.0.0.1";
  console.log(`bridge: login on ${host}:${bridge.loginPort} → ${options.edgeUrl}`);
  for (const room of bridge.edgeConfig.rooms) {
    console.log(`bridge: room ${room.id} (${room.game} "${room.name}") on ${host}:${bridge.roomPorts.get(room.id)}`);
  }
  const stop = (signal: string) => {
    console.log(`bridge: ${signal}, closing`);
    const forced = setTimeout(() => process.exit(1), 15_000);
    forced.unref();
    void bridge.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`bridge: ${(error as Error).message ?? error}`);
  process.exit(1);
});
