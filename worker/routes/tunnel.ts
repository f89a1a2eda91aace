/**
 * The bridge ⇄ edge tunnel (docs/architecture.md, "Tunnel"; the contract is tunnel/): every
 * /tunnel/* request carries the bridge token. GET /tunnel/config gives the bridge its port
 * map; /tunnel/login and /tunnel/room/:id take one WebSocket per client connection.
 */
import { Hono } from "hono";
import { roomById } from "../../edge/config.ts";
import { roomStub, roomTunnelRequest } from "../../edge/objects.ts";
import type { TunnelConfig } from "../../tunnel/http.ts";
import { TunnelPath } from "../../tunnel/http.ts";
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
    rooms: config.rooms.map((r) => ({ id: r.id, port: r.port, game: r.game, name: r.name })),
  };
  return c.json(body);
});

tunnel.get(TunnelPath.login, async (c) => {
  requireUpgrade(c.req.header("Upgrade"));
  return acceptLoginTunnel(c);
});

tunnel.get(TunnelPath.room(":id"), async (c) => {
  const param = c.req.param("id") ?? "";
  const room = /^\d{1,5}$/.test(param) ? roomById(c.var.config, Number(param)) : undefined;
  if (!room) httpError(404, `unknown room ${JSON.stringify(param)}`);
  requireUpgrade(c.req.header("Upgrade"));
  return roomStub(c.env, room.id).fetch(roomTunnelRequest(c.req.raw, room.id));
});

function requireUpgrade(upgrade: string | undefined): void {
  if (upgrade?.toLowerCase() !== "websocket") httpError(426, "expected a WebSocket upgrade");
}
