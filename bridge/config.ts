import { isIPv4 } from "node:net";
import { DEFAULT_MAX_INBOUND_PACKET_SIZE } from "../protocol/header.ts";
import { isPort, type TunnelConfig } from "../tunnel/http.ts";

/** What the caller may set; everything but the edge and its token has a default. */
export interface BridgeOptions {
  /** http(s) URL of the edge Worker, e.g. `https://metaserver.example.org`; tunnels use ws(s) alike. */
  readonly edgeUrl: string;
  /**
   * Allow a plain `http://` edge that is not on loopback. Off by default: the bridge token and
   * every player's plaintext packets would cross the network unencrypted.
   */
  readonly allowInsecureEdge?: boolean;
  /** Shared secret presented on /tunnel/config and every tunnel. */
  readonly bridgeToken: string;
  /** Address to listen on (IPv4: the protocol has 32-bit addresses only). */
  readonly host?: string;
  /** Login port override; 0 = ephemeral. Default: the edge's loginPort (+ portOffset). */
  readonly loginPort?: number;
  /** Room port overrides by room id; 0 = ephemeral. Rooms not listed use the edge's port (+ portOffset). */
  readonly roomPorts?: Readonly<Record<number, number>>;
  /** Added to every port taken from the edge (not to explicit overrides). */
  readonly portOffset?: number;
  /** Listen on ephemeral ports everywhere (tests, several bridges on one machine). */
  readonly ephemeralPorts?: boolean;
  /** Largest raw packet (header included) accepted from a client. */
  readonly maxPacketSize?: number;
  /** Connections from one IPv4, authenticated or not (a LAN party shares one). */
  readonly maxConnectionsPerIp?: number;
  /** Connections from one IPv4 that have not finished a room login (every login connection counts). */
  readonly maxHalfOpenPerIp?: number;
  /** Connections to the whole bridge. */
  readonly maxConnections?: number;
  /** A room connection must finish room_login within this (0: no deadline). */
  readonly roomLoginDeadlineMs?: number;
  /** Sustained packets per second a client may send; above it the bridge stops reading for a while. */
  readonly maxPacketsPerSecond?: number;
  /** Packets a client may send in one burst above the sustained rate. */
  readonly packetBurst?: number;
  /** TCP inactivity after which the bridge drops a client. */
  readonly idleTimeoutMs?: number;
  /** Bytes queued towards a client before it counts as too slow and is dropped. */
  readonly maxOutboundQueueBytes?: number;
  /** Serve Prometheus GET /metrics on this port (bridge/metrics.ts); 0 = off (the default). */
  readonly metricsPort?: number;
  /** Address of /metrics (default 127.0.0.1: for the machine's scraper, not for players). */
  readonly metricsHost?: string;
  /** Bytes queued towards the edge before the bridge stops reading from the client. */
  readonly tunnelHighWaterMark?: number;
  /** WebSocket handshake limit, and the /tunnel/config fetch limit. */
  readonly tunnelConnectTimeoutMs?: number;
  /** After the bridge ends a TCP connection, how long to wait for the peer before destroying it. */
  readonly closeLingerMs?: number;
  /** Host proxy (§7.6, bridge/host-proxy/): IPv4 given to joiners; "" = the address the host reached. */
  readonly proxyAddress?: string;
  /** First port of the proxy pool: pairs are first + 2i (joiners) and first + 2i + 1 (the host). */
  readonly proxyFirstPort?: number;
  /** Ports in the pool (GoS: 10, five pairs); 0 turns the proxy off (probes and `.test` still work). */
  readonly proxyPorts?: number;
  /** Joiners waiting or spliced per proxied game. */
  readonly proxyMaxJoiners?: number;
  /** How long a joiner waits for the host to connect back. */
  readonly proxyJoinTimeoutMs?: number;
  /** Bytes one proxied game may move through the bridge (both ways, every joiner). */
  readonly proxyGameBytes?: number;
  /** TCP connect limit when checking a host's game port (GoS: 3 s). */
  readonly probeTimeoutMs?: number;
}

export type BridgeConfig = Required<Omit<BridgeOptions, "loginPort" | "roomPorts">> &
  Pick<BridgeOptions, "loginPort" | "roomPorts">;

/** The GoS login port (PROTOCOL.md §11); used only when the edge sends none. */
export const DEFAULT_LOGIN_PORT = 6321;

