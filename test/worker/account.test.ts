/**
 * The player web account (/account/) inside workerd: a form post without the session's CSRF
 * token is refused (403) and changes nothing; with it the change lands and is audited as
 * "user:<id>"; self-registration is off by default, and when the operator turns it on each
 * address has its daily budget.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { app } from "../../worker/app.ts";

vi.setConfig({ testTimeout: 60_000 });

const ADMIN = { Authorization: "Bearer test-admin", "Content-Type": "application/json" };

async function createUser(username: string, password: string): Promise<number> {
  const res = await SELF.fetch("http://edge/admin/users", {
    method: "POST",
    headers: ADMIN,
    body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(201);
  return (await res.json<{ id: number }>()).id;
}

/** Signs in through the form (pre-session CSRF cookie first); returns the session cookie. */
async function signIn(name: string, password: string, address: string): Promise<string> {
  const form = await SELF.fetch("http://edge/account/signin", { headers: { "CF-Connecting-IP": address } });
  const pre = /myth_csrf=([^;]+)/.exec(form.headers.get("Set-Cookie") ?? "")?.[1] ?? "";
  const res = await SELF.fetch("http://edge/account/signin", {
    method: "POST",
    redirect: "manual",
    headers: { Cookie: `myth_csrf=${pre}`, "CF-Connecting-IP": address },
    body: new URLSearchParams({ username: name, password, _csrf: pre }),
  });
  expect(res.status).toBe(303);
  const session = /myth_session=([^;]+)/.exec(res.headers.get("Set-Cookie") ?? "")?.[1];
  if (!session) throw new Error("no session cookie");
  return `myth_session=${session}`;
}

async function csrfOf(cookie: string): Promise<string> {
  const page = await (await SELF.fetch("http://edge/account/", { headers: { Cookie: cookie } })).text();
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error("no CSRF field on the account page");
  return token;
}

function post(path: string, cookie: string, fields: Record<string, string>) {
  return SELF.fetch(`http://edge${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { Cookie: cookie },
    body: new URLSearchParams(fields),
  });
}

describe("account pages", () => {
  it("signed out, the account page sends to the sign-in form", async () => {
    const res = await SELF.fetch("http://edge/account/", { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/account/signin");
  });

  it("a player (admin level 0) signs in; a form post without the CSRF token is refused and changes nothing", async () => {
    const id = await createUser("Webber", "pw-webber");
    const cookie = await signIn("webber", "pw-webber", "192.0.2.31");
    const fields = { city: "Tyr", state: "", country: "Province", quote: "<b>loud</b>" };

    const refused = await post("/account/profile", cookie, fields);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "missing or wrong CSRF token" });
    const wrong = await post("/account/profile", cookie, { ...fields, _csrf: "not-the-token" });
    expect(wrong.status).toBe(403);
    const before = await env.DB.prepare("SELECT city FROM users WHERE id = ?").bind(id).first<{ city: string }>();
    expect(before?.city).toBe("");

    const ok = await post("/account/profile", cookie, { ...fields, _csrf: await csrfOf(cookie) });
    expect(ok.status).toBe(303);
    const after = await env.DB.prepare("SELECT city, quote FROM users WHERE id = ?").bind(id).first();
    expect(after).toEqual({ city: "Tyr", quote: "<b>loud</b>" });
    // Escaped on the page, audited under the player's own id.
    const page = await (await SELF.fetch("http://edge/account/", { headers: { Cookie: cookie } })).text();
    expect(page).toContain("&lt;b&gt;loud&lt;/b&gt;");
    expect(page).not.toContain("<b>loud</b>");
    const audit = await env.DB.prepare("SELECT actor, action FROM audit_log WHERE actor = ? ORDER BY id DESC")
      .bind(`user:${id}`)
      .first();
    expect(audit).toEqual({ actor: `user:${id}`, action: "account.profile" });
  });

  it("a wrong current password does not change the password", async () => {
    await createUser("Keeper2", "pw-keep");
    const cookie = await signIn("keeper2", "pw-keep", "192.0.2.32");
    const csrf = await csrfOf(cookie);
    const res = await post("/account/password", cookie, { old: "nope", new: "pw-new", repeat: "pw-new", _csrf: csrf });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("The current password is wrong.");
    await signIn("keeper2", "pw-keep", "192.0.2.33");
  });
});

describe("self-registration", () => {
  it("is off by default: the form is 404 and a post creates no account", async () => {
    expect((await SELF.fetch("http://edge/account/register")).status).toBe(404);
    const res = await SELF.fetch("http://edge/account/register", {
      method: "POST",
      body: new URLSearchParams({ username: "Sneaky", password: "pw", repeat: "pw" }),
    });
    expect(res.status).toBe(404);
    const row = await env.DB.prepare("SELECT id FROM users WHERE username = 'sneaky'").first();
    expect(row).toBeNull();
  });

  it("when the operator allows it, an address may create SELF_REGISTRATIONS_PER_DAY accounts", async () => {
    const on = { ...env, ALLOW_SELF_REGISTRATION: "true", SELF_REGISTRATIONS_PER_DAY: "2" } as Env;
    const call = async (init: RequestInit & { headers?: Record<string, string> } = {}) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request("http://edge/account/register", init), on, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const form = await call({ headers: { "CF-Connecting-IP": "198.51.100.40" } });
    expect(form.status).toBe(200);
    const pre = /myth_csrf=([^;]+)/.exec(form.headers.get("Set-Cookie") ?? "")?.[1] ?? "";
    const register = (name: string) =>
      call({
        method: "POST",
        redirect: "manual",
        headers: { Cookie: `myth_csrf=${pre}`, "CF-Connecting-IP": "198.51.100.40" },
        body: new URLSearchParams({ username: name, password: "pw-self", repeat: "pw-self", _csrf: pre }),
      });
    expect((await register("Selfmade1")).status).toBe(303);
    expect((await register("Selfmade2")).status).toBe(303);
    expect((await register("Selfmade3")).status).toBe(429);
    const made = await env.DB.prepare("SELECT id FROM users WHERE username LIKE 'selfmade%' ORDER BY id").all<{
      id: number;
    }>();
    expect(made.results).toHaveLength(2);
    const audit = await env.DB.prepare(
      "SELECT actor FROM audit_log WHERE action = 'account.register' ORDER BY id",
    ).all();
    expect(audit.results.map((r) => r.actor)).toEqual(made.results.map((r) => `user:${r.id}`));
    // The new account signs in on the ordinary form.
    await signIn("selfmade1", "pw-self", "198.51.100.41");
  });
});
