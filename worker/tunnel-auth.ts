/**
 * The bridge ⇄ edge tunnel: every /tunnel/* request must carry the bridge token, and
 * GET /tunnel/config gives the bridge its port map (docs/architecture.md, "Tunnel").
 */
import type { Handler } from "hono";
import { requireBearer } from "./bearer.ts";
import { ConfigError, loadConfig } from "./config.ts";

/** Register before any other /tunnel route: `app.use("/tunnel/*", requireBridgeToken)`. */
export const requireBridgeToken = requireBearer("BRIDGE_TOKEN");

export interface TunnelConfig {
  loginPort: number;
  rooms: { id: number; port: number; game: string; name: string }[];
}

export const tunnelConfig: Handler<{ Bindings: Env }> = (c) => {
  try {
    const config = loadConfig(c.env);
    const body: TunnelConfig = {
      loginPort: config.loginPort,
      rooms: config.rooms.map((r) => ({ id: r.id, port: r.port, game: r.game, name: r.name })),
    };
    return c.json(body);
  } catch (e) {
    if (e instanceof ConfigError) return c.json({ error: e.message }, 500);
    throw e;
  }
};
