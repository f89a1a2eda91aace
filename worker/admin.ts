/**
 * /admin/* — operator API, bearer ADMIN_TOKEN. Every change writes an audit_log row in the
 * same D1 batch as the change itself.
 */
import { Hono } from "hono";
import { createAccount, getAccount, type NewAccount } from "./accounts.ts";
import { requireBearer } from "./bearer.ts";
import { ConfigError, loadConfig, roomById } from "./config.ts";
import { roomControl } from "./room-control.ts";

/** Mount with `app.route("/admin", admin)`. */
export const admin = new Hono<{ Bindings: Env }>();

admin.use("*", requireBearer("ADMIN_TOKEN"));

admin.post("/users", async (c) => {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json({ error: "body must be JSON: {username, password, nick?, team?}" }, 400);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return c.json({ error: "body must be a JSON object: {username, password, nick?, team?}" }, 400);
  }
  const { username, password, nick, team } = body as Record<string, unknown>;
  const input = { username, password, nick, team } as NewAccount;
  const result = await createAccount(c.env.DB, input, {
    audit: { actor: "admin-token", action: "user.create", detail: { username } },
  });
  if (!result.ok)
    return c.json({ error: result.message, reason: result.reason }, result.reason === "duplicate" ? 409 : 400);
  return c.json({ id: result.account.id, username: result.account.username }, 201);
});

admin.get("/users/:id", async (c) => {
  const id = Number(c.req.param("id"));
  if (!Number.isInteger(id) || id < 1) return c.json({ error: "id must be a positive integer" }, 400);
  const account = await getAccount(c.env.DB, id);
  if (!account) return c.json({ error: "no such user" }, 404);
  const { playerData, ...rest } = account;
  return c.json({ ...rest, hasPlayerData: playerData !== null });
});

/** One room as its Durable Object sees it right now (this wakes the room if it was asleep). */
admin.get("/rooms/:id", async (c) => {
  const id = Number(c.req.param("id"));
  let room: ReturnType<typeof roomById>;
  try {
    room = Number.isInteger(id) ? roomById(loadConfig(c.env), id) : undefined;
  } catch (e) {
    if (e instanceof ConfigError) return c.json({ error: `server misconfigured: ${e.message}` }, 500);
    throw e;
  }
  if (!room) return c.json({ error: "no such room" }, 404);
  const status = await roomControl(c.env, id).status();
  return c.json({ room, ...status });
});
