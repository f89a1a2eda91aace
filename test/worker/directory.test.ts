import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { Directory } from "../../durable-objects/directory/object.ts";
import { ROOM_LIST_WINDOW_MS } from "../../durable-objects/directory/room-counts.ts";
import { FIRST_GUEST_ID, type LoginRequest } from "../../edge/contracts.ts";
import { directoryStub as directory } from "../../edge/objects.ts";
import { countsIn, join, leaveAll, roomListOf, type TunnelClient } from "./room-helpers.ts";

// The room-list tests wait out real windows (about a second each).
vi.setConfig({ testTimeout: 30_000 });

function user(overrides: Partial<LoginRequest> = {}): LoginRequest {
  return {
    userId: 42,
    userName: "alice",
    guest: false,
    adminLevel: 0,
    dialect: "myth2",
    encrypted: true,
    build: 428,
    appVersion: 2180,
    playerData: new Uint8Array([1, 2, 3, 4]),
    clientAddress: "203.0.113.5:50000",
    ...overrides,
  };
}

describe("Directory", () => {
  it("issues a 32-byte hex token that a room redeems for the session user", async () => {
    const dir = directory(env);
    const { token, userId } = await dir.login(user());
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(userId).toBe(42);
    const session = await dir.redeem(token, 0);
    expect(session).toEqual({ ...user(), userId: 42 });
    expect(session?.playerData).toBeInstanceOf(Uint8Array);
    expect(await dir.online()).toEqual({ 0: [42] });
    // The same token takes the user to another room (Myth reuses it on every room change).
    expect((await dir.redeem(token, 1))?.userId).toBe(42);
    expect(await dir.online()).toEqual({ 1: [42] });
  });

  it("refuses unknown and malformed tokens", async () => {
    const dir = directory(env);
    expect(await dir.redeem("00".repeat(32), 0)).toBeNull();
    expect(await dir.redeem("not a token", 0)).toBeNull();
    expect(await dir.redeem("", 0)).toBeNull();
  });

  it("gives guests ids from 1073741823 upward, each distinct", async () => {
    const dir = directory(env);
    const a = await dir.login(user({ userId: undefined, guest: true, userName: "g1" }));
    const b = await dir.login(user({ userId: 7, guest: true, userName: "g2" })); // a guest's own id is ignored
    expect(a.userId).toBe(FIRST_GUEST_ID);
    expect(b.userId).toBe(FIRST_GUEST_ID + 1);
    expect(a.token).not.toBe(b.token);
    expect((await dir.redeem(b.token, 0))?.guest).toBe(true);
  });

  it("refuses a registered id in the guest range", async () => {
    // Called inside the object: an error thrown across RPC is reported by the pool as unhandled.
    await runInDurableObject(directory(env), async (dir) => {
      await expect(dir.login(user({ userId: FIRST_GUEST_ID }))).rejects.toThrow(/registered user id/);
      await expect(dir.login(user({ userId: undefined }))).rejects.toThrow(/registered user id/);
    });
  });

  it("a second login of the same registered user kills the first session", async () => {
    const dir = directory(env);
    const first = await dir.login(user({ userId: 100 }));
    await dir.redeem(first.token, 2);
    const second = await dir.login(user({ userId: 100, clientAddress: "198.51.100.9:4000" }));
    expect(second.token).not.toBe(first.token);
    expect(await dir.redeem(first.token, 2)).toBeNull();
    // The old room reporting the kicked connection's departure must not touch the new session.
    await dir.left(100, 2);
    const session = await dir.redeem(second.token, 3);
    expect(session?.clientAddress).toBe("198.51.100.9:4000");
    expect((await dir.online())[3]).toContain(100);
    expect((await dir.online())[2] ?? []).not.toContain(100);
  });

  it("left from a room the user already moved out of is ignored", async () => {
    const dir = directory(env);
    const { token } = await dir.login(user({ userId: 200 }));
    await dir.redeem(token, 0);
    await dir.redeem(token, 1); // moved before room 0 noticed the old connection closing
    await dir.left(200, 0);
    expect((await dir.online())[1]).toContain(200);
  });

  it("a token expires a grace after its user is in no room; the alarm sweeps it", async () => {
    const dir = directory(env);
    const stale = await dir.login(user({ userId: 300 }));
    await dir.redeem(stale.token, 0);
    await dir.left(300, 0);
    const fresh = await dir.login(user({ userId: 301 }));
    // Let the grace of user 300 run out by moving its expiry into the past.
    await runInDurableObject(dir, (_d, state) => {
      state.storage.sql.exec("UPDATE sessions SET expires_at = ? WHERE user_id = 300", Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(dir)).toBe(true);
    const left = await runInDurableObject(dir, (_d, state) =>
      state.storage.sql.exec<{ user_id: number }>("SELECT user_id FROM sessions ORDER BY user_id").toArray(),
    );
    expect(left.map((r) => r.user_id)).not.toContain(300);
    expect(left.map((r) => r.user_id)).toContain(301);
    expect(await dir.redeem(stale.token, 0)).toBeNull();
    expect((await dir.redeem(fresh.token, 0))?.userId).toBe(301);
    // The sweep re-arms itself while tokens are waiting out their grace.
    await dir.left(301, 0);
    expect(await runInDurableObject(dir, (_d, state) => state.storage.getAlarm())).not.toBeNull();
  });

  it("an expired token is refused even before the alarm runs", async () => {
    const dir = directory(env);
    const { token } = await dir.login(user({ userId: 400 }));
    await runInDurableObject(dir, (_d, state) => {
      state.storage.sql.exec("UPDATE sessions SET expires_at = ? WHERE user_id = 400", Date.now() - 1);
    });
    expect(await dir.redeem(token, 0)).toBeNull();
  });

  it("a user present in a room keeps the token however long it stays", async () => {
    const dir = directory(env);
    const { token } = await dir.login(user({ userId: 500 }));
    await dir.redeem(token, 0);
    await runDurableObjectAlarm(dir);
    const expiry = await runInDurableObject(dir, (_d, state) =>
      state.storage.sql.exec("SELECT expires_at FROM sessions WHERE user_id = 500").one(),
    );
    expect(expiry.expires_at).toBeNull();
    expect((await dir.redeem(token, 1))?.userId).toBe(500);
  });

  it("keeps room counts, and survives eviction with tokens and counts intact; presence is then reconciled", async () => {
    const dir = directory(env);
    await dir.reportRoom(0, 3, 1);
    await dir.reportRoom(1, 0, 0);
    await dir.reportRoom(0, 3, 1); // unchanged: no fan-out, same counts
    const { token } = await dir.login(user({ userId: 600 }));
    await dir.redeem(token, 0);
    const guest = await dir.login(user({ userId: undefined, guest: true }));

    await abortAllDurableObjects();

    const again = directory(env);
    expect((await again.roomCounts())[1]).toEqual({ players: 0, games: 0 });
    // The guest, in no room yet, still has its token.
    expect((await again.redeem(guest.token, 1))?.userId).toBe(guest.userId);
    // The guest counter survived too: the next guest does not reuse a live guest id.
    const next = await again.login(user({ userId: undefined, guest: true }));
    expect(next.userId).not.toBe(guest.userId);
    expect(next.userId).toBeGreaterThanOrEqual(FIRST_GUEST_ID);
    // A new instance asks the rooms whom they hold (issue 10): room 0 never had a connection
    // for user 600, so it holds nobody, and the rows and counts follow.
    const deadline = Date.now() + 5_000;
    while ((await again.online())[0] !== undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await again.online())[0]).toBeUndefined();
    expect((await again.roomCounts())[0]).toEqual({ players: 0, games: 0 });
    await again.left(guest.userId, 1);
  });
});

/**
 * Everything the room has sent `client` so far has arrived: the room answers 118 (buddy query)
 * with 15 on the same socket, behind anything it sent before.
 */
async function roomCaughtUp(client: TunnelClient): Promise<void> {
  client.send(118);
  await client.nextOfType(15);
}

type DirectoryStub = DurableObjectStub<Directory>;

/**
 * Moves the start of the current room-list window (when the last fan-out went out), as the
 * token tests move expiries: the window then stays open, or is over, however slow the machine.
 */
async function windowStartsAt(dir: DirectoryStub, at: number): Promise<void> {
  await runInDurableObject(dir, (_d, state) => {
    state.storage.sql.exec(
      "INSERT INTO meta (k, v) VALUES ('room_lists_sent_at', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
      at,
    );
  });
}
const HOUR_MS = 3_600_000;
const holdWindowOpen = (dir: DirectoryStub) => windowStartsAt(dir, Date.now() + HOUR_MS);
const endWindow = (dir: DirectoryStub) => windowStartsAt(dir, Date.now() - HOUR_MS);

/** The alarm as scheduled, and the first token expiry (earlier tests leave tokens in their grace). */
async function alarmAndFirstExpiry(
  dir: DirectoryStub,
): Promise<{ alarm: number | null; firstExpiry: number | null; heartbeat: number }> {
  return runInDurableObject(dir, async (d, state) => ({
    alarm: await state.storage.getAlarm(),
    // The presence heartbeat (RECONCILE_SECONDS after the last reconciliation) while anyone is in a room.
    heartbeat: (d as unknown as { reconciledAt: number }).reconciledAt + 30_000,
    firstExpiry: state.storage.sql
      .exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM sessions WHERE room_id IS NULL")
      .one().at,
  }));
}

/** A watcher in room 1 with its join's fan-out sent and the window over: the next change goes out at once. */
async function settledWatcher(dir: DirectoryStub): Promise<TunnelClient> {
  const watcher = await join(1, { nick: "Watcher" });
  expect(await watcher.client.types(5)).toEqual([9, 3, 1, 1, 0]);
  await endWindow(dir);
  await runDurableObjectAlarm(dir); // sends a fan-out the join may have left pending
  await endWindow(dir);
  await roomCaughtUp(watcher.client);
  return watcher.client;
}

/** Room 5 (Tournament 2, wire id 5) in the watcher's latest room list. */
function room5(client: TunnelClient): { players: number; games: number } | undefined {
  const last = client.laterRoomLists[client.laterRoomLists.length - 1];
  if (!last) return undefined;
  return countsIn(roomListOf(last), 5);
}

describe("Directory room-list fan-out (join storms)", () => {
  it("several changes in one window: one fan-out at once, exactly one more at the window's end with the final counts", async () => {
    const dir = directory(env);
    const watcher = await settledWatcher(dir);
    const before = watcher.laterRoomLists.length;

    await dir.reportRoom(5, 1, 0); // the window is over: at once
    await roomCaughtUp(watcher);
    expect(watcher.laterRoomLists.length).toBe(before + 1);
    expect(room5(watcher)).toEqual({ players: 1, games: 0 });

    await holdWindowOpen(dir);
    await dir.reportRoom(5, 2, 0); // within the window: held back
    await dir.reportRoom(5, 3, 1);
    await roomCaughtUp(watcher);
    expect(watcher.laterRoomLists.length).toBe(before + 1);
    const { alarm } = await alarmAndFirstExpiry(dir);
    expect(alarm).not.toBeNull();

    // The alarm at the end of the window sends the counts as they are then, once.
    await endWindow(dir);
    expect(await runDurableObjectAlarm(dir)).toBe(true);
    await roomCaughtUp(watcher);
    expect(watcher.laterRoomLists.length).toBe(before + 2);
    expect(room5(watcher)).toEqual({ players: 3, games: 1 });
    // Nothing is pending any more: a later alarm (a token sweep) sends no list.
    await endWindow(dir);
    await runDurableObjectAlarm(dir);
    await roomCaughtUp(watcher);
    expect(watcher.laterRoomLists.length).toBe(before + 2);

    await dir.reportRoom(5, 0, 0);
    await leaveAll(1, watcher);
  });

  it("the held-back list also goes out by itself when the window ends (the real alarm)", async () => {
    const dir = directory(env);
    const watcher = await settledWatcher(dir);
    await dir.reportRoom(5, 1, 0);
    await windowStartsAt(dir, Date.now()); // a window that ends in a second
    await dir.reportRoom(5, 2, 0);
    const rooms = await watcher.laterRoomListWhere((r) => countsIn(r, 5)?.players === 2);
    expect(countsIn(rooms, 5)).toEqual({ players: 2, games: 0 });

    await dir.reportRoom(5, 0, 0);
    await leaveAll(1, watcher);
  });

  it("an unchanged report sends nothing", async () => {
    const dir = directory(env);
    const watcher = await settledWatcher(dir);
    const before = watcher.laterRoomLists.length;
    expect((await dir.roomCounts())[1]).toEqual({ players: 1, games: 0 });
    await dir.reportRoom(1, 1, 0);
    await roomCaughtUp(watcher);
    expect(watcher.laterRoomLists.length).toBe(before);
    await leaveAll(1, watcher);
  });

  it("the shared alarm still sweeps expired tokens, while a list is held back and after it went out", async () => {
    const dir = directory(env);
    const watcher = await settledWatcher(dir);
    const before = watcher.laterRoomLists.length;
    const expire = (userId: number) =>
      runInDurableObject(dir, (_d, state) => {
        state.storage.sql.exec("UPDATE sessions SET expires_at = ? WHERE user_id = ?", Date.now() - 1, userId);
      });
    const sessionIds = () =>
      runInDurableObject(dir, (_d, state) =>
        state.storage.sql
          .exec<{ user_id: number }>("SELECT user_id FROM sessions")
          .toArray()
          .map((r) => r.user_id),
      );

    // A list held back and a token whose grace ran out: the alarm sweeps the token, keeps the
    // list back and re-arms for the end of the window (or an earlier token expiry).
    const early = await dir.login(user({ userId: 700 }));
    await dir.reportRoom(5, 1, 0); // at once
    await holdWindowOpen(dir);
    await dir.reportRoom(5, 2, 0); // held back
    await expire(700);
    expect(await runDurableObjectAlarm(dir)).toBe(true);
    expect(await sessionIds()).not.toContain(700);
    expect(await dir.redeem(early.token, 0)).toBeNull();
    await roomCaughtUp(watcher);
    expect(watcher.laterRoomLists.length).toBe(before + 1);
    const held = await alarmAndFirstExpiry(dir);
    const windowEnd = await runInDurableObject(
      dir,
      (_d, state) =>
        state.storage.sql.exec<{ v: number }>("SELECT v FROM meta WHERE k = 'room_lists_sent_at'").one().v +
        ROOM_LIST_WINDOW_MS,
    );
    expect(held.alarm).toBe(Math.min(windowEnd, held.firstExpiry ?? Number.POSITIVE_INFINITY, held.heartbeat));

    await endWindow(dir);
    expect(await runDurableObjectAlarm(dir)).toBe(true);
    await roomCaughtUp(watcher);
    expect(watcher.laterRoomLists.length).toBe(before + 2);
    expect(room5(watcher)).toEqual({ players: 2, games: 0 });

    // With no list pending the alarm waits for the next token to run out (or the presence
    // heartbeat, the watcher being in a room), and sweeps it then.
    const late = await dir.login(user({ userId: 701 }));
    const after = await alarmAndFirstExpiry(dir);
    expect(after.alarm).toBe(Math.min(after.firstExpiry ?? Number.POSITIVE_INFINITY, after.heartbeat));
    await expire(701);
    expect(await runDurableObjectAlarm(dir)).toBe(true);
    expect(await sessionIds()).not.toContain(701);
    expect(await dir.redeem(late.token, 0)).toBeNull();

    await dir.reportRoom(5, 0, 0);
    await leaveAll(1, watcher);
  });
});
