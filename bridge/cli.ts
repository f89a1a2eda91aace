#!/usr/bin/env node
/**
 * The TCP bridge for legacy clients, as a command: `myth-bridge` (the package built by
 * `npm run build:bridge`, docs/admin.md) or `npm run bridge --` in a checkout.
 *
 * The bridge token is read from BRIDGE_TOKEN_FILE (or --token-file), systemd's credential
 * `bridge-token` ($CREDENTIALS_DIRECTORY) or BRIDGE_TOKEN, so it never has to be on the command
 * line where `ps` shows it (--token still works, with a warning). Every startup failure is one
 * line on stderr and a non-zero exit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { BridgeOptions } from "./config.ts";
import { type HealthServer, startHealthServer } from "./health.ts";
import { limitArgOptions, limitHelp, readLimits } from "./limits.ts";
import { LOG_FORMATS, type LogFormat, log, logFormat, setLogFormat, withoutSecrets } from "./log.ts";
import { startBridge } from "./server.ts";
import { handleShutdownSignals } from "./shutdown.ts";

const USAGE = `usage: myth-bridge --edge <https://edge> [options]   (npm run bridge -- … in a checkout)
  --edge <url>               the edge Worker [EDGE_URL]; https:// tunnels use wss://
  --token-file <path>        file holding the bridge token [BRIDGE_TOKEN_FILE]; also read from
                             $CREDENTIALS_DIRECTORY/bridge-token (systemd) or BRIDGE_TOKEN
  --host <ipv4>              listen address (default 127.0.0.1; 0.0.0.0 for all) [BRIDGE_HOST]
  --login-port <n>           login port (default: the edge's, 6321)
  --port-offset <n>          added to every port from the edge (default 0)
  --ephemeral-ports          listen on ephemeral ports (tests, several bridges on one machine)
  --health-port <n>          serve GET /health on this port (default off) [BRIDGE_HEALTH_PORT]
  --health-host <ipv4>       address of /health (default 127.0.0.1)
  --metrics-host <ipv4>      address of /metrics when --metrics-port is set (default 127.0.0.1)
  --log-format pretty|json   log lines for a terminal or one JSON object per line (default pretty)
                             [BRIDGE_LOG_FORMAT]
  --allow-insecure-edge      allow a plain http:// edge that is not on loopback (default: refused)
  --proxy-address <ipv4>     public IPv4 of this bridge given to joiners of proxied games
                             (default: the address the host connected to) [BRIDGE_PROXY_ADDRESS]
limits:
${limitHelp()}`;

class UsageError extends Error {}

interface CliOptions {
  readonly bridge: BridgeOptions;
  readonly logFormat: LogFormat;
  readonly healthPort: number | undefined;
  readonly healthHost: string;
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got ${value}`);
  return n;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        edge: { type: "string" },
        token: { type: "string" },
        "token-file": { type: "string" },
        host: { type: "string" },
        "login-port": { type: "string" },
        "port-offset": { type: "string" },
        "ephemeral-ports": { type: "boolean" },
        "health-port": { type: "string" },
        "health-host": { type: "string" },
        "metrics-host": { type: "string" },
        "log-format": { type: "string" },
        "allow-insecure-edge": { type: "boolean" },
        "proxy-address": { type: "string" },
        ...limitArgOptions(),
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const edgeUrl = (values.edge as string | undefined) || env.EDGE_URL;
  if (!edgeUrl) throw new UsageError("the edge is required: --edge <url> or EDGE_URL");
  if (typeof values.token === "string") {
    console.error(
      "bridge: warning: --token shows the token to anyone running ps; use BRIDGE_TOKEN_FILE or BRIDGE_TOKEN",
    );
  }
  const bridgeToken = (values.token as string | undefined) || readToken(values["token-file"] as string, env);
  let limits: ReturnType<typeof readLimits>;
  try {
    limits = readLimits(values, env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const logFormat = ((values["log-format"] as string | undefined) || env.BRIDGE_LOG_FORMAT || "pretty") as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new UsageError(`--log-format must be pretty or json, got ${logFormat}`);
  return {
    logFormat,
    bridge: {
      edgeUrl,
      bridgeToken,
      host: (values.host as string | undefined) || env.BRIDGE_HOST || undefined,
      loginPort: integer("login-port", values["login-port"] as string | undefined),
      portOffset: integer("port-offset", values["port-offset"] as string | undefined),
      ephemeralPorts: values["ephemeral-ports"] as boolean | undefined,
      allowInsecureEdge: values["allow-insecure-edge"] as boolean | undefined,
      metricsHost: (values["metrics-host"] as string | undefined) || env.BRIDGE_METRICS_HOST || undefined,
      proxyAddress: (values["proxy-address"] as string | undefined) || env.BRIDGE_PROXY_ADDRESS || undefined,
      ...limits,
    },
    healthPort: integer("health-port", (values["health-port"] as string | undefined) || env.BRIDGE_HEALTH_PORT),
    healthHost: (values["health-host"] as string | undefined) || "127.0.0.1",
  };
}

/** The token from a file (flag, BRIDGE_TOKEN_FILE, systemd credential), else BRIDGE_TOKEN. */
function readToken(flagFile: string | undefined, env: NodeJS.ProcessEnv): string {
  const file =
    flagFile || env.BRIDGE_TOKEN_FILE || (env.CREDENTIALS_DIRECTORY && join(env.CREDENTIALS_DIRECTORY, "bridge-token"));
  if (file && (flagFile || env.BRIDGE_TOKEN_FILE || !env.BRIDGE_TOKEN)) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read the bridge token from ${file}: ${(error as NodeJS.ErrnoException).code}`);
    }
    const token = text.trim();
    if (token === "") throw new UsageError(`the bridge token file ${file} is empty`);
    return token;
  }
  if (env.BRIDGE_TOKEN) return env.BRIDGE_TOKEN;
  throw new UsageError("the bridge token is required: BRIDGE_TOKEN_FILE, --token-file or BRIDGE_TOKEN");
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bridge: ${error.message}\n(myth-bridge --help lists the options)`);
    process.exit(2);
  }
  setLogFormat(options.logFormat);
  // What this process runs with (never the token: withoutSecrets drops it).
  if (options.logFormat === "json") {
    log(
      "info",
      "bridge",
      "config",
      withoutSecrets({ ...options.bridge, healthPort: options.healthPort }) as Record<string, unknown>,
    );
  }
  const bridge = await startBridge(options.bridge);
  let health: HealthServer | undefined;
  handleShutdownSignals({
    name: "bridge",
    stop: async () => {
      health?.markStopping();
      await bridge.close();
      await health?.close();
    },
  });
  if (options.healthPort !== undefined) {
    health = await startHealthServer(bridge, options.healthHost, options.healthPort);
  }
  const host = options.bridge.host ?? "127.0.0.1";
  const metricsHost = options.bridge.metricsHost ?? "127.0.0.1";
  if (options.logFormat === "json") {
    log("info", "bridge", "started", {
      bridgeId: bridge.id,
      edge: options.bridge.edgeUrl,
      host,
      loginPort: bridge.loginPort,
      rooms: Object.fromEntries(bridge.roomPorts),
      ...(health ? { health: `http://${options.healthHost}:${health.port}/health` } : {}),
      ...(bridge.metricsPort !== null ? { metrics: `http://${metricsHost}:${bridge.metricsPort}/metrics` } : {}),
    });
    return;
  }
  console.log(`bridge: login on ${host}:${bridge.loginPort} → ${options.bridge.edgeUrl}`);
  for (const room of bridge.edgeConfig.rooms) {
    console.log(`bridge: room ${room.id} (${room.game} "${room.name}") on ${host}:${bridge.roomPorts.get(room.id)}`);
  }
  if (health) console.log(`bridge: health on http://${options.healthHost}:${health.port}/health`);
  if (bridge.metricsPort !== null)
    console.log(`bridge: metrics on http://${metricsHost}:${bridge.metricsPort}/metrics`);
}

main().catch((error: unknown) => {
  const message = (error as Error).message ?? String(error);
  if (logFormat() === "json") log("error", "bridge", "start.failed", { error: message });
  else console.error(`bridge: ${message}`);
  process.exit(1);
});
