/**
 * Social storage and its admin API inside workerd with D1: orders (unique normalised names,
 * members, the lapse rule, passwords as hashes), buddies (limits), game passwords (shown once,
 * listed without the secret, revoked).
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createAccount, getAccount } from "../../edge/accounts.ts";
import { listBuddies, updateBuddy, watchersOf } from "../../edge/social/buddies.ts";
import { loginWithGamePassword, MAX_GAME_PASSWORDS } from "../../edge/social/game-passwords.ts";
import { ORDER_LAPSE_MS, verifyOrderPassword } from "../../edge/social/orders.ts";

const ADMIN = { Authorization: "Bearer test-admin", "Content-Type": "application/json" };
let n = 0;

async function user(): Promise<number> {
  const made = await createAccount(env.DB, { username: `soc${++n}`, password: "pw" });
  if (!made.ok) throw new Error(made.message);
  return made.account.id;
}

function admin(method: string, path: string, body?: unknown) {
  return SELF.fetch(`http://edge/admin${path}`, {
    method,
    headers: ADMIN,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

interface OrderJson {
  id: number;
  name: string;
  displayName: string;
  motto: string;
  shortSince: number | null;
  members: { userId: number; joinedAt: number }[];
}

async function newOrder(founderId: number, name = `Order${++n}`): Promise<OrderJson> {
  const res = await admin("POST", "/orders", { name, founderId, memberPassword: "join", maintenancePassword: "keep" });
  expect(res.status).toBe(201);
  return res.json<OrderJson>();
}

describe("orders", () => {
  it("creates an order with its founder, refuses the same normalised name (409) and a bad one (400)", async () => {
    const founder = await user();
    const order = await newOrder(founder, "|bThe Crows ");
    expect(order).toMatchObject({ name: "the crows", displayName: "|bThe Crows", members: [{ userId: founder }] });
    expect(order.shortSince).not.toBeNull();

    const again = await admin("POST", "/orders", {
      name: "THE CROWS",
      founderId: await user(),
      memberPassword: "a",
      maintenancePassword: "b",
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ reason: "duplicate", error: expect.any(String) });

    const long = await admin("POST", "/orders", {
      name: "x".repeat(40),
      founderId: founder,
      memberPassword: "a",
      maintenancePassword: "b",
    });
    expect(long.status).toBe(400);
    const missing = await admin("POST", "/orders", { name: "No passwords", founderId: founder });
    expect(missing.status).toBe(400);
    expect((await admin("GET", "/orders/99999")).status).toBe(404);
  });

  it("keeps the passwords as hashes; a member is in one order; 3 members clear the lapse clock", async () => {
    const [a, b, c] = [await user(), await user(), await user()];
    const order = await newOrder(a);
    const row = await env.DB.prepare("SELECT * FROM orders WHERE id = ?")
      .bind(order.id)
      .first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain("join");
    expect(await verifyOrderPassword(env.DB, order.id, "member", "join")).toBe(true);
    expect(await verifyOrderPassword(env.DB, order.id, "maintenance", "join")).toBe(false);

    expect((await admin("POST", `/orders/${order.id}/members`, { userId: b })).status).toBe(200);
    const full = await (await admin("POST", `/orders/${order.id}/members`, { userId: c })).json<OrderJson>();
    expect(full.members.map((m) => m.userId)).toEqual([a, b, c]);
    expect(full.shortSince).toBeNull();
    expect((await getAccount(env.DB, c))?.orderId).toBe(order.id);

    // In one order at a time.
    const other = await newOrder(await user());
    const twice = await admin("POST", `/orders/${other.id}/members`, { userId: c });
    expect(twice.status).toBe(409);

    const left = await (await admin("DELETE", `/orders/${order.id}/members/${c}`)).json<OrderJson>();
    expect(left.members.map((m) => m.userId)).toEqual([a, b]);
    expect(left.shortSince).not.toBeNull();
    expect((await admin("DELETE", `/orders/${order.id}/members/${c}`)).status).toBe(404);

    const edited = await admin("PATCH", `/orders/${order.id}`, { motto: "Caw", memberPassword: "new" });
    expect(await edited.json()).toMatchObject({ motto: "Caw" });
    expect(await verifyOrderPassword(env.DB, order.id, "member", "new")).toBe(true);
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'order.edit' AND target = ?")
      .bind(String(order.id))
      .first<{ detail: string }>();
    expect(audit?.detail).not.toContain("new");
  });

  it("an order short of 3 members for 10 days lapses: gone from lookups, then swept", async () => {
    const founder = await user();
    const order = await newOrder(founder);
    await env.DB.prepare("UPDATE orders SET short_since = ? WHERE id = ?")
      .bind(Date.now() - ORDER_LAPSE_MS - 1000, order.id)
      .run();
    expect((await admin("GET", `/orders/${order.id}`)).status).toBe(404);
    expect((await getAccount(env.DB, founder))?.orderId).toBeNull();
    const swept = await (await admin("POST", "/orders/sweep")).json<{ lapsed: number }>();
    expect(swept.lapsed).toBeGreaterThanOrEqual(1);
    expect(
      await env.DB.prepare("SELECT count(*) AS k FROM order_members WHERE user_id = ?").bind(founder).first("k"),
    ).toBe(0);
    // The founder is free to found again.
    await newOrder(founder);
  });

  it("the routes are in the OpenAPI document", async () => {
    const doc = await (await SELF.fetch("http://edge/admin/openapi.json", { headers: ADMIN })).json<{
      paths: Record<string, unknown>;
    }>();
    for (const path of ["/orders", "/orders/{id}", "/orders/{id}/members", "/users/{id}/game-passwords"])
      expect(Object.keys(doc.paths)).toContain(path);
  });
});

describe("buddies", () => {
  it("adds up to the limit, not oneself or unknown ids; removes; knows who watches whom", async () => {
    const owner = await user();
    const buddies = [await user(), await user(), await user()];
    for (const b of buddies.slice(0, 2)) expect(await updateBuddy(env.DB, owner, b, true, 2)).toEqual({ ok: true });
    expect(await updateBuddy(env.DB, owner, buddies[2] as number, true, 2)).toEqual({ ok: false, reason: "full" });
    expect(await updateBuddy(env.DB, owner, buddies[0] as number, true, 2)).toEqual({ ok: true }); // already there
    expect(await updateBuddy(env.DB, owner, owner, true, 16)).toEqual({ ok: false, reason: "self" });
    expect(await updateBuddy(env.DB, owner, 987654, true, 16)).toEqual({ ok: false, reason: "unknown" });
    expect(await listBuddies(env.DB, owner)).toEqual(buddies.slice(0, 2));
    expect(await watchersOf(env.DB, buddies[1] as number)).toEqual([owner]);
    await updateBuddy(env.DB, owner, buddies[0] as number, false, 2);
    expect(await listBuddies(env.DB, owner)).toEqual([buddies[1]]);
  });
});

describe("game passwords", () => {
  it("shown once, listed without the secret, limited, revoked per account", async () => {
    const id = await user();
    const res = await admin("POST", `/users/${id}/game-passwords`, { label: "laptop" });
    expect(res.status).toBe(201);
    const made = await res.json<{ id: number; password: string; label: string }>();
    expect(made.label).toBe("laptop");
    expect(await loginWithGamePassword(env.DB, `soc${n}`, made.password)).toMatchObject({ id });

    const list = await (await admin("GET", `/users/${id}/game-passwords`)).text();
    expect(list).not.toContain(made.password);
    expect(JSON.parse(list)).toMatchObject([
      { id: made.id, label: "laptop", revokedAt: null, lastUsedAt: expect.any(Number) },
    ]);

    for (let i = 1; i < MAX_GAME_PASSWORDS; i++)
      expect((await admin("POST", `/users/${id}/game-passwords`, {})).status).toBe(201);
    expect((await admin("POST", `/users/${id}/game-passwords`, {})).status).toBe(409);
    expect((await admin("POST", "/users/999999/game-passwords", {})).status).toBe(404);

    const stranger = await user();
    expect((await admin("DELETE", `/users/${stranger}/game-passwords/${made.id}`)).status).toBe(404);
    expect((await admin("DELETE", `/users/${id}/game-passwords/${made.id}`)).status).toBe(200);
    expect(await loginWithGamePassword(env.DB, `soc${n - 1}`, made.password)).toBeNull();
  });
});
