/**
 * The moderation admin API in workerd with real D1: admin levels, account search and edits,
 * password resets, bans with their history, the audit log and its filters, and that the log
 * cannot be rewritten.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { verifyLogin } from "../../edge/accounts.ts";
import { findActiveBan } from "../../edge/moderation/bans.ts";

const ADMIN = { Authorization: "Bearer test-admin", "Content-Type": "application/json" };

function call(method: string, path: string, body?: unknown) {
  return SELF.fetch(`http://edge/admin${path}`, {
    method,
    headers: ADMIN,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function newUser(username: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await call("POST", "/users", { username, password: "pw", ...extra });
  expect(res.status).toBe(201);
  return (await res.json<{ id: number }>()).id;
}

describe("users", () => {
  it("POST /admin/users keeps adminLevel; PATCH changes level, nick, disabled, audited with before and after", async () => {
    const id = await newUser("modmary", { adminLevel: 1 });
    expect(await (await call("GET", `/users/${id}`)).json()).toMatchObject({ adminLevel: 1, disabled: false });

    const res = await call("PATCH", `/users/${id}`, { adminLevel: 2, nick: "Mary" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, adminLevel: 2, nick: "Mary" });
    const rows = await (await call("GET", `/audit?action=user.update&target=user:${id}`)).json<{
      entries: { actor: string; detail: { changes: Record<string, unknown> } }[];
    }>();
    expect(rows.entries).toHaveLength(1);
    expect(rows.entries[0]).toMatchObject({
      actor: "admin-token",
      detail: { changes: { adminLevel: { from: 1, to: 2 }, nick: { from: "modmary", to: "Mary" } } },
    });

    for (const bad of [{ adminLevel: 3 }, { adminLevel: -1 }, { nick: "" }, { unknown: 1 }]) {
      const r = await call("PATCH", `/users/${id}`, bad);
      expect(r.status).toBe(400);
      expect(await r.json()).toHaveProperty("error");
    }
    expect((await call("PATCH", "/users/999999", { nick: "x" })).status).toBe(404);
  });

  it("GET /admin/users searches by name, paged", async () => {
    await newUser("searchable1");
    await newUser("searchable2");
    const res = await call("GET", "/users?query=SEARCHABLE&page=0");
    const body = await res.json<{ users: { username: string }[]; total: number; pageSize: number }>();
    expect(body.total).toBe(2);
    expect(body.users.map((u) => u.username)).toEqual(["searchable1", "searchable2"]);
    const page2 = await (await call("GET", "/users?query=searchable&page=1")).json<{ users: unknown[] }>();
    expect(page2.users).toEqual([]);
    // LIKE wildcards in the query are taken literally.
    expect((await (await call("GET", "/users?query=%25")).json<{ total: number }>()).total).toBe(0);
  });

  it("POST /admin/users/:id/password resets it: the new one works, the old one not", async () => {
    const id = await newUser("forgetful");
    expect((await call("POST", `/users/${id}/password`, { password: "n3w" })).status).toBe(204);
    expect(await verifyLogin(env.DB, "forgetful", "pw")).toBeNull();
    expect(await verifyLogin(env.DB, "forgetful", "n3w")).toMatchObject({ id });
    expect((await call("POST", `/users/${id}/password`, { password: "x".repeat(16) })).status).toBe(400);
    expect((await call("POST", "/users/999999/password", { password: "x" })).status).toBe(404);
  });
});

describe("bans", () => {
  it("an account ban is stored, applies, is listed, lifted (history kept) and audited", async () => {
    const id = await newUser("troll");
    const res = await call("POST", "/bans", { kind: "account", userId: id, reason: "flaming", durationSeconds: 3600 });
    expect(res.status).toBe(201);
    const { ban, kicked } = await res.json<{
      ban: { id: number; expiresAt: number; active: boolean };
      kicked: number;
    }>();
    expect(kicked).toBe(0);
    expect(ban).toMatchObject({
      kind: "account",
      userId: id,
      reason: "flaming",
      active: true,
      createdBy: "admin-token",
    });
    const who = { userId: id, guest: false, userName: "troll", clientAddress: "198.51.100.1:1" };
    expect(await findActiveBan(env.DB, who)).toMatchObject({ id: ban.id });

    const listed = await (await call("GET", "/bans?active=true")).json<{ bans: { id: number }[] }>();
    expect(listed.bans.map((b) => b.id)).toContain(ban.id);

    const lifted = await call("DELETE", `/bans/${ban.id}`);
    expect(lifted.status).toBe(200);
    expect(await lifted.json()).toMatchObject({ id: ban.id, liftedBy: "admin-token", active: false });
    expect(await findActiveBan(env.DB, who)).toBeNull();
    expect((await call("DELETE", `/bans/${ban.id}`)).status).toBe(409);
    expect((await call("DELETE", "/bans/999999")).status).toBe(404);
    // History: the lifted ban is still there.
    const all = await (await call("GET", `/bans?userId=${id}`)).json<{ bans: { id: number; liftedAt: number }[] }>();
    expect(all.bans).toEqual([expect.objectContaining({ id: ban.id, liftedAt: expect.any(Number) })]);

    const actions = await (await call("GET", `/audit?actor=admin-token`)).json<{ entries: { action: string }[] }>();
    expect(actions.entries.map((e) => e.action)).toEqual(expect.arrayContaining(["ban.create", "ban.lift"]));
  });

  it("an address range covers every address in it; a guest-name ban the normalised name", async () => {
    const res = await call("POST", "/bans", { kind: "address", address: "203.0.113.77/24", reason: "botnet" });
    expect(await res.json()).toMatchObject({ ban: { address: "203.0.113.0/24", expiresAt: null } });
    const from = (a: string) => ({ userId: null, guest: true, userName: "anyone", clientAddress: a });
    expect(await findActiveBan(env.DB, from("203.0.113.200:4000"))).toMatchObject({ reason: "botnet" });
    expect(await findActiveBan(env.DB, from("203.0.114.1:4000"))).toBeNull();

    await call("POST", "/bans", { kind: "guest", guestName: "|bNoob", reason: "names" });
    expect(await findActiveBan(env.DB, { ...from("192.0.2.1:1"), userName: "NOOB" })).toMatchObject({
      reason: "names",
    });
    // A registered account of the same name is not a guest.
    expect(
      await findActiveBan(env.DB, { ...from("192.0.2.1:1"), userName: "noob", guest: false, userId: 4242 }),
    ).toBeNull();
  });

  it("refuses bad bans with 400 and unknown accounts with 404", async () => {
    for (const body of [
      { kind: "account" },
      { kind: "address", address: "not-an-ip" },
      { kind: "address", address: "1.2.3.4/33" },
      { kind: "guest" },
      { kind: "planet" },
      { kind: "address", address: "1.2.3.4", durationSeconds: 5, expiresAt: Date.now() + 5000 },
      { kind: "address", address: "1.2.3.4", expiresAt: 1000 },
    ]) {
      const r = await call("POST", "/bans", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(await r.json()).toHaveProperty("error");
    }
    expect((await call("POST", "/bans", { kind: "account", userId: 999999 })).status).toBe(404);
  });

  it("an expired ban stops applying by itself", async () => {
    const id = await newUser("shortban");
    await call("POST", "/bans", { kind: "account", userId: id, durationSeconds: 1 });
    const who = { userId: id, guest: false, userName: "shortban", clientAddress: "198.51.100.1:1" };
    expect(await findActiveBan(env.DB, who)).not.toBeNull();
    expect(await findActiveBan(env.DB, who, Date.now() + 1001)).toBeNull();
  });
});

describe("audit log", () => {
  it("is append-only: the database refuses updates and deletes", async () => {
    await expect(env.DB.prepare("UPDATE audit_log SET actor = 'me'").run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare("DELETE FROM audit_log").run()).rejects.toThrow(/append-only/);
  });

  it("pages with before and filters by action", async () => {
    for (const text of ["one", "two", "three"]) expect((await call("POST", "/announce", { text })).status).toBe(200);
    const first = await (await call("GET", "/audit?action=announce&limit=2")).json<{
      entries: { id: number; detail: { text: string } }[];
      next: number | null;
    }>();
    expect(first.entries.map((e) => e.detail.text)).toEqual(["three", "two"]);
    // `next` is the cursor of the following page, null on the last.
    expect(first.next).toBe(first.entries[1]?.id);
    const next = await (await call("GET", `/audit?action=announce&limit=2&before=${first.next}`)).json<{
      entries: { detail: { text: string } }[];
      next: number | null;
    }>();
    expect(next.entries.map((e) => e.detail.text)).toEqual(["one"]);
    expect(next.next).toBeNull();
    expect((await call("GET", "/audit?limit=0")).status).toBe(400);
  });

  it("every moderation route is in /admin/openapi.json", async () => {
    const doc = await (await call("GET", "/openapi.json")).json<{ paths: Record<string, Record<string, unknown>> }>();
    for (const [path, method] of [
      ["/users", "get"],
      ["/users/{id}", "patch"],
      ["/users/{id}/password", "post"],
      ["/bans", "get"],
      ["/bans", "post"],
      ["/bans/{id}", "delete"],
      ["/online", "get"],
      ["/sessions/{userId}/kick", "post"],
      ["/rooms/{id}/message", "post"],
      ["/announce", "post"],
      ["/audit", "get"],
    ] as const) {
      expect(doc.paths[path], path).toHaveProperty(method);
    }
  });

  it("room messages and kicks of absent players answer as they should", async () => {
    expect((await call("POST", "/rooms/999/message", { text: "hi" })).status).toBe(404);
    expect((await call("POST", "/sessions/12345/kick", { reason: "x" })).status).toBe(404);
    expect((await call("GET", "/online")).status).toBe(200);
  });
});
