import { env, SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { verifyLogin } from "../../edge/accounts.ts";
import { chatBody, join, leaveAll, serverMessageCode, type TunnelClient, textOf } from "./room-helpers.ts";

vi.setConfig({ testTimeout: 60_000 });

const ADMIN = { Authorization: "Bearer test-admin", "Content-Type": "application/json" };

function patchRoom(id: number, body: unknown, headers: Record<string, string> = ADMIN) {
  return SELF.fetch(`http://edge/admin/rooms/${id}`, { method: "PATCH", headers, body: JSON.stringify(body) });
}

async function expectRefused(client: TunnelClient, code: number): Promise<void> {
  const p = await client.next();
  expect([p.type, serverMessageCode(p)]).toEqual([3, code]);
  await client.waitClosed();
}

describe("GET /admin/rooms", () => {
  it("lists every configured room with its live counts and the limits in effect", async () => {
    const a = await join(0, { nick: "Lister" });
    expect((await a.client.next()).type).toBe(9);
    const res = await SELF.fetch("http://edge/admin/rooms", { headers: ADMIN });
    expect(res.status).toBe(200);
    const body = await res.json<{ rooms: { room: { id: number }; players: number; capacity: number }[] }>();
    expect(body.rooms.map((r) => r.room.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(body.rooms[0]).toMatchObject({ players: 1, capacity: 32, overrides: {} });
    await leaveAll(0, a.client);
    expect((await SELF.fetch("http://edge/admin/rooms")).status).toBe(401);
  });
});

describe("PATCH /admin/rooms/:id takes effect at once", () => {
  it("capacity and join messages apply to the next login; null goes back to the configured value", async () => {
    const res = await patchRoom(3, { capacity: 1, joinMessages: ["Finals tonight"] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ room: { id: 3, capacity: 1 }, overrides: { capacity: 1 } });

    const first = await join(3, { nick: "First" });
    const login = await first.client.next();
    expect(login.type).toBe(9);
    // room_login_successful carries the room's capacity (maximum players per room).
    expect(new DataView(login.payload.buffer, login.payload.byteOffset).getInt16(4)).toBe(1);
    expect(textOf(await first.client.nextOfType(10))).toBe("Finals tonight");
    const second = await join(3, { nick: "Second" });
    await expectRefused(second.client, 13);

    expect((await patchRoom(3, { capacity: null })).status).toBe(200);
    const third = await join(3, { nick: "Third" });
    expect((await third.client.next()).type).toBe(9);
    await leaveAll(3, first.client, third.client);

    const audit = await env.DB.prepare(
      "SELECT * FROM audit_log WHERE action = 'room.update' AND target = 'room:3'",
    ).all<Record<string, unknown>>();
    expect(audit.results.map((r) => r.actor)).toEqual(["admin-token", "admin-token"]);
  });

  it("PATCH locked is the room's .lock: staff get in, others get 4; .unlock opens; both audited; GET shows it", async () => {
    const locked = await patchRoom(5, { locked: true });
    expect(await locked.json()).toMatchObject({ room: { id: 5, locked: true } });
    const shown = async () =>
      (await (await SELF.fetch("http://edge/admin/rooms/5", { headers: ADMIN })).json<{ room: { locked?: boolean } }>())
        .room.locked;
    expect(await shown()).toBe(true);
    const player = await join(5, { nick: "Outsider" });
    const refusal = await player.client.next();
    // The same refusal as after `.lock` (durable-objects/room/moderation.ts admit).
    expect([refusal.type, serverMessageCode(refusal)]).toEqual([3, 4]);
    await player.client.waitClosed();
    const staff = await join(5, { nick: "Warden", adminLevel: 2 });
    expect((await staff.client.next()).type).toBe(9);
    // The dot command sees the lock PATCH set, and opens the room for everyone.
    staff.client.send(200, chatBody(staff.userId, "Warden", ".unlock"));
    for (let i = 0; i < 20; i++) if (textOf(await staff.client.nextOfType(10)) === "The room is open again.") break;
    expect(await shown()).toBe(false);
    const later = await join(5, { nick: "Latecomer" });
    expect((await later.client.next()).type).toBe(9);
    await leaveAll(5, staff.client, later.client);
    const rows = await env.DB.prepare(
      "SELECT actor, action FROM audit_log WHERE target = 'room:5' AND action LIKE 'room.%' ORDER BY id",
    ).all<{ actor: string; action: string }>();
    expect(rows.results).toEqual([
      { actor: "admin-token", action: "room.lock" },
      { actor: `user:${staff.userId}`, action: "room.unlock" },
    ]);
    // Unlocking an open room changes nothing and writes no row.
    expect((await patchRoom(5, { locked: false })).status).toBe(200);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE target = 'room:5'").first("n");
    expect(after).toBe(2);

    expect((await patchRoom(0, { guests: false })).status).toBe(200);
    const guest = await join(0, { guest: true, nick: "Visitor" });
    await expectRefused(guest.client, 4);
    expect((await patchRoom(0, { guests: null })).status).toBe(200);
  });

  it("answers bad input with 400 and an unknown room with 404", async () => {
    for (const body of [{ capacity: 0 }, { capacity: 100000 }, { nope: 1 }, { joinMessages: "x" }]) {
      const res = await patchRoom(1, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toHaveProperty("error");
    }
    expect((await patchRoom(99, { capacity: 2 })).status).toBe(404);
  });
});

describe("the API document and its reference page", () => {
  it("serves OpenAPI 3.1 with every admin route, and /admin/docs", async () => {
    const doc = await (await SELF.fetch("http://edge/admin/openapi.json", { headers: ADMIN })).json<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths["/rooms/{id}"] ?? {}).sort()).toEqual(["get", "patch"]);
    for (const path of ["/rooms", "/users", "/users/{id}", "/audit"]) expect(doc.paths).toHaveProperty([path]);
    const page = await SELF.fetch("http://edge/admin/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toContain("text/html");
    expect(await page.text()).toContain("/admin/openapi.json");
  });
});

describe("web sign-in and the admin API by cookie", () => {
  async function signInAs(name: string, password: string, address = "192.0.2.1") {
    const form = await SELF.fetch("http://edge/admin/signin", { headers: { "CF-Connecting-IP": address } });
    const pre = /myth_csrf=([^;]+)/.exec(form.headers.get("Set-Cookie") ?? "")?.[1] ?? "";
    expect(await form.text()).toContain(`value="${pre}"`);
    return SELF.fetch("http://edge/admin/signin", {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: `myth_csrf=${pre}`, "CF-Connecting-IP": address },
      body: new URLSearchParams({ username: name, password, _csrf: pre }),
    });
  }

  it("staff get a Secure HttpOnly SameSite=Strict cookie; unsafe API calls need the CSRF header", async () => {
    const created = await SELF.fetch("http://edge/admin/users", {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ username: "Keeper", password: "pw-keeper" }),
    });
    const { id } = await created.json<{ id: number }>();
    await SELF.fetch(`http://edge/admin/users/${id}`, {
      method: "PATCH",
      headers: ADMIN,
      body: JSON.stringify({ adminLevel: 2 }),
    });
    const res = await signInAs("keeper", "pw-keeper");
    expect(res.status).toBe(303);
    const setCookie = res.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(/myth_session=[A-Za-z0-9_-]{40,}/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Secure/); // not a loopback host
    const cookie = /myth_session=[^;]+/.exec(setCookie)?.[0] as string;

    expect((await SELF.fetch("http://edge/admin/rooms", { headers: { Cookie: cookie } })).status).toBe(200);
    const forged = await patchRoom(2, { capacity: 4 }, { Cookie: cookie, "Content-Type": "application/json" });
    expect(forged.status).toBe(403);
    const page = await (await SELF.fetch("http://edge/admin/", { headers: { Cookie: cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    const ok = await patchRoom(
      2,
      { capacity: 4 },
      { Cookie: cookie, "Content-Type": "application/json", "X-CSRF-Token": csrf },
    );
    expect(ok.status).toBe(200);
    const row = await env.DB.prepare(
      "SELECT actor FROM audit_log WHERE action = 'room.update' AND target = 'room:2'",
    ).first("actor");
    expect(row).toBe("staff:keeper");
    // Only a hash of the token is stored.
    const stored = await env.DB.prepare("SELECT token_hash FROM web_sessions").all<{ token_hash: string }>();
    expect(stored.results.some((r) => cookie.includes(r.token_hash))).toBe(false);
  });

  it("a ban in force (bans table) or a disabled account refuses sign-in and ends a session; lifting lets back in", async () => {
    const created = await SELF.fetch("http://edge/admin/users", {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ username: "Banwarden", password: "pw-banw" }),
    });
    const { id } = await created.json<{ id: number }>();
    await SELF.fetch(`http://edge/admin/users/${id}`, { method: "PATCH", headers: ADMIN, body: '{"adminLevel":1}' });
    const signed = await signInAs("banwarden", "pw-banw", "192.0.2.40");
    expect(signed.status).toBe(303);
    const cookie = /myth_session=[^;]+/.exec(signed.headers.get("Set-Cookie") ?? "")?.[0] as string;
    expect((await SELF.fetch("http://edge/admin/rooms", { headers: { Cookie: cookie } })).status).toBe(200);

    const banned = await SELF.fetch("http://edge/admin/bans", {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ kind: "account", userId: id, reason: "testing", durationSeconds: 3600 }),
    });
    const { ban } = await banned.json<{ ban: { id: number } }>();
    expect((await SELF.fetch("http://edge/admin/rooms", { headers: { Cookie: cookie } })).status).toBe(401);
    const refused = await signInAs("banwarden", "pw-banw", "192.0.2.40");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("Set-Cookie") ?? "").not.toContain("myth_session");
    await SELF.fetch(`http://edge/admin/bans/${ban.id}`, { method: "DELETE", headers: ADMIN });
    expect((await signInAs("banwarden", "pw-banw", "192.0.2.40")).status).toBe(303);

    // An address ban covers a sign-in from that address only.
    await SELF.fetch("http://edge/admin/bans", {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ kind: "address", address: "192.0.2.41", reason: "testing" }),
    });
    expect((await signInAs("banwarden", "pw-banw", "192.0.2.41")).status).toBe(401);
    expect((await signInAs("banwarden", "pw-banw", "192.0.2.42")).status).toBe(303);

    await SELF.fetch(`http://edge/admin/users/${id}`, { method: "PATCH", headers: ADMIN, body: '{"disabled":true}' });
    expect((await signInAs("banwarden", "pw-banw", "192.0.2.42")).status).toBe(401);
  });

  it("sign-in failures count against the address like game logins: then 429", async () => {
    // Unknown names: the account's own delay (LOGIN_ACCOUNT_*) stays out of it, the address's budget runs out.
    for (let i = 0; i < 10; i++) expect((await signInAs(`nobody${i}`, "wrong", "198.51.100.99")).status).toBe(401);
    expect((await signInAs("keeper", "pw-keeper", "198.51.100.99")).status).toBe(429);
    expect((await signInAs("keeper", "pw-keeper", "198.51.100.100")).status).toBe(303);
  });

  it("a sign-in form without its CSRF token is refused", async () => {
    const res = await SELF.fetch("http://edge/admin/signin", {
      method: "POST",
      body: new URLSearchParams({ username: "keeper", password: "pw-keeper" }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("Set-Cookie") ?? "").not.toContain("myth_session");
  });
});

