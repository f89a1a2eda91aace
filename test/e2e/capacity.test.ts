/**
 * A full room over real TCP: 32 players see each other arrive and leave; the 33rd is refused
 * with code 13 (room full).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerRefusal } from "../../client/flows.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { joinAs, type Player, startTestStack } from "./stack.ts";

const CAPACITY = 32;
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Runs `fn` over `items` with at most `limit` in flight. */
async function inBatches<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) out.push(...(await Promise.all(items.slice(i, i + limit).map(fn))));
  return out;
}

describe("a 32-seat room", () => {
  it("holds 32 players who all see each other, refuses the 33rd, and reports leaves", async () => {
    const names = Array.from({ length: CAPACITY }, (_, i) => `Seat${i + 1}`);
    // Guests (empty password) in the first Myth II room, which is unranked.
    const players: Player[] = await inBatches(names, 8, (user) => joinAs(stack, { user, roomId: 0 }));
    const ids = players.map((p) => p.userId);
    expect(new Set(ids).size).toBe(CAPACITY);
    for (const p of players) {
      await p.session.waitFor(() => ids.every((id) => p.session.players.has(id)), 15_000, "everyone in the list");
    }

    const extra = await joinAs(stack, { user: "Seat33", roomId: 0 }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(extra).toBeInstanceOf(ServerRefusal);
    expect((extra as ServerRefusal).code).toBe(13);

    const leaving = players.slice(0, CAPACITY / 2);
    const staying = players.slice(CAPACITY / 2);
    await Promise.all(leaving.map((p) => p.session.leave()));
    for (const p of staying) {
      await p.session.waitFor(
        () => leaving.every((l) => !p.session.players.has(l.userId)),
        15_000,
        "the leavers to be gone",
      );
      expect(p.session.players.size).toBe(CAPACITY / 2);
    }

    // A seat is free again.
    const late = await joinAs(stack, { user: "Seat34", roomId: 0 });
    expect(late.session.players.size).toBe(CAPACITY / 2 + 1);
    await Promise.all([...staying, late].map((p) => p.session.leave()));
  });
});
