import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createAccount, getAccount, recordLogin, verifyLogin } from "../../edge/accounts.ts";
import { hashPassword, MAX_PBKDF2_ITERATIONS, verifyPassword } from "../../edge/passwords.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("passwords", () => {
  it("never exceeds Cloudflare's production PBKDF2 limit of 100,000 iterations", async () => {
    expect(MAX_PBKDF2_ITERATIONS).toBe(100_000);
    const h = await hashPassword(enc("secret"));
    expect(h.iterations).toBe(100_000);
    expect(h.salt.length).toBe(16);
    await expect(hashPassword(enc("x"), { iterations: 100_001 })).rejects.toThrow(RangeError);
  });

  it("salts: the same password hashes differently twice, and each verifies", async () => {
    const a = await hashPassword(enc("secret"));
    const b = await hashPassword(enc("secret"));
    expect(a.hash).not.toEqual(b.hash);
    expect(await verifyPassword(enc("secret"), a)).toBe(true);
    expect(await verifyPassword(enc("secret"), b)).toBe(true);
    expect(await verifyPassword(enc("Secret"), a)).toBe(false);
  });
});

describe("accounts", () => {
  it("stores a hash, not the password", async () => {
    const r = await createAccount(env.DB, { username: "Hasher", password: "hunter2" });
    expect(r.ok).toBe(true);
    const row = await env.DB.prepare("SELECT * FROM users WHERE username = 'hasher'").first<Record<string, unknown>>();
    expect(row).not.toBeNull();
    const text = Object.values(row ?? {})
      .map((v) =>
        v instanceof ArrayBuffer || Array.isArray(v)
          ? new TextDecoder().decode(Uint8Array.from(new Uint8Array(v as ArrayBuffer)))
          : String(v),
      )
      .join("|");
    expect(text).not.toContain("hunter2");
    expect(new Uint8Array(row?.password_hash as ArrayBuffer)).toHaveLength(32);
    expect(new Uint8Array(row?.password_salt as ArrayBuffer)).toHaveLength(16);
    expect(row?.password_iterations).toBe(100_000);
    expect(row?.password_algorithm).toBe("pbkdf2-sha256");
    expect(row?.display_name).toBe("Hasher");
  });

  it("verifies the right password, refuses a wrong one or an unknown user", async () => {
    const r = await createAccount(env.DB, { username: "alice", password: "pw", nick: "Al", team: "Crows" });
    if (!r.ok) throw new Error(r.message);
    const account = await verifyLogin(env.DB, "alice", "pw");
    expect(account).toMatchObject({ id: r.account.id, username: "alice", nick: "Al", team: "Crows", adminLevel: 0 });
    expect(account !== "busy" && account?.bannedUntil).toBeNull();
    expect(await verifyLogin(env.DB, "alice", "PW")).toBeNull();
    expect(await verifyLogin(env.DB, "alice", "")).toBeNull();
    expect(await verifyLogin(env.DB, "nobody", "pw")).toBeNull();
  });

  it("matches the user name as GoS does: formatting codes, outer spaces and case do not matter", async () => {
    const r = await createAccount(env.DB, { username: "|bBob", password: "pw" });
    if (!r.ok) throw new Error(r.message);
    expect(r.account.username).toBe("bob");
    expect(r.account.nick).toBe("Bob");
    expect(await verifyLogin(env.DB, " BOB|p ", "pw")).toMatchObject({ id: r.account.id });
    const again = await createAccount(env.DB, { username: "bob ", password: "other" });
    expect(again).toMatchObject({ ok: false, reason: "duplicate" });
  });

  it.each([
    [{ username: "", password: "pw" }, /empty/],
    [{ username: "|p|b ", password: "pw" }, /empty/],
    [{ username: "x".repeat(32), password: "pw" }, /31/],
    [{ username: "snowman ☃", password: "pw" }, /Mac Roman/],
    [{ username: "tab\there", password: "pw" }, /Mac Roman/],
    [{ username: "carol", password: "" }, /password is empty/],
    [{ username: "carol", password: "p".repeat(16) }, /15/],
    [{ username: "carol", password: "pw", nick: "n".repeat(32) }, /nick/],
  ])("refuses invalid input %#", async (input, message) => {
    const r = await createAccount(env.DB, input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe("invalid");
      expect(r.message).toMatch(message);
    }
  });

  it("accepts a 31-character name and a 15-character Mac Roman password", async () => {
    const r = await createAccount(env.DB, { username: "é".repeat(31), password: "ñ".repeat(15) });
    expect(r.ok).toBe(true);
    expect(await verifyLogin(env.DB, "É".repeat(31), "ñ".repeat(15))).not.toBeNull();
  });

  it("getAccount and recordLogin keep the player data", async () => {
    const r = await createAccount(env.DB, { username: "dave", password: "pw" });
    if (!r.ok) throw new Error(r.message);
    expect((await getAccount(env.DB, r.account.id))?.playerData).toBeNull();
    await recordLogin(env.DB, r.account.id, new Uint8Array([1, 2, 3]), 1234);
    const after = await getAccount(env.DB, r.account.id);
    expect(after?.playerData).toEqual(new Uint8Array([1, 2, 3]));
    const row = await env.DB.prepare("SELECT last_login_at FROM users WHERE id = ?").bind(r.account.id).first();
    expect(row?.last_login_at).toBe(1234);
    expect(await getAccount(env.DB, 999_999)).toBeNull();
  });
});
