import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app.ts";

const ADMIN = { Authorization: "Bearer test-admin", "Content-Type": "application/json" };

function postUser(body: unknown, headers: Record<string, string> = ADMIN) {
  return SELF.fetch("http://edge/admin/users", {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("admin API", () => {
  it("refuses requests without the admin token (401) or with a wrong one", async () => {
    expect((await postUser({ username: "x", password: "y" }, { "Content-Type": "application/json" })).status).toBe(401);
    const wrong = await postUser({ username: "x", password: "y" }, { Authorization: "Bearer test-adminX" });
    expect(wrong.status).toBe(401);
    const bridgeToken = await postUser({ username: "x", password: "y" }, { Authorization: "Bearer test-bridge" });
    expect(bridgeToken.status).toBe(401);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users").first("n")).toBe(0);
  });

  it("creates a user (201), refuses the same name again (409), writes an audit row", async () => {
    const res = await postUser({ username: "Eve", password: "pw", nick: "Evie", team: "Crows" });
    expect(res.status).toBe(201);
    const created = await res.json<{ id: number; username: string }>();
    expect(created).toEqual({ id: expect.any(Number), username: "eve" });

    const again = await postUser({ username: "|bEVE", password: "other" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ reason: "duplicate" });

    const audit = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'user.create'").all<
      Record<string, unknown>
    >();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]).toMatchObject({ actor: "admin-token", target: String(created.id) });
    expect(JSON.parse(audit.results[0]?.detail as string)).toEqual({ username: "Eve" });

    const got = await SELF.fetch(`http://edge/admin/users/${created.id}`, { headers: ADMIN });
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id: created.id, username: "eve", nick: "Evie", team: "Crows" });
    const missing = await SELF.fetch("http://edge/admin/users/424242", { headers: ADMIN });
    expect(missing.status).toBe(404);
  });

  it("answers bad input with 400 and a JSON error, and writes nothing", async () => {
    for (const body of ["not json", [], { username: "frank" }, { username: "frank", password: "x".repeat(16) }]) {
      const res = await postUser(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toHaveProperty("error");
    }
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE username = 'frank'").first("n")).toBe(0);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE detail LIKE '%frank%'").first("n")).toBe(0);
  });
});

describe("tunnel auth", () => {
  it("refuses /tunnel without the bridge token or with a wrong one", async () => {
    expect((await SELF.fetch("http://edge/tunnel/config")).status).toBe(401);
    const wrong = await SELF.fetch("http://edge/tunnel/config", { headers: { Authorization: "Bearer test-admin" } });
    expect(wrong.status).toBe(401);
    const login = await SELF.fetch("http://edge/tunnel/login", { headers: { Upgrade: "websocket" } });
    expect(login.status).toBe(401);
  });

  it("gives the bridge its port map", async () => {
    const res = await SELF.fetch("http://edge/tunnel/config", { headers: { Authorization: "Bearer test-bridge" } });
    expect(res.status).toBe(200);
    const body = await res.json<{
      loginPort: number;
      rooms: { id: number; port: number; game: string; name: string }[];
    }>();
    expect(body.loginPort).toBe(6321);
    expect(body.rooms[0]).toEqual({ id: 0, port: 6323, game: "myth2", name: "Unranked" });
    expect(body.rooms.map((r) => r.game)).toContain("marathon");
  });
});

describe("secure by default", () => {
  it("refuses everything with 503 when the token secret is not set", async () => {
    const noSecrets = { ...env, ADMIN_TOKEN: "", BRIDGE_TOKEN: "" };
    const res = await app.request("/admin/users", { method: "POST", headers: ADMIN, body: "{}" }, noSecrets);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "ADMIN_TOKEN is not configured on this server" });
    const tunnel = await app.request("/tunnel/config", { headers: { Authorization: "Bearer " } }, noSecrets);
    expect(tunnel.status).toBe(503);
  });
});

describe("admin room view", () => {
  it("shows a configured room as its object sees it, 404 for an unknown one, 401 without the token", async () => {
    const res = await SELF.fetch("http://edge/admin/rooms/0", { headers: ADMIN });
    expect(res.status).toBe(200);
    const body = await res.json<{
      room: { id: number; game: string };
      players: unknown[];
      instanceStartedAt: number;
    }>();
    expect(body.room).toMatchObject({ id: 0, game: "myth2" });
    expect(body.players).toEqual([]);
    expect(body.instanceStartedAt).toBeGreaterThan(0);
    expect((await SELF.fetch("http://edge/admin/rooms/999", { headers: ADMIN })).status).toBe(404);
    expect((await SELF.fetch("http://edge/admin/rooms/0")).status).toBe(401);
  });
});
