/**
 * Connection budgets through the real bridge into local workerd, with the bridge's default
 * per-address budgets (issue 10, finding 7): a LAN party of 33 behind one address fills a
 * 32-seat room (the 33rd hears "room full", not a connection limit); the 65th connection from
 * one address and the 9th half-open one get a server_message and a close; a room connection
 * that never logs in is told and closed at the deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BRIDGE_DEFAULTS } from "../../bridge/config.ts";
import { ServerRefusal } from "../../client/flows.ts";
import { LegacyClient } from "../../client/legacy-client.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { joinAs, loginAs, type Player, startTestStack } from "./stack.ts";

const DEADLINE_MS = 1_500;
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({
    bridge: {
      maxConnectionsPerIp: BRIDGE_DEFAULTS.maxConnectionsPerIp,
      maxHalfOpenPerIp: BRIDGE_DEFAULTS.maxHalfOpenPerIp,
      roomLoginDeadlineMs: DEADLINE_MS,
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** Joins one after another in small groups: each join holds a login and a room connection half-open for a moment. */
async function joinMany(prefix: string, n: number, roomId: number): Promise<Player[]> {
  const out: Player[] = [];
  for (let i = 0; i < n; i += 3) {
    const group = Array.from({ length: Math.min(3, n - i) }, (_, j) => `${prefix}${i + j}`);
    out.push(...(await Promise.all(group.map((user) => joinAs(stack, { user, roomId })))));
  }
  return out;
}

async function refusal(promise: Promise<unknown>): Promise<ServerRefusal> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof ServerRefusal)) throw err;
  return err as ServerRefusal;
}

/** A raw plaintext connection that sends nothing. */
function silent(port: number): Promise<LegacyClient> {
  return LegacyClient.connect(stack.host, port, { dialect: "myth2-legacy", encrypt: false, timeoutMs: 5_000 });
}

describe("one address, many players", () => {
  it("33 from one address fill a 32-seat room; the 65th connection gets a message and a close", async () => {
    const lan = await joinMany("Lan", 32, 0);
    const full = await refusal(joinAs(stack, { user: "Lan32", roomId: 0 }));
    expect(full.code).toBe(13);
    expect(full.message).not.toContain("Too many connections");

    const more = await joinMany("More", 32, 1);
    expect(stack.bridge.stats().connections).toBe(64);
    const over = await refusal(loginAs(stack, { user: "Over" }));
    expect(over).toMatchObject({ code: 13 });
    expect(over.message).toContain("Too many connections from your address (64)");
    expect(stack.bridge.stats().rejectedByIpCap).toBeGreaterThanOrEqual(1);
    await Promise.all([...lan, ...more].map((p) => p.session.leave()));
  });

  it("the 9th half-open connection gets a message and a close", async () => {
    await waitFor(() => stack.bridge.stats().connections === 0);
    const idle = await Promise.all(Array.from({ length: 8 }, () => silent(stack.loginPort)));
    const ninth = await refusal(loginAs(stack, { user: "Ninth" }));
    expect(ninth.code).toBe(13);
    expect(ninth.message).toContain("Too many logins in progress from your address (8)");
    for (const c of idle) c.destroy();
  });

  it("a room connection that never logs in is told and closed at the deadline", async () => {
    await waitFor(() => stack.bridge.stats().connections === 0);
    const roomPort = stack.roomPorts.get(0) as number;
    const started = Date.now();
    const c = await silent(roomPort);
    const told = await c.next((m) => m.type === 3, DEADLINE_MS + 5_000);
    expect(told).toMatchObject({ type: 3, code: 4, text: expect.stringContaining("Room login not completed") });
    await c.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    expect(stack.bridge.stats().roomLoginDeadline).toBe(1);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met");
    await new Promise((r) => setTimeout(r, 50));
  }
}
