import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { directoryStub as directory } from "../../edge/objects.ts";
import type { StatusRoom } from "../../worker/routes/status.ts";

describe("GET /status.json", () => {
  it("is public and lists every configured room", async () => {
    const res = await SELF.fetch("http://edge/status.json");
    expect(res.status).toBe(200);
    const body = await res.json<{ rooms: StatusRoom[] }>();
    expect(body.rooms).toHaveLength(9);
    expect(body.rooms[0]).toMatchObject({
      id: 0,
      name: "Unranked",
      game: "myth2",
      type: 0,
      room_type: "unranked",
      players: [],
    });
  });

  it("asks occupied rooms for their own status", async () => {
    const dir = directory(env);
    const { token } = await dir.login({
      userId: 77,
      userName: "zed",
      guest: false,
      adminLevel: 0,
      dialect: "myth2",
      encrypted: true,
      build: 428,
      appVersion: 2180,
      playerData: new Uint8Array(40),
      clientAddress: "203.0.113.1:1",
    });
    await dir.redeem(token, 2);
    await dir.reportRoom(2, 1, 0);
    const body = await (await SELF.fetch("http://edge/status.json")).json<{ rooms: StatusRoom[] }>();
    const ranked = body.rooms.find((r) => r.id === 2);
    // Room 2 is occupied, so it was asked; the room's own view (nobody connected) wins over the directory's.
    expect(ranked?.player_count).toBe(ranked?.players.length);
    expect(ranked?.games).toEqual([]);
    expect(body.rooms.find((r) => r.id === 3)).toMatchObject({ player_count: 0, players: [], games: [] });
  });
});

describe("GET /status.json under a flood of reads", () => {
  it("is built once per cache window, whoever asks, and fresh after it", async () => {
    const { createExecutionContext } = await import("cloudflare:test");
    const { default: worker } = await import("../../worker/index.ts");
    const { limitCount } = await import("../../edge/abuse/counters.ts");
    // Its own env object: its own configuration, so its own cache (not the tests' above).
    const vars = { ...env, STATUS_CACHE_SECONDS: "1" };
    const get = () => worker.fetch(new Request("http://edge/status.json"), vars, createExecutionContext());
    const hits = limitCount("status_cache_hit");
    const first = await get();
    expect(first.headers.get("Cache-Control")).toBe("public, max-age=1");
    const burst = await Promise.all(Array.from({ length: 20 }, get));
    const stamp = first.headers.get("X-Status-Generated-At");
    for (const res of burst) expect(res.headers.get("X-Status-Generated-At")).toBe(stamp);
    expect(limitCount("status_cache_hit") - hits).toBe(20);
    await new Promise((r) => setTimeout(r, 1_050));
    expect((await get()).headers.get("X-Status-Generated-At")).not.toBe(stamp);
  });
});