describe("accounts: level, search, password reset", () => {
  it("PATCH sets the level, GET ?query= finds by name or nick, POST password replaces it", async () => {
    const created = await SELF.fetch("http://edge/admin/users", {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ username: "Resettable", password: "old-pw", nick: "Findme" }),
    });
    const { id } = await created.json<{ id: number }>();
    const patched = await SELF.fetch(`http://edge/admin/users/${id}`, {
      method: "PATCH",
      headers: ADMIN,
      body: JSON.stringify({ adminLevel: 1, team: "Owls" }),
    });
    expect(await patched.json()).toMatchObject({ adminLevel: 1, team: "Owls" });
    const found = await (await SELF.fetch("http://edge/admin/users?query=findm", { headers: ADMIN })).json<{
      users: { id: number }[];
    }>();
    expect(found.users.map((u) => u.id)).toContain(id);

    const put = (password: string, user = id) =>
      SELF.fetch(`http://edge/admin/users/${user}/password`, {
        method: "POST",
        headers: ADMIN,
        body: JSON.stringify({ password }),
      });
    expect((await put("x".repeat(16))).status).toBe(400);
    expect((await put("new-pw", 999999)).status).toBe(404);
    expect((await put("new-pw")).status).toBe(204);
    expect(await verifyLogin(env.DB, "resettable", "old-pw")).toBeNull();
    expect(await verifyLogin(env.DB, "resettable", "new-pw")).toMatchObject({ id });
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'user.password' AND target = ?")
      .bind(`user:${id}`)
      .first<{ detail: string }>();
    expect(audit?.detail).not.toContain("new-pw");
  });
});

