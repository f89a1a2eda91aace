/**
 * The bridge's limits as command-line flags: one row per limit, shared by `myth-bridge` /
 * `npm run bridge` (bridge/cli.ts) and `npm start` (scripts/start.ts), which both print the
 * table in --help. Each flag can also be given as the environment variable BRIDGE_<FLAG>
 * (`--max-per-ip` ⇔ BRIDGE_MAX_PER_IP), for containers and units. Adding a limit is one row
 * here (and its field in BridgeOptions).
 */
import { BRIDGE_DEFAULTS, type BridgeOptions } from "./config.ts";

type LimitOption = {
  [K in keyof BridgeOptions]-?: NonNullable<BridgeOptions[K]> extends number ? K : never;
}[keyof BridgeOptions] &
  keyof typeof BRIDGE_DEFAULTS;

export interface LimitFlag {
  readonly flag: string;
  readonly option: LimitOption;
  /** The flag's unit in the option's unit (seconds ⇒ 1000 ms). */
  readonly scale: number;
  readonly unit: string;
  readonly help: string;
}

export const BRIDGE_LIMIT_FLAGS: readonly LimitFlag[] = [
  {
    flag: "max-per-ip",
    option: "maxConnectionsPerIp",
    scale: 1,
    unit: "n",
    help: "connections per client IPv4 (a LAN party shares one)",
  },
  {
    flag: "max-half-open-per-ip",
    option: "maxHalfOpenPerIp",
    scale: 1,
    unit: "n",
    help: "connections per client IPv4 that have not finished a room login",
  },
  { flag: "max-connections", option: "maxConnections", scale: 1, unit: "n", help: "connections to the whole bridge" },
  {
    flag: "room-login-deadline",
    option: "roomLoginDeadlineMs",
    scale: 1000,
    unit: "seconds",
    help: "a room connection must finish room_login within this (0: none)",
  },
  {
    flag: "idle-timeout",
    option: "idleTimeoutMs",
    scale: 1000,
    unit: "seconds",
    help: "drop a client that sent no whole packet this long",
  },
  {
    flag: "max-queue",
    option: "maxOutboundQueueBytes",
    scale: 1,
    unit: "bytes",
    help: "output queued to one client before it is dropped as not reading",
  },
  { flag: "max-packet", option: "maxPacketSize", scale: 1, unit: "bytes", help: "largest packet from a client" },
  {
    flag: "max-packet-rate",
    option: "maxPacketsPerSecond",
    scale: 1,
    unit: "n",
    help: "packets per second a client may send before reading pauses",
  },
  { flag: "packet-burst", option: "packetBurst", scale: 1, unit: "n", help: "packets a client may send in one burst" },
  {
    flag: "metrics-port",
    option: "metricsPort",
    scale: 1,
    unit: "port",
    help: "serve Prometheus /metrics on 127.0.0.1:<port>; 0 is off",
  },
  {
    flag: "proxy-ports",
    option: "proxyPorts",
    scale: 1,
    unit: "n",
    help: "ports in the host proxy pool, in pairs from --proxy-first-port (0: no proxy)",
  },
  { flag: "proxy-first-port", option: "proxyFirstPort", scale: 1, unit: "port", help: "first port of the proxy pool" },
  {
    flag: "proxy-max-joiners",
    option: "proxyMaxJoiners",
    scale: 1,
    unit: "n",
    help: "joiners waiting or connected per proxied game",
  },
  {
    flag: "proxy-join-timeout",
    option: "proxyJoinTimeoutMs",
    scale: 1000,
    unit: "seconds",
    help: "how long a joiner waits for the proxied host to connect back",
  },
  {
    flag: "proxy-game-bytes",
    option: "proxyGameBytes",
    scale: 1,
    unit: "bytes",
    help: "bytes one proxied game may move through the bridge",
  },
  {
    flag: "probe-timeout",
    option: "probeTimeoutMs",
    scale: 1000,
    unit: "seconds",
    help: "TCP connect limit when checking a host's game port",
  },
];

/** The environment variable that stands for a flag. */
export function limitEnvName(flag: string): string {
  return `BRIDGE_${flag.toUpperCase().replaceAll("-", "_")}`;
}

/** parseArgs options for every limit flag. */
export function limitArgOptions(): Record<string, { type: "string" }> {
  return Object.fromEntries(BRIDGE_LIMIT_FLAGS.map((l) => [l.flag, { type: "string" as const }]));
}

/**
 * The limits given as flags (values from parseArgs) or, failing that, in the environment.
 * Throws an Error naming the flag for a value that is not a non-negative integer.
 */
export function readLimits(
  values: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Partial<Record<LimitOption, number>> {
  const limits: Partial<Record<LimitOption, number>> = {};
  for (const limit of BRIDGE_LIMIT_FLAGS) {
    const fromFlag = values[limit.flag];
    const envName = limitEnvName(limit.flag);
    const raw = typeof fromFlag === "string" ? fromFlag : env[envName];
    if (raw === undefined || raw === "") continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) {
      const source = typeof fromFlag === "string" ? `--${limit.flag}` : envName;
      throw new Error(`${source} must be a non-negative integer (${limit.unit}), got ${JSON.stringify(raw)}`);
    }
    limits[limit.option] = n * limit.scale;
  }
  return limits;
}

/** Help lines: flag, default, meaning. */
export function limitHelp(indent = "  ", width = 27): string {
  return BRIDGE_LIMIT_FLAGS.map((l) => {
    const left = `--${l.flag} <${l.unit}>`.padEnd(width);
    const fallback = BRIDGE_DEFAULTS[l.option] / l.scale;
    return `${indent}${left}${l.help} (default ${fallback}) [${limitEnvName(l.flag)}]`;
  }).join("\n");
}
