/**
 * A room Durable Object that hibernates (local workerd evicts it after ~10 s without
 * messages) must still know its players and relay chat when traffic resumes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { joinAs, startTestStack } from "./stack.ts";

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** The admin view of room 0: which object instance answers, and who it thinks is there. */
async function roomInstance(): Promise<{ instanceStartedAt: number; players: { nick: string }[] }> {
  const res = await stack.admin("GET", "/admin/rooms/0");
  expect(res.status).toBe(200);
  return res.json() as Promise<{ instanceStartedAt: number; players: { nick: string }[] }>;
}

describe("hibernation", () => {
  it("keeps players and relays chat after the room has been idle past hibernation", async () => {
    const a = await joinAs(stack, { user: "Sleeper", roomId: 0 });
    const b = await joinAs(stack, { user: "Dreamer", roomId: 0 });
    await a.session.waitForPlayer(b.userId);
    const before = await roomInstance();

    // No traffic at all for longer than local workerd's ~10 s eviction.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    // The room object really was evicted: a new instance answers, and it still knows both players.
    const after = await roomInstance();
    expect(after.instanceStartedAt).toBeGreaterThan(before.instanceStartedAt);
    expect(after.players.map((p) => p.nick)).toEqual(["Sleeper", "Dreamer"]);

    const c = await joinAs(stack, { user: "Waker", roomId: 0 });
    expect(c.session.players.get(a.userId)?.player.nick).toBe("Sleeper");
    expect(c.session.players.get(b.userId)?.player.nick).toBe("Dreamer");
    await a.session.waitForPlayer(c.userId);

    a.session.chat("good morning");
    for (const session of [b.session, c.session]) {
      expect(await session.nextChat()).toMatchObject({ text: "good morning", header: { playerId: a.userId } });
    }
    c.session.whisper(b.userId, "psst", true);
    expect(await b.session.nextPrivate()).toMatchObject({ text: "psst", header: { playerId: c.userId } });
    await Promise.all([a.session.leave(), b.session.leave(), c.session.leave()]);
  }, 40_000);
});
