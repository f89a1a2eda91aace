import { randomBytes } from "node:crypto";
import { createServer, isIPv4, type Server, type Socket } from "node:net";
import { ServerMessageCode } from "../protocol/messages.ts";
import { TunnelClose } from "../tunnel/close-codes.ts";
import {
  BRIDGE_FEATURES_HEADER,
  BRIDGE_ID_HEADER,
  HOST_PROXY_FEATURE,
  parseTunnelConfig,
  type TunnelConfig,
  TunnelPath,
} from "../tunnel/http.ts";
import { TUNNEL_VERSION } from "../tunnel/mux.ts";
import { Admission, type AdmissionCounters, type AdmissionRefusal } from "./admission.ts";
import { type BridgeConfig, type BridgeOptions, listenPorts, resolveConfig } from "./config.ts";
import { BridgeConnection, type ConnectionCounters, PACKET_TYPE_SLOTS } from "./connection.ts";
import { HostProxy, type HostProxyCounters } from "./host-proxy/host-proxy.ts";
import { logThrottled } from "./log.ts";
import { REFUSED_REASON, startMetricsServer } from "./metrics.ts";
import { refuse } from "./refusal.ts";
import { type TunnelCounters, TunnelMux } from "./tunnel-mux.ts";

export interface BridgeStats extends ConnectionCounters, TunnelCounters, AdmissionCounters, HostProxyCounters {
  /** Proxy port pairs lent out now. */
  proxyLeased: number;
  /** Open client connections. */
  connections: number;
  /** Open client connections by the local port they came in on. */
  perPort: Record<number, number>;
}

export interface Bridge {
  /** Names this bridge's tunnels at the edge (random per start). */
  readonly id: string;
  readonly loginPort: number;
  /** roomId → the port the bridge listens on for that room. */
  readonly roomPorts: Map<number, number>;
  /** The edge's port map as fetched at start. */
  readonly edgeConfig: TunnelConfig;
  stats(): BridgeStats;
  /** Where Prometheus /metrics is served (--metrics-port), or null when off. */
  readonly metricsPort: number | null;
  /** Stops listening, ends every session and resolves once all sockets are closed. */
  close(): Promise<void>;
}

/** Fetches the port map from the edge, then listens on the login port and one port per room. */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const config = resolveConfig(options);
  const edgeConfig = await fetchEdgeConfig(config);
  const ports = listenPorts(config, edgeConfig);

  const counters: ConnectionCounters & TunnelCounters & HostProxyCounters = {
    hostProbes: 0,
    proxyLeases: 0,
    proxyPoolExhausted: 0,
    proxyJoins: 0,
    proxyRejected: 0,
    proxyJoinTimeouts: 0,
    proxyBytes: 0,
    proxyBudgetCuts: 0,
    droppedSlowClients: 0,
    protocolErrors: 0,
    bytesIn: 0,
    bytesOut: 0,
    tunnelPauses: 0,
    rateLimited: 0,
    idleClosed: 0,
    roomLoginDeadline: 0,
    keepaliveTimeouts: 0,
    packetsIn: new Float64Array(PACKET_TYPE_SLOTS),
    packetsOut: new Float64Array(PACKET_TYPE_SLOTS),
    tunnelFramesOut: 0,
    tunnelBytesOut: 0,
    tunnelFramesIn: 0,
    tunnelBytesIn: 0,
    tunnelsOpened: 0,
    tunnelsLost: 0,
  };
  const id = randomBytes(12).toString("base64url");
  // One multiplexed tunnel per target (tunnel/mux.ts), opened with its first client.
  const tunnels = new Map<string, TunnelMux>();
  const tunnelFor = (path: string) => {
    let mux = tunnels.get(path);
    if (!mux) {
      mux = new TunnelMux(
        {
          url: tunnelUrl(config.edgeUrl, path),
          headers: {
            Authorization: `Bearer ${config.bridgeToken}`,
            [BRIDGE_ID_HEADER]: id,
            [BRIDGE_FEATURES_HEADER]: HOST_PROXY_FEATURE,
          },
          connectTimeoutMs: config.tunnelConnectTimeoutMs,
          highWaterMark: config.tunnelHighWaterMark,
        },
        counters,
      );
      tunnels.set(path, mux);
    }
    return mux;
  };
  const admission = new Admission(config);
  // Per bridge: the hosts it serves are the ones whose ports it probes and proxies.
  const hostProxy = new HostProxy(config, counters);
  const connections = new Set<BridgeConnection>();
  const perPort = new Map<number, number>();
  const servers: Server[] = [];

  const accept = (socket: Socket, path: string, port: number, kind: "login" | "room") => {
    const client = ipv4(socket.remoteAddress);
    if (client === undefined || socket.remotePort === undefined) return socket.destroy();
    const ticket = admission.admit(client);
    if (typeof ticket === "string") {
      logThrottled("warn", "bridge", "connection.refused", { reason: REFUSED_REASON[ticket], client, port });
      return refuse(socket, ServerMessageCode.RoomFull, refusalText(ticket, config));
    }
    perPort.set(port, (perPort.get(port) ?? 0) + 1);
    const connection = new BridgeConnection(
      socket,
      tunnelFor(path),
      {
        client: `${client}:${socket.remotePort}`,
        local: `${ipv4(socket.localAddress) ?? config.host}:${socket.localPort ?? port}`,
      },
      config,
      counters,
      { kind, ticket },
      hostProxy,
    );
    connections.add(connection);
    socket.once("close", () => {
      ticket.release();
      decrement(perPort, port);
    });
    void connection.closed.then(() => connections.delete(connection));
  };

  try {
    const loginServer = await listen(config.host, ports.loginPort, servers, "the login port");
    const loginPort = boundPort(loginServer);
    loginServer.on("connection", (socket) => accept(socket, TunnelPath.muxLogin, loginPort, "login"));
    const roomPorts = new Map<number, number>();
    for (const room of ports.rooms) {
      const server = await listen(config.host, room.port, servers, `room ${room.id}`);
      const port = boundPort(server);
      server.on("connection", (socket) => accept(socket, TunnelPath.muxRoom(room.id), port, "room"));
      roomPorts.set(room.id, port);
    }

    let closing: Promise<void> | undefined;
    const stats = (): BridgeStats => ({
      ...counters,
      connections: connections.size,
      perPort: Object.fromEntries(perPort),
      proxyLeased: hostProxy.leased,
      ...admission.counters,
    });
    const metricsServer =
      config.metricsPort > 0
        ? await startMetricsServer({ id, loginPort, roomPorts, stats }, config.metricsHost, config.metricsPort)
        : null;
    return {
      id,
      loginPort,
      roomPorts,
      edgeConfig,
      metricsPort: metricsServer?.port ?? null,
      stats,
      close() {
        closing ??= (async () => {
          const stopped = Promise.all(servers.map(closeServer));
          for (const connection of connections) connection.shutdown(TunnelClose.bridgeShutdown, "bridge shutting down");
          await Promise.all([...connections].map((c) => c.closed));
          hostProxy.close();
          for (const mux of tunnels.values()) mux.shutdown();
          await Promise.all([stopped, metricsServer?.close()]);
        })();
        return closing;
      },
    };
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }
}

