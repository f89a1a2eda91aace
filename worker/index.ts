import { Hono } from "hono";
import { roomTunnel } from "../durable-objects/room/tunnel-route.ts";
import { admin } from "./admin.ts";
import { loginTunnel } from "./login/tunnel.ts";
import { statusJson } from "./status.ts";
import { requireBridgeToken, tunnelConfig } from "./tunnel-auth.ts";

export { Directory } from "../durable-objects/directory.ts";
export { LoginLimiter } from "../durable-objects/login-limiter.ts";
export { Room } from "../durable-objects/room.ts";

const app = new Hono<{ Bindings: Env }>();

app.get("/health", (c) => c.json({ ok: true }));

// Every /tunnel route needs the bridge token: keep this before the other /tunnel routes.
app.use("/tunnel/*", requireBridgeToken);
app.get("/tunnel/config", tunnelConfig);
app.get("/tunnel/login", loginTunnel);
app.get("/tunnel/room/:id", roomTunnel);
app.route("/admin", admin);
app.get("/status.json", statusJson);

export default app;
