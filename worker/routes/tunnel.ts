/**
 * The bridge ⇄ edge tunnel (docs/architecture.md, "Tunnel"; the contract is tunnel/): every
 * /tunnel/* request carries the bridge token. GET /tunnel/config gives the bridge its port
 * map. v2 bridges open one WebSocket per target for all their connections
 * (/tunnel/v2/login → the bridge's LoginGateway, /tunnel/v2/room/:id → the room); v1 bridges
 * one per connection (/tunnel/login in the Worker, /tunnel/room/:id → the room).
 */
import { Hono } from "hono";
import { type EdgeConfig, type RoomConfig, roomById } from "../../edge/config.ts";
import { loginGatewayStub, roomStub, roomTunnelRequest } from "../../edge/objects.ts";
import { BRIDGE_ID_HEADER, BRIDGE_ID_PATTERN, type TunnelConfig, TunnelPath } from "../../tunnel/http.ts";
import { TUNNEL_VERSION } from "../../tunnel/mux.ts";
import { requireBearer } from "../bearer.ts";
import { withConfig } from "../config-middleware.ts";
import type { AppEnv } from "../context.ts";
import { httpError } from "../errors.ts";
import { acceptLoginTunnel } from "../login/tunnel.ts";

export const tunnel = new Hono<AppEnv>();

tunnel.use("/tunnel/*", requireBearer("BRIDGE_TOKEN"), withConfig);

tunnel.get(TunnelPath.config, (c) => {
  const config = c.var.config;
  const body: TunnelConfig = {
    loginPort: config.loginPort,
    tunnelVersions: [1, TUNNEL_VERSION],
    rooms: config.rooms.map((r) => ({ id: r.id, port: r.port, game: r.game, name: r.name })),
  };
  return c.json(body);
});

tunnel.get(TunnelPath.login, async (c) => {
  requireUpgrade(c.req.header("Upgrade"));
  return acceptLoginTunnel(c);
});

tunnel.get(TunnelPath.room(":id"), async (c) => {
  const room = configuredRoom(c.var.config, c.req.param("id"));
  requireUpgrade(c.req.header("Upgrade"));
  return roomStub(c.env, room.id).fetch(roomTunnelRequest(c.req.raw, room.id, 1));
});

// v2 (tunnel/mux.ts): one socket per bridge and target.
tunnel.get(TunnelPath.muxLogin, async (c) => {
  const bridge = bridgeId(c.req.header(BRIDGE_ID_HEADER));
  requireUpgrade(c.req.header("Upgrade"));
  return loginGatewayStub(c.env, bridge).fetch(c.req.raw);
});

tunnel.get(TunnelPath.muxRoom(":id"), async (c) => {
  const room = configuredRoom(c.var.config, c.req.param("id"));
  bridgeId(c.req.header(BRIDGE_ID_HEADER));
  requireUpgrade(c.req.header("Upgrade"));
  return roomStub(c.env, room.id).fetch(roomTunnelRequest(c.req.raw, room.id, 2));
});

function configuredRoom(config: EdgeConfig, param: string | undefined): RoomConfig {
  const room = param && /^\d{1,5}$/.test(param) ? roomById(config, Number(param)) : undefined;
  if (!room) httpError(404, `unknown room ${JSON.stringify(param ?? "")}`);
  return room;
}

function bridgeId(header: string | undefined): string {
  if (!header || !BRIDGE_ID_PATTERN.test(header))
    httpError(400, `${BRIDGE_ID_HEADER} must be 8 to 64 of [A-Za-z0-9_-]`);
  return header;
}

function requireUpgrade(upgrade: string | undefined): void {
  if (upgrade?.toLowerCase() !== "websocket") httpError(426, "expected a WebSocket upgrade");
}
