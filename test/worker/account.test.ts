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

describe("buddies, order, nick and password on the web", () => {
  it("adds a buddy by name and removes it (the rows of message 120)", async () => {
    const me = await createUser("Pal1", "pw-pal1");
    const friend = await createUser("Pal2", "pw-pal2");
    const cookie = await signIn("pal1", "pw-pal1", "192.0.2.41");
    const csrf = await csrfOf(cookie);
    expect((await post("/account/buddies/add", cookie, { name: "PAL2", _csrf: csrf })).status).toBe(303);
    const rows = () => env.DB.prepare("SELECT buddy_id FROM buddies WHERE user_id = ?").bind(me).all();
    expect((await rows()).results).toEqual([{ buddy_id: friend }]);
    const unknown = await post("/account/buddies/add", cookie, { name: "nobody-here", _csrf: csrf });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("No account has that name.");
    expect((await post("/account/buddies/remove", cookie, { id: String(friend), _csrf: csrf })).status).toBe(303);
    expect((await rows()).results).toEqual([]);
  });

  it("founds an order, another player joins with the member password, edits need the maintenance password", async () => {
    const founder = await createUser("Crowfounder", "pw-crow1");
    const joiner = await createUser("Crowjoiner", "pw-crow2");
    const a = await signIn("crowfounder", "pw-crow1", "192.0.2.51");
    const b = await signIn("crowjoiner", "pw-crow2", "192.0.2.52");
    const [csrfA, csrfB] = [await csrfOf(a), await csrfOf(b)];
    const created = await post("/account/order/create", a, {
      name: "Crows",
      memberPassword: "caw",
      maintenancePassword: "keep",
      motto: "Caw",
      url: "",
      _csrf: csrfA,
    });
    expect(created.status).toBe(303);
    const wrong = await post("/account/order/join", b, { name: "crows", password: "nope", _csrf: csrfB });
    expect(wrong.status).toBe(403);
    expect((await post("/account/order/join", b, { name: "crows", password: "caw", _csrf: csrfB })).status).toBe(303);
    const members = await env.DB.prepare(
      "SELECT m.user_id FROM order_members m JOIN orders o ON o.id = m.order_id WHERE o.name = 'crows' ORDER BY m.user_id",
    ).all();
    expect(members.results).toEqual([{ user_id: founder }, { user_id: joiner }]);
    const page = await (await SELF.fetch("http://edge/account/order", { headers: { Cookie: b } })).text();
    expect(page).toContain("Crowfounder");

    const edit = { motto: "Caw caw", url: "https://crows.example", memberPassword: "", maintenancePassword: "" };
    expect((await post("/account/order/edit", b, { ...edit, maintenance: "caw", _csrf: csrfB })).status).toBe(403);
    expect((await post("/account/order/edit", b, { ...edit, maintenance: "keep", _csrf: csrfB })).status).toBe(303);
    const order = await env.DB.prepare("SELECT motto, url FROM orders WHERE name = 'crows'").first();
    expect(order).toEqual({ motto: "Caw caw", url: "https://crows.example" });

    expect((await post("/account/order/leave", b, { _csrf: csrfB })).status).toBe(303);
    const actions = await env.DB.prepare("SELECT action FROM audit_log WHERE actor = ? ORDER BY id")
      .bind(`user:${joiner}`)
      .all<{ action: string }>();
    expect(actions.results.map((r) => r.action)).toEqual([
      "account.order.join",
      "account.order.edit",
      "account.order.leave",
    ]);
  });

  it("changes the nick, and the password with the current one (the old stops working, sessions end)", async () => {
    const id = await createUser("Renamer", "pw-old");
    const cookie = await signIn("renamer", "pw-old", "192.0.2.61");
    const csrf = await csrfOf(cookie);
    expect((await post("/account/nick", cookie, { nick: "Nimble", _csrf: csrf })).status).toBe(303);
    expect(await env.DB.prepare("SELECT nick FROM users WHERE id = ?").bind(id).first()).toEqual({ nick: "Nimble" });
    const changed = await post("/account/password", cookie, {
      old: "pw-old",
      new: "pw-new",
      repeat: "pw-new",
      _csrf: csrf,
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get("Location")).toMatch(/^\/account\/signin/);
    // This session ended with the change; the new password signs in.
    const after = await SELF.fetch("http://edge/account/", { headers: { Cookie: cookie }, redirect: "manual" });
    expect(after.status).toBe(303);
    await expect(signIn("renamer", "pw-old", "192.0.2.62")).rejects.toThrow();
    await signIn("renamer", "pw-new", "192.0.2.62");
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE actor = ? ORDER BY id")
      .bind(`user:${id}`)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["user.update", "user.password"]);
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
