/**
 * Login hardening (issue 10, finding 4), through the real Worker, limiter objects and D1:
 * limits are checked before the password hash (hashes are counted), check-and-count is atomic,
 * an account gets exponential delays whatever the address, an admin clears them, and guest
 * logins are rate-limited per address with a burst.
 */
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { limitCount, workCount } from "../../edge/abuse/counters.ts";
import { HASH_WORK, HashGate } from "../../edge/abuse/hash-gate.ts";
import { createAccount } from "../../edge/accounts.ts";
import worker from "../../worker/index.ts";
import {
  Conn,
  mythLogin,
  mythPassword,
  serverMessage,
  TUNNEL_HEADERS,
  versionControl,
} from "../support/login-packets.ts";

async function connectWith(vars: Record<string, string>, address: string): Promise<Conn> {
  const req = new Request("http://edge/tunnel/login", {
    headers: { ...TUNNEL_HEADERS, "X-Client-Address": `${address}:4000` },
  });
  const res = await worker.fetch(req, { ...env, ...vars }, createExecutionContext());
  expect(res.status).toBe(101);
  if (!res.webSocket) throw new Error("no WebSocket in the response");
  return new Conn(res.webSocket);
}

/** One GoS login (empty password ⇒ guest); the first answer after 6 and 12: 7 or a server_message. */
async function tryLogin(
  vars: Record<string, string>,
  address: string,
  username: string,
  password: string,
): Promise<{ ok: true } | { ok: false; code: number; text: string }> {
  const conn = (await connectWith(vars, address)).encrypted();
  conn.send(mythLogin({ username }), mythPassword(password), versionControl(201, 2180, 0, 428));
  await conn.expect(6);
  await conn.expect(12);
  const e = await conn.next();
  if (e.kind !== "packet") throw new Error(`closed early: ${e.reason}`);
  if (e.packet.type === 7) {
    conn.ws.close();
    return { ok: true };
  }
  expect(e.packet.type).toBe(3);
  await conn.expectClose();
  return { ok: false, ...serverMessage(e.packet) };
}

beforeAll(async () => {
  for (const username of ["lim-a", "lim-b", "lim-c", "lim-d", "lim-e", "lim-f"]) {
    const r = await createAccount(env.DB, { username, password: "right" });
    if (!r.ok) throw new Error(r.message);
  }
});

describe("address failures", () => {
  it("a refused try costs no hash", async () => {
    const vars = { LOGIN_MAX_FAILURES: "2" };
    for (let i = 0; i < 2; i++) expect(await tryLogin(vars, "10.9.0.1", "lim-a", "wrong")).toMatchObject({ ok: false });
    const hashes = workCount(HASH_WORK);
    const refused = limitCount("login_address_failures");
    const r = await tryLogin(vars, "10.9.0.1", "lim-a", "right");
    expect(r).toMatchObject({ ok: false, code: 3, text: expect.stringContaining("too many failed attempts") });
    expect(workCount(HASH_WORK)).toBe(hashes);
    expect(limitCount("login_address_failures")).toBe(refused + 1);
    // The right password from another address still works while this one is locked out.
    expect(await tryLogin(vars, "10.9.0.2", "lim-a", "right")).toEqual({ ok: true });
  });

  it("checks and counts atomically: 16 concurrent tries against a limit of 10 hash 10 times", async () => {
    const vars = { LOGIN_MAX_FAILURES: "10", LOGIN_ACCOUNT_FREE_FAILURES: "100" };
    const hashes = workCount(HASH_WORK);
    const results = await Promise.all(Array.from({ length: 16 }, () => tryLogin(vars, "10.9.1.1", "lim-b", "wrong")));
    const throttled = results.filter((r) => !r.ok && r.text.includes("too many failed attempts"));
    expect(throttled).toHaveLength(6);
    expect(workCount(HASH_WORK) - hashes).toBe(10);
  });
});

describe("account delay", () => {
  const vars = { LOGIN_ACCOUNT_FREE_FAILURES: "3", LOGIN_ACCOUNT_DELAY_SECONDS: "1", LOGIN_MAX_FAILURES: "100" };

  it("locks an account guessed from many addresses, with a delay that doubles; the owner gets in after it", async () => {
    // Free failures from three addresses, then the fourth sets a 1 s delay.
    for (let i = 0; i < 4; i++) {
      expect(await tryLogin(vars, `10.9.2.${i + 1}`, "lim-c", "wrong")).toMatchObject({ ok: false, code: 3 });
    }
    const hashes = workCount(HASH_WORK);
    const locked = await tryLogin(vars, "10.9.2.50", "lim-c", "right");
    expect(locked).toMatchObject({ ok: false, code: 14, text: expect.stringMatching(/locked.*try again in 1 s/) });
    expect(workCount(HASH_WORK)).toBe(hashes);
    await new Promise((r) => setTimeout(r, 1100));
    // After the delay one more wrong try doubles it (2 s)…
    expect(await tryLogin(vars, "10.9.2.5", "lim-c", "wrong")).toMatchObject({ ok: false, code: 3 });
    expect(await tryLogin(vars, "10.9.2.6", "lim-c", "right")).toMatchObject({
      ok: false,
      code: 14,
      text: expect.stringContaining("2 s"),
    });
    await new Promise((r) => setTimeout(r, 2100));
    // …and the owner, from yet another address, gets in once it has passed.
    expect(await tryLogin(vars, "10.9.2.99", "lim-c", "right")).toEqual({ ok: true });
  });

  it("an admin sees and clears a lockout (audited)", async () => {
    for (let i = 0; i < 4; i++) await tryLogin(vars, `10.9.3.${i + 1}`, "lim-d", "wrong");
    expect(await tryLogin(vars, "10.9.3.9", "lim-d", "right")).toMatchObject({ ok: false, code: 14 });
    const auth = { Authorization: "Bearer test-admin" };
    const seen = await SELF.fetch("http://edge/admin/lockouts/account/LIM-D", { headers: auth });
    expect(seen.status).toBe(200);
    expect(await seen.json()).toMatchObject({ accountFailures: 4, lockedUntil: expect.any(Number) });
    const cleared = await SELF.fetch("http://edge/admin/lockouts/account/lim-d", { method: "DELETE", headers: auth });
    expect(cleared.status).toBe(200);
    expect(await tryLogin(vars, "10.9.3.9", "lim-d", "right")).toEqual({ ok: true });
    const audit = await env.DB.prepare("SELECT action, target FROM audit_log WHERE action = 'lockout.clear'").all();
    expect(audit.results).toContainEqual({ action: "lockout.clear", target: "account:lim-d" });
    // Bad keys are JSON errors; no token is 401.
    const bad = await SELF.fetch("http://edge/admin/lockouts/address/not-an-ip", { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: expect.any(String) });
    expect((await SELF.fetch("http://edge/admin/lockouts/account/lim-d")).status).toBe(401);
  });
});

