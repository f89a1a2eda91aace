/**
 * The bridge's health endpoint for process managers and container health checks (off unless
 * --health-port is given): GET /health answers 200 `{"ok":true,…}` while the bridge listens,
 * 503 once it is stopping. It listens on loopback by default: it is for the machine, not for
 * players.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Bridge } from "./server.ts";

export interface HealthServer {
  readonly port: number;
  /** From now on /health answers 503 (the bridge is stopping). */
  markStopping(): void;
  close(): Promise<void>;
}

export async function startHealthServer(bridge: Bridge, host: string, port: number): Promise<HealthServer> {
  let stopping = false;
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== "/health") {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "no such route" }));
      return;
    }
    const stats = bridge.stats();
    const body = {
      ok: !stopping,
      ...(stopping ? { error: "stopping" } : {}),
      bridgeId: bridge.id,
      loginPort: bridge.loginPort,
      rooms: Object.fromEntries(bridge.roomPorts),
      connections: stats.connections,
      tunnelsOpened: stats.tunnelsOpened,
      tunnelsLost: stats.tunnelsLost,
      // The host proxy (docs/admin.md): pairs lent now, and what it has done since start.
      proxy: {
        leased: stats.proxyLeased,
        probes: stats.hostProbes,
        joins: stats.proxyJoins,
        bytes: stats.proxyBytes,
        rejected: stats.proxyRejected,
        poolExhausted: stats.proxyPoolExhausted,
      },
    };
    res.writeHead(stopping ? 503 : 200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
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
    markStopping() {
      stopping = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
