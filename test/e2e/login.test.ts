/**
 * Login over real TCP through the bridge into local workerd, for every client family
 * (PROTOCOL.md §7.1–§7.3).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerRefusal } from "../../client/flows.ts";
import { LegacyClient } from "../../client/legacy-client.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { loginAs, startTestStack } from "./stack.ts";

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
  await stack.createUser("alice", "secret1");
  await stack.createUser("tfl", "secret2");
  await stack.createUser("wolf", "secret3");
  await stack.createUser("marathon", "secret4");
  await stack.createUser("legacy", "secret5");
});
afterAll(async () => {
  await stack?.stop();
});

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("login unexpectedly succeeded");
    },
    (err: unknown) => {
      if (!(err instanceof ServerRefusal)) throw err;
      return { code: err.code, text: err.text };
    },
  );

describe("login", () => {
  it("Myth II 1.8: encrypted GoS-order login with an account", async () => {
    const result = await loginAs(stack, { dialect: "myth2", user: "alice", password: "secret1", nick: "Alice" });
    expect(result.userId).toBeGreaterThan(0);
    expect(result.userId).toBeLessThan(1073741823);
    expect(result.token.byteLength).toBe(32);
    expect(result.authenticationType).toBe(0);
    // Only Myth II rooms, host 0 = "the metaserver's address" (GoS).
    expect(result.rooms.length).toBeGreaterThan(0);
    for (const room of result.rooms) expect(room.host).toBe(0);
    expect(result.playerData.nick).toBe("Alice");
  });

  it("older Myth II (MythDev): Bungie order, no encryption", async () => {
    const result = await loginAs(stack, { dialect: "myth2-legacy", user: "legacy", password: "secret5" });
    expect(result.userId).toBeGreaterThan(0);
    expect(result.rooms.length).toBeGreaterThan(0);
    // Pre-GoS clients need a real address for each room: the bridge's.
    for (const room of result.rooms) expect(room.host).toBe(0x7f000001);
  });

  it("Myth TFL logs in and sees its own rooms", async () => {
    const result = await loginAs(stack, { dialect: "myth1", user: "tfl", password: "secret2" });
    expect(result.userId).toBeGreaterThan(0);
    expect(result.rooms.length).toBeGreaterThan(0);
    const myth2 = await loginAs(stack, { dialect: "myth2", user: "alice", password: "secret1" });
    const myth2Ports = new Set(myth2.rooms.map((r) => r.port));
    for (const room of result.rooms) expect(myth2Ports.has(room.port)).toBe(false);
  });

  it("Myth III logs in", async () => {
    const result = await loginAs(stack, { dialect: "myth3", user: "wolf", password: "secret3" });
    expect(result.userId).toBeGreaterThan(0);
    expect(result.rooms.length).toBeGreaterThan(0);
  });

  it("Aleph One logs in with the A1 layout", async () => {
    const result = await loginAs(stack, {
      dialect: "marathon",
      user: "marathon",
      password: "secret4",
      nick: "Marathoner",
    });
    expect(result.userId).toBeGreaterThan(0);
    expect(result.token.byteLength).toBe(32);
    expect(result.rooms.length).toBeGreaterThan(0);
    for (const room of result.rooms) expect(room.host).toBe(0x7f000001);
  });

  it("Aleph One: a wrong password is refused (code 3)", async () => {
    const answer = await refusal(loginAs(stack, { dialect: "marathon", user: "marathon", password: "nope" }));
    expect(answer.code).toBe(3);
  });

  it("a guest (empty password) gets a guest id", async () => {
    const result = await loginAs(stack, { dialect: "myth2", user: "Visitor", password: "" });
    expect(result.userId).toBeGreaterThanOrEqual(1073741823);
    expect(result.token.byteLength).toBe(32);
  });

  it("an Aleph One guest skips the password step", async () => {
    const result = await loginAs(stack, { dialect: "marathon", user: "guest", password: "", nick: "Wanderer" });
    expect(result.authenticationType).toBeNull();
    expect(result.userId).toBeGreaterThanOrEqual(1073741823);
  });

  it("a wrong password is refused with code 3", async () => {
    const answer = await refusal(loginAs(stack, { dialect: "myth2", user: "alice", password: "wrong" }));
    expect(answer.code).toBe(3);
  });

  it("an unknown user is refused with code 3", async () => {
    const answer = await refusal(loginAs(stack, { dialect: "myth2-legacy", user: "nobody", password: "whatever" }));
    expect(answer.code).toBe(3);
  });

  it("an unknown application is refused (GoS code 1 when encrypted, Bungie code 7 otherwise)", async () => {
    const encrypted = await refusal(
      loginAs(stack, { dialect: "myth2", user: "alice", password: "secret1", application: "DOOM" }),
    );
    expect(encrypted.code).toBe(1);
    const plain = await refusal(
      loginAs(stack, { dialect: "myth2-legacy", user: "legacy", password: "secret5", application: "DOOM" }),
    );
    expect(plain.code).toBe(7);
  });

  it("a too-old Myth II version is refused with code 2", async () => {
    const oldApp = await refusal(
      loginAs(stack, { dialect: "myth2", user: "alice", password: "secret1", appVersion: 2170 }),
    );
    expect(oldApp.code).toBe(2);
    const oldBuild = await refusal(
      loginAs(stack, { dialect: "myth2", user: "alice", password: "secret1", build: 400 }),
    );
    expect(oldBuild.code).toBe(2);
  });

  it("garbage on the login port only ends that connection", async () => {
    const garbage = await LegacyClient.connect(stack.host, stack.loginPort, { dialect: "myth2-legacy" });
    garbage.sendRaw(new Uint8Array(64).fill(0x41));
    await garbage.closed;
    const result = await loginAs(stack, { dialect: "myth2", user: "alice", password: "secret1" });
    expect(result.userId).toBeGreaterThan(0);
  });
});

describe("probe CLI", () => {
  const probe = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const script = fileURLToPath(new URL("../../scripts/probe.ts", import.meta.url));
      const portArgs = ["--host", stack.host, "--port", String(stack.loginPort)];
      execFile(process.execPath, ["--import", "tsx", script, ...portArgs, ...args], (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      });
    });

  it("logs in and prints the room list", async () => {
    const run = await probe(["--user", "alice", "--password", "secret1", "--dialect", "myth2"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/logged in as alice \(user id \d+, dialect myth2\)/);
    expect(run.stdout).toMatch(/room 0: \(metaserver\):\d+/);
  });

  it("exits non-zero with the server's code and text", async () => {
    const run = await probe(["--user", "alice", "--password", "wrong", "--dialect", "myth2-legacy"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/code 3: Login failed \(Bad user or Password\)/);
  });
});