describe("DELETE /admin/users/:id/lockout", () => {
  it("clears the lockout of the account's name (the same clear as /admin/lockouts, audited)", async () => {
    const vars = { LOGIN_ACCOUNT_FREE_FAILURES: "3", LOGIN_ACCOUNT_DELAY_SECONDS: "60", LOGIN_MAX_FAILURES: "100" };
    for (let i = 0; i < 4; i++) await tryLogin(vars, `10.9.6.${i + 1}`, "lim-f", "wrong");
    expect(await tryLogin(vars, "10.9.6.9", "lim-f", "right")).toMatchObject({ ok: false, code: 14 });
    const id = await env.DB.prepare("SELECT id FROM users WHERE username = 'lim-f'").first<number>("id");
    const auth = { Authorization: "Bearer test-admin" };
    expect((await SELF.fetch(`http://edge/admin/users/${id}/lockout`, { method: "DELETE" })).status).toBe(401);
    const cleared = await SELF.fetch(`http://edge/admin/users/${id}/lockout`, { method: "DELETE", headers: auth });
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toMatchObject({ accountFailures: 4, lockedUntil: expect.any(Number) });
    expect(await tryLogin(vars, "10.9.6.9", "lim-f", "right")).toEqual({ ok: true });
    const audit = await env.DB.prepare(
      "SELECT actor, target FROM audit_log WHERE action = 'lockout.clear' AND target = 'account:lim-f'",
    ).all();
    expect(audit.results).toEqual([{ actor: "admin-token", target: "account:lim-f" }]);
    const none = await SELF.fetch("http://edge/admin/users/999999/lockout", { method: "DELETE", headers: auth });
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: "no such user" });
  });
});

describe("login rate per address", () => {
  it("guests: a burst passes (a LAN party), the next is told to wait; other addresses are untouched", async () => {
    const vars = { GUEST_LOGIN_BURST: "3", GUEST_LOGINS_PER_MINUTE: "1" };
    for (let i = 0; i < 3; i++) expect(await tryLogin(vars, "10.9.4.1", `guest${i}`, "")).toEqual({ ok: true });
    const refused = await tryLogin(vars, "10.9.4.1", "guest3", "");
    expect(refused).toMatchObject({
      ok: false,
      code: 3,
      text: expect.stringMatching(/Too many logins .* try again in \d+ s/),
    });
    expect(await tryLogin(vars, "10.9.4.2", "guest4", "")).toEqual({ ok: true });
  });

  it("accounts: the burst, then a wait, and no hash for the refused one", async () => {
    const vars = { ACCOUNT_LOGIN_BURST: "2", ACCOUNT_LOGINS_PER_MINUTE: "1" };
    for (let i = 0; i < 2; i++) expect(await tryLogin(vars, "10.9.5.1", "lim-e", "right")).toEqual({ ok: true });
    const hashes = workCount(HASH_WORK);
    expect(await tryLogin(vars, "10.9.5.1", "lim-e", "right")).toMatchObject({
      ok: false,
      code: 3,
      text: expect.stringContaining("Too many logins"),
    });
    expect(workCount(HASH_WORK)).toBe(hashes);
  });
});

describe("hash gate", () => {
  it("runs at most `concurrency` hashes at once, queues a bounded number, refuses the rest as busy", async () => {
    const gate = new HashGate(2, 1);
    let running = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const hash = () =>
      new Promise<string>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        release.push(() => {
          running--;
          resolve("done");
        });
      });
    const runs = [gate.run(hash, "a"), gate.run(hash, "b"), gate.run(hash, "c"), gate.run(hash, "d")];
    expect(await runs[3]).toBe("busy");
    while (release.length > 0 || running > 0) {
      await new Promise((r) => setTimeout(r, 1));
      release.shift()?.();
    }
    expect(await Promise.all(runs.slice(0, 3))).toEqual(["done", "done", "done"]);
    expect(peak).toBe(2);
  });
});
