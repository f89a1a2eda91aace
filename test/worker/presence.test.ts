/**
 * Handoff tokens and presence under abuse (issue 10, findings 3 and 6), at the Directory:
 * a token is redeemed only from the address that logged in, dies at its absolute age, and
 * presence is reconciled with what the rooms really hold (a room that lost its sockets in a
 * crash reports nobody; the directory's rows and counts follow).
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Directory } from "../../durable-objects/directory/object.ts";
import { limitCount } from "../../edge/abuse/counters.ts";
import { directoryStub } from "../../edge/objects.ts";

let nextUser = 5000;
const login = (clientAddress: string) =>
  directoryStub(env).login({
    userId: ++nextUser,
    userName: `u${nextUser}`,
    guest: false,
    adminLevel: 0,
    dialect: "myth2",
    encrypted: true,
    build: 428,
    appVersion: 2180,
    playerData: new Uint8Array(40),
    clientAddress,
  });

describe("handoff tokens", () => {
  it("are redeemed only from the address that logged in (any port); elsewhere refused and counted", async () => {
    const dir = directoryStub(env);
    const { token, userId } = await login("203.0.113.5:40000");
    const refused = limitCount("token_wrong_address");
    expect(await dir.redeem(token, 0, "198.51.100.9:40000")).toBeNull();
    expect(limitCount("token_wrong_address")).toBe(refused + 1);
    // Refusing a stranger does not spend the owner's token.
    expect((await dir.redeem(token, 0, "203.0.113.5:51000"))?.userId).toBe(userId);
    await dir.left(userId, 0);
  });

  it("die at their absolute age, even while their user is in a room", async () => {
    const dir = directoryStub(env);
    const { token, userId } = await login("203.0.113.6:1");
    expect((await dir.redeem(token, 0, "203.0.113.6:2"))?.userId).toBe(userId);
    await runInDurableObject(dir, (_d, state) => {
      state.storage.sql.exec("UPDATE sessions SET issued_at = ? WHERE user_id = ?", Date.now() - 86_401_000, userId);
    });
    expect(await dir.redeem(token, 1, "203.0.113.6:3")).toBeNull();
  });
});

describe("presence reconciliation", () => {
  it("a room that holds nobody (its sockets died with the edge) empties the directory's rows and counts", async () => {
    const dir = directoryStub(env);
    // Two users the directory believes are in room 3, as after a crash: no room connection exists.
    const a = await login("203.0.113.7:1");
    const b = await login("203.0.113.8:1");
    await dir.redeem(a.token, 3, "203.0.113.7:2");
    await dir.redeem(b.token, 3, "203.0.113.8:2");
    await dir.reportRoom(3, 2, 0);
    expect((await dir.online())[3]).toEqual([a.userId, b.userId]);
    // As at the object's start after a crash: never reconciled, no join in flight.
    await runInDurableObject(dir, (d: Directory) => {
      const fresh = d as unknown as { reconciledAt: number; entered: Map<number, number> };
      fresh.reconciledAt = 0;
      fresh.entered.clear();
    });
    expect(await runDurableObjectAlarm(dir)).toBe(true);
    expect((await dir.online())[3]).toBeUndefined();
    expect((await dir.roomCounts())[3]).toEqual({ players: 0, games: 0 });
    // At the object's start (as here) their pre-crash tokens are forgotten at once.
    expect(await dir.redeem(a.token, 3, "203.0.113.7:3")).toBeNull();
  });

  it("on a later heartbeat, a user the room does not hold leaves with the grace; a join in flight is left alone", async () => {
    const dir = directoryStub(env);
    const c = await login("203.0.113.9:1");
    await dir.redeem(c.token, 4, "203.0.113.9:2");
    await runInDurableObject(dir, (d: Directory) => {
      const old = d as unknown as { reconciledAt: number; entered: Map<number, number> };
      old.reconciledAt = 1; // reconciled before, long ago; the join is no longer in flight
      old.entered.clear();
    });
    expect(await runDurableObjectAlarm(dir)).toBe(true);
    expect((await dir.online())[4]).toBeUndefined();
    expect((await dir.redeem(c.token, 4, "203.0.113.9:3"))?.userId).toBe(c.userId);
    // Just redeemed: the next heartbeat does not take it out of room 4 before its room holds it.
    await runInDurableObject(dir, (d: Directory) => {
      (d as unknown as { reconciledAt: number }).reconciledAt = 1;
    });
    expect(await runDurableObjectAlarm(dir)).toBe(true);
    expect((await dir.online())[4]).toEqual([c.userId]);
    await dir.left(c.userId, 4);
  });
});
