/** One error policy for HTTP: every failure is JSON {"error"} with its status (worker/errors.ts). */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app.ts";

const BRIDGE = { Authorization: "Bearer test-bridge" };
const ADMIN = { Authorization: "Bearer test-admin", "Content-Type": "application/json" };

async function jsonError(res: Response): Promise<string> {
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  const body = await res.json<{ error: unknown }>();
  expect(typeof body.error).toBe("string");
  return body.error as string;
}

describe("HTTP errors are JSON", () => {
  it("an unknown route is 404", async () => {
    const res = await SELF.fetch("http://edge/no/such/thing");
    expect(res.status).toBe(404);
    expect(await jsonError(res)).toBe("no route for GET /no/such/thing");
  });

  it("a non-upgrade request to a tunnel is 426", async () => {
    for (const path of ["/tunnel/login", "/tunnel/room/0"]) {
      const res = await SELF.fetch(`http://edge${path}`, { headers: BRIDGE });
      expect(res.status).toBe(426);
      expect(await jsonError(res)).toBe("expected a WebSocket upgrade");
    }
    const unknown = await SELF.fetch("http://edge/tunnel/room/999", { headers: { ...BRIDGE, Upgrade: "websocket" } });
    expect(unknown.status).toBe(404);
    expect(await jsonError(unknown)).toMatch(/unknown room/);
  });

  it("a malformed JSON body is 400, a body of the wrong shape is 400 naming the field", async () => {
    const bad = await SELF.fetch("http://edge/admin/users", { method: "POST", headers: ADMIN, body: "{nope" });
    expect(bad.status).toBe(400);
    await jsonError(bad);
    const shape = await SELF.fetch("http://edge/admin/users", {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ username: 5, password: "x" }),
    });
    expect(shape.status).toBe(400);
    expect(await jsonError(shape)).toMatch(/username/);
    const id = await SELF.fetch("http://edge/admin/users/abc", { headers: ADMIN });
    expect(id.status).toBe(400);
    expect(await jsonError(id)).toMatch(/id/);
  });

  it("an invalid Worker var is 500 naming the var, never a silent default", async () => {
    for (const [name, value] of [
      ["ALLOW_GUESTS", "maybe"],
      ["LOGIN_MAX_FAILURES", "-3"],
      ["LOGIN_TIMEOUT_SECONDS", "soon"],
      ["ROOM_CONFIG", "[{"],
    ] as const) {
      const res = await app.request("/status.json", {}, { ...env, [name]: value });
      expect(res.status).toBe(500);
      expect(await jsonError(res)).toContain(name);
    }
  });

  it("the admin API describes itself (OpenAPI 3.1) from the same schemas that validate", async () => {
    const res = await SELF.fetch("http://edge/admin/openapi.json", { headers: ADMIN });
    expect(res.status).toBe(200);
    const doc = await res.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/users", "/users/{id}", "/rooms/{id}"]));
  });
});
