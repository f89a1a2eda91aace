import { Hono } from "hono";

export { Directory } from "../durable-objects/directory.ts";
export { Room } from "../durable-objects/room.ts";

const app = new Hono<{ Bindings: Env }>();

app.get("/health", (c) => c.json({ ok: true }));

export default app;
