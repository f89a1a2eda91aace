/** GET /health: healthy only when the edge can serve players (worker/routes/health.ts). */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app.ts";

interface Health {
  ok: boolean;
  error?: string;
  checks: Record<string, string>;
}

describe("/health", () => {
  it("is 200 with every check ok when vars, secrets and the schema are in place", async () => {
    const res = await SELF.fetch("http://edge/health");
    expect(res.status).toBe(200);
    expect(await res.json<Health>()).toEqual({ ok: true, checks: { config: "ok", secrets: "ok", database: "ok" } });
  });

  it("is 503 naming a bad var, never its value", async () => {
    const res = await app.request("/health", {}, { ...env, LOGIN_TIMEOUT_SECONDS: "soon" });
    expect(res.status).toBe(503);
    const body = await res.json<Health>();
    expect(body.ok).toBe(false);
    expect(body.checks.config).toMatch(/LOGIN_TIMEOUT_SECONDS must be an integer/);
    expect(body.checks.database).toBe("ok");
  });

  it("is 503 when a secret is unset, naming it and not the other", async () => {
    const res = await app.request("/health", {}, { ...env, BRIDGE_TOKEN: "" });
    expect(res.status).toBe(503);
    const body = await res.json<Health>();
    expect(body.checks.secrets).toBe("not set: BRIDGE_TOKEN");
    expect(JSON.stringify(body)).not.toContain("test-admin");
  });
});