describe("dashboard forms", () => {
  it("a signed-in POST that is not a form is refused like a missing CSRF token (403), not a 500", async () => {
    const created = await SELF.fetch("http://edge/admin/users", {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ username: "Formless", password: "pw-formless" }),
    });
    const { id } = await created.json<{ id: number }>();
    await SELF.fetch(`http://edge/admin/users/${id}`, { method: "PATCH", headers: ADMIN, body: '{"adminLevel":1}' });
    const form = await SELF.fetch("http://edge/admin/signin", { headers: { "CF-Connecting-IP": "192.0.2.77" } });
    const pre = /myth_csrf=([^;]+)/.exec(form.headers.get("Set-Cookie") ?? "")?.[1] ?? "";
    const signed = await SELF.fetch("http://edge/admin/signin", {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: `myth_csrf=${pre}`, "CF-Connecting-IP": "192.0.2.77" },
      body: new URLSearchParams({ username: "formless", password: "pw-formless", _csrf: pre }),
    });
    const cookie = /myth_session=[^;]+/.exec(signed.headers.get("Set-Cookie") ?? "")?.[0] as string;
    const res = await SELF.fetch("http://edge/admin/dashboard/rooms/0/message", {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "application/json" },
      body: '{"text":"x"}',
    });
    expect(res.status).toBe(403);
    const notAForm = await SELF.fetch("http://edge/admin/signin", {
      method: "POST",
      body: "{",
      headers: { "Content-Type": "application/json" },
    });
    expect(notAForm.status).toBe(403);
  });
});