/**
 * What a refused client reads. Code 13 ("The desired room is full!") is the §9 code closest
 * to "no room for you here"; Myth shows its own text for it, Aleph One ours.
 */
function refusalText(refusal: AdmissionRefusal, config: BridgeConfig): string {
  switch (refusal) {
    case "global":
      return "The server is full; try again later.";
    case "per-ip":
      return `Too many connections from your address (${config.maxConnectionsPerIp}); try again later.`;
    case "half-open":
      return `Too many logins in progress from your address (${config.maxHalfOpenPerIp}); try again in a moment.`;
  }
}

async function fetchEdgeConfig(config: BridgeConfig): Promise<TunnelConfig> {
  const url = new URL(joinPath(new URL(config.edgeUrl).pathname, TunnelPath.config), config.edgeUrl);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${config.bridgeToken}` },
      signal: AbortSignal.timeout(config.tunnelConnectTimeoutMs),
    });
  } catch (error) {
    // fetch says only "fetch failed"; the reason (refused, unknown host, TLS) is its cause.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new Error(`cannot reach the edge at ${url.origin}: ${why}`);
  }
  if (!response.ok) throw new Error(`edge refused ${url.pathname}: HTTP ${response.status}`);
  const parsed = parseTunnelConfig(await response.json());
  if (typeof parsed === "string") throw new Error(`edge sent a bad tunnel config: ${parsed}`);
  if (!parsed.tunnelVersions?.includes(TUNNEL_VERSION)) {
    throw new Error(
      `the edge does not speak tunnel v${TUNNEL_VERSION}: upgrade the edge first (docs/admin.md, upgrades)`,
    );
  }
  return parsed;
}

/** http(s)://edge[/base] + path → ws(s)://edge[/base]/path */
export function tunnelUrl(edgeUrl: string, path: string): string {
  const url = new URL(edgeUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = joinPath(url.pathname, path);
  url.search = "";
  url.hash = "";
  return url.toString();
}

function joinPath(base: string, path: string): string {
  return base.replace(/\/+$/, "") + path;
}

/** The protocol carries IPv4 only; Node reports IPv4 peers on dual-stack sockets as ::ffff:a.b.c.d. */
function ipv4(address: string | undefined): string | undefined {
  const plain = address?.startsWith("::ffff:") ? address.slice(7) : address;
  return plain !== undefined && isIPv4(plain) ? plain : undefined;
}

function decrement<K>(map: Map<K, number>, key: K): void {
  const next = (map.get(key) ?? 1) - 1;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}

function listen(host: string, port: number, servers: Server[], what: string): Promise<Server> {
  const server = createServer();
  servers.push(server);
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(new Error(listenFailure(error, host, port, what)));
    server.once("error", failed);
    server.listen({ host, port }, () => {
      server.off("error", failed);
      server.on("error", () => {}); // accept errors after start do not stop the bridge
      resolve(server);
    });
  });
}

/** One line an operator can act on, for a port the bridge could not listen on. */
export function listenFailure(error: NodeJS.ErrnoException, host: string, port: number, what: string): string {
  switch (error.code) {
    case "EADDRINUSE":
      return `port ${port} on ${host} (${what}) is already in use: stop what holds it, or pick another port`;
    case "EACCES":
      return `no permission to listen on port ${port} (${what}): ports below 1024 need privileges`;
    case "EADDRNOTAVAIL":
      return `${host} is not an address of this machine (listening for ${what})`;
    default:
      return `cannot listen on ${host}:${port} (${what}): ${error.message}`;
  }
}

function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server is not listening on TCP");
  return address.port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