export const BRIDGE_DEFAULTS = {
  host: "127.0.0.1",
  allowInsecureEdge: false,
  portOffset: 0,
  ephemeralPorts: false,
  maxPacketSize: DEFAULT_MAX_INBOUND_PACKET_SIZE,
  maxConnectionsPerIp: 64,
  maxHalfOpenPerIp: 8,
  // Well below the ~10,000 descriptors a default process may open.
  maxConnections: 4000,
  roomLoginDeadlineMs: 15_000,
  // Far above what a client sends (chat, game updates, film commands from a host), low enough
  // that one client cannot flood a room.
  maxPacketsPerSecond: 100,
  packetBurst: 200,
  // Longer than GoS's 10-minute read timeout, so the edge is the one that decides.
  idleTimeoutMs: 11 * 60_000,
  maxOutboundQueueBytes: 256 * 1024,
  tunnelHighWaterMark: 64 * 1024,
  tunnelConnectTimeoutMs: 10_000,
  closeLingerMs: 10_000,
  metricsPort: 0,
  metricsHost: "127.0.0.1",
  proxyAddress: "",
  proxyFirstPort: 61_000,
  proxyPorts: 10,
  // A Myth game has at most 16 players.
  proxyMaxJoiners: 16,
  proxyJoinTimeoutMs: 10_000,
  // Myth's game traffic is a few KB/s per player: hours of a full game fit well within 1 GiB.
  proxyGameBytes: 1024 * 1024 * 1024,
  probeTimeoutMs: 3_000,
} as const;

/** Fills in defaults and rejects nonsense early (a bad option is a programming error, so it throws). */
export function resolveConfig(options: BridgeOptions): BridgeConfig {
  const config: BridgeConfig = { ...BRIDGE_DEFAULTS, ...withoutUndefined(options) };
  const url = new URL(config.edgeUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`edgeUrl must be http(s), got ${config.edgeUrl}`);
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !config.allowInsecureEdge) {
    throw new Error(
      `refusing plain http to ${url.host}: the bridge token and players' packets would travel unencrypted; ` +
        "use https:// (the edge on Cloudflare is HTTPS), or allow it with --allow-insecure-edge",
    );
  }
  if (config.bridgeToken === "") throw new Error("bridgeToken is required");
  // Legacy clients carry 32-bit addresses only; an IPv6 listener would hand the edge addresses it cannot use.
  if (!isIPv4(config.host)) throw new Error(`host must be an IPv4 address, got ${config.host}`);
  for (const [name, value] of Object.entries(config)) {
    if (typeof value === "number" && (!Number.isInteger(value) || value < 0)) {
      throw new Error(`${name} must be a non-negative integer, got ${value}`);
    }
  }
  if (config.maxPacketSize < 8) throw new Error("maxPacketSize must be at least the 8-byte header");
  if (config.maxConnectionsPerIp < 1) throw new Error("maxConnectionsPerIp must be at least 1");
  if (config.maxHalfOpenPerIp < 1) throw new Error("maxHalfOpenPerIp must be at least 1");
  if (config.maxConnections < 1) throw new Error("maxConnections must be at least 1");
  if (config.maxPacketsPerSecond < 1) throw new Error("maxPacketsPerSecond must be at least 1");
  if (config.packetBurst < 1) throw new Error("packetBurst must be at least 1");
  if (config.metricsPort !== 0 && !isPort(config.metricsPort))
    throw new Error(`metricsPort ${config.metricsPort} is not a port number`);
  if (!isIPv4(config.metricsHost)) throw new Error(`metricsHost must be an IPv4 address, got ${config.metricsHost}`);
  if (config.proxyAddress !== "" && !isIPv4(config.proxyAddress)) {
    throw new Error(`proxyAddress must be an IPv4 address, got ${config.proxyAddress}`);
  }
  if (config.proxyPorts > 0 && (config.proxyFirstPort < 1 || config.proxyFirstPort + config.proxyPorts - 1 > 65535)) {
    throw new Error(`the proxy pool ${config.proxyFirstPort}+${config.proxyPorts} does not fit in the port range`);
  }
  if (config.probeTimeoutMs < 1) throw new Error("probeTimeoutMs must be at least 1");
  for (const port of [config.loginPort, ...Object.values(config.roomPorts ?? {})]) {
    if (port !== undefined && !isPort(port)) throw new Error(`port ${port} is not a port number`);
  }
  return config;
}

/** Where to listen: explicit overrides win, then ephemeral mode, then the edge's port + offset. */
export function listenPorts(
  config: BridgeConfig,
  edge: TunnelConfig,
): { loginPort: number; rooms: { id: number; port: number }[] } {
  const fromEdge = (port: number) => (config.ephemeralPorts ? 0 : port + config.portOffset);
  return {
    loginPort: config.loginPort ?? fromEdge(edge.loginPort || DEFAULT_LOGIN_PORT),
    rooms: edge.rooms.map((room) => ({ id: room.id, port: config.roomPorts?.[room.id] ?? fromEdge(room.port) })),
  };
}

/** localhost, 127.0.0.0/8 or ::1: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || (isIPv4(host) && host.startsWith("127."));
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
