/**
 * The bridge's Prometheus endpoint (prom-client), on its own port and off by default
 * (--metrics-port, BRIDGE_METRICS_PORT; 127.0.0.1 unless --metrics-host says otherwise): it is
 * for the operator's scraper, not for players. Everything is read from the counters the bridge
 * keeps anyway (Bridge.stats()) at scrape time, plus Node's own metrics (event-loop delay, CPU,
 * memory, GC) from prom-client's defaults.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { MessageType } from "../protocol/message-types.ts";
import type { AdmissionRefusal } from "./admission.ts";
import { PACKET_TYPE_SLOTS } from "./connection.ts";
import type { Bridge } from "./server.ts";

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A counter whose value is read from the bridge's own counters at scrape time. */
function mirrored(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => [Record<string, string>, number][],
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

/** The `reason` label of a refusal at accept; the bridge's log lines say the same. */
export const REFUSED_REASON: Readonly<Record<AdmissionRefusal, string>> = {
  "per-ip": "per_address_cap",
  "half-open": "half_open_cap",
  global: "bridge_cap",
};

/** What the metrics read: the bridge's ports and counters. */
export type MetricsSource = Pick<Bridge, "id" | "loginPort" | "roomPorts" | "stats">;

export function bridgeRegistry(bridge: MetricsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const targetOf = new Map<number, string>([[bridge.loginPort, "login"]]);
  for (const [room, port] of bridge.roomPorts) targetOf.set(port, `room:${room}`);
  new Gauge({
    name: "myth_bridge_connections",
    help: "Open client connections, by the port (login or room) they came in on",
    labelNames: ["target"],
    registers: [registry],
    collect() {
      this.reset();
      const perPort = bridge.stats().perPort;
      for (const [port, target] of targetOf) this.set({ target }, perPort[port] ?? 0);
    },
  });
  const s = () => bridge.stats();
  mirrored(
    registry,
    "myth_bridge_connections_refused_total",
    "Connections refused at accept, by reason",
    ["reason"],
    () => {
      const x = s();
      return [
        [{ reason: REFUSED_REASON["per-ip"] }, x.rejectedByIpCap],
        [{ reason: REFUSED_REASON["half-open"] }, x.rejectedHalfOpen],
        [{ reason: REFUSED_REASON.global }, x.rejectedGlobal],
      ];
    },
  );
  mirrored(
    registry,
    "myth_bridge_connections_dropped_total",
    "Client sessions the bridge ended, by reason",
    ["reason"],
    () => {
      const x = s();
      return [
        [{ reason: "idle_timeout" }, x.idleClosed],
        [{ reason: "room_login_deadline" }, x.roomLoginDeadline],
        [{ reason: "keepalive_timeout" }, x.keepaliveTimeouts],
        [{ reason: "slow_client" }, x.droppedSlowClients],
        [{ reason: "protocol_error" }, x.protocolErrors],
      ];
    },
  );
  mirrored(
    registry,
    "myth_bridge_client_pauses_total",
    "Times a client stopped being read, by cause",
    ["cause"],
    () => [
      [{ cause: "rate_limit" }, s().rateLimited],
      [{ cause: "tunnel_backlog" }, s().tunnelPauses],
    ],
  );
  const typeNames = new Map<number, string>(Object.entries(MessageType).map(([name, type]) => [type, name]));
  const typeLabel = (slot: number) =>
    slot === PACKET_TYPE_SLOTS - 1 ? "other" : (typeNames.get(slot) ?? String(slot));
  mirrored(
    registry,
    "myth_bridge_packets_total",
    "Packets from clients (in) and written to clients (out, one per recipient), by message type",
    ["direction", "type"],
    () => {
      const x = s();
      const out: [Record<string, string>, number][] = [];
      for (const [direction, counts] of [
        ["in", x.packetsIn],
        ["out", x.packetsOut],
      ] as const) {
        counts.forEach((n, slot) => {
          if (n > 0) out.push([{ direction, type: typeLabel(slot) }, n]);
        });
      }
      return out;
    },
  );
  mirrored(registry, "myth_bridge_client_bytes_total", "Bytes to and from clients", ["direction"], () => [
    [{ direction: "in" }, s().bytesIn],
    [{ direction: "out" }, s().bytesOut],
  ]);
  mirrored(
    registry,
    "myth_bridge_tunnel_frames_total",
    "Tunnel WebSocket frames to and from the edge",
    ["direction"],
    () => [
      [{ direction: "in" }, s().tunnelFramesIn],
      [{ direction: "out" }, s().tunnelFramesOut],
    ],
  );
  mirrored(registry, "myth_bridge_tunnel_bytes_total", "Tunnel bytes to and from the edge", ["direction"], () => [
    [{ direction: "in" }, s().tunnelBytesIn],
    [{ direction: "out" }, s().tunnelBytesOut],
  ]);
  mirrored(registry, "myth_bridge_tunnels_opened_total", "Tunnel sockets opened to the edge", [], () => [
    [{}, s().tunnelsOpened],
  ]);
  mirrored(
    registry,
    "myth_bridge_tunnels_lost_total",
    "Tunnel sockets that closed (their clients were disconnected)",
    [],
    () => [[{}, s().tunnelsLost]],
  );
  return registry;
}

export async function startMetricsServer(bridge: MetricsSource, host: string, port: number): Promise<MetricsServer> {
  const registry = bridgeRegistry(bridge);
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== "/metrics") {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "no such route" }));
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(text),
      (error: unknown) =>
        res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ error: String(error) })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
