/**
 * GET /tunnel/room/:id — the bridge's WebSocket for one player in one room. The bridge token
 * is checked by the /tunnel/* middleware before this runs; here the room id is resolved
 * against the config and the upgrade goes to that room's Durable Object ("room:<id>").
 */
import type { Handler } from "hono";
import { ConfigError, loadConfig, roomById } from "../../worker/config.ts";

export const roomTunnel: Handler<{ Bindings: Env }> = async (c) => {
  const param = c.req.param("id") ?? "";
  let room: ReturnType<typeof roomById>;
  try {
    room = /^\d{1,5}$/.test(param) ? roomById(loadConfig(c.env), Number(param)) : undefined;
  } catch (e) {
    if (e instanceof ConfigError) return c.json({ error: e.message }, 500);
    throw e;
  }
  if (!room) return c.json({ error: `unknown room ${JSON.stringify(param)}` }, 404);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return c.json({ error: "expected a WebSocket upgrade" }, 426);
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set("X-Room-Id", String(room.id));
  // X-Client-Address and X-Local-Address pass through as the bridge set them.
  const stub = c.env.ROOMS.get(c.env.ROOMS.idFromName(`room:${room.id}`));
  return stub.fetch(new Request(c.req.raw.url, { method: "GET", headers }));
};
