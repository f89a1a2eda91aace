import { describe, expect, it } from "vitest";
import { loadConfig } from "../../edge/config.ts";
import { buildRoomList } from "../../edge/room-list.ts";
import { dialectsOf, gameOf } from "../../protocol/families.ts";

const config = loadConfig({});
const counts = { 0: { players: 5, games: 2 }, 2: { players: 1, games: 0 }, 8: { players: 3, games: 1 } };
const local = "192.0.2.10:6321";

describe("gameOf", () => {
  it("maps both Myth II dialects to myth2 and the others to their own game", () => {
    expect(gameOf("myth2")).toBe("myth2");
    expect(gameOf("myth2-legacy")).toBe("myth2");
    expect(gameOf("myth1")).toBe("myth1");
    expect(gameOf("myth3")).toBe("myth3");
    expect(gameOf("marathon")).toBe("marathon");
    expect(dialectsOf("myth2")).toEqual(["myth2", "myth2-legacy"]);
    expect(dialectsOf("marathon")).toEqual(["marathon"]);
  });
});

describe("buildRoomList", () => {
  it("Myth II 1.8: its six rooms, host 0 (GoS), counts, types and film flags", () => {
    const list = buildRoomList(config, counts, { dialect: "myth2", guest: false, localAddress: local });
    expect(list).toHaveLength(6);
    expect(list[0]).toEqual({
      roomId: 0,
      playerCount: 5,
      host: 0,
      port: 6323,
      gameCount: 2,
      roomType: 0,
      roomFlags: 1,
    });
    expect(list.map((r) => r.roomType)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(list.map((r) => r.roomFlags)).toEqual([1, 3, 3, 3, 3, 3]);
    expect(list.every((r) => r.host === 0)).toBe(true);
    expect(list[2]?.playerCount).toBe(1);
    expect(list[1]?.playerCount).toBe(0);
  });

  it("sets bit2 on the rooms a guest may not enter (ranked and tournament by default)", () => {
    const list = buildRoomList(config, counts, { dialect: "myth2", guest: true, localAddress: local });
    expect(list.map((r) => (r.roomFlags & 4) !== 0)).toEqual([false, false, true, true, true, true]);
  });

  it("older Myth II clients get the same rooms but the bridge's real address as host", () => {
    const list = buildRoomList(config, counts, { dialect: "myth2-legacy", guest: false, localAddress: local });
    expect(list).toHaveLength(6);
    expect(list.every((r) => r.host === 0xc000020a)).toBe(true);
  });

  it("Aleph One sees only its own room, as room 0 with the real host", () => {
    const list = buildRoomList(config, counts, { dialect: "marathon", guest: true, localAddress: "127.0.0.1:6321" });
    expect(list).toEqual([
      { roomId: 0, playerCount: 3, host: 0x7f000001, port: 6331, gameCount: 1, roomType: 0, roomFlags: 0 },
    ]);
  });

  it("Myth TFL and Myth III see only their own rooms", () => {
    const tfl = buildRoomList(config, counts, { dialect: "myth1", guest: false, localAddress: local });
    const wolf = buildRoomList(config, counts, { dialect: "myth3", guest: false, localAddress: local });
    expect(tfl.map((r) => r.port)).toEqual([6329]);
    expect(wolf.map((r) => r.port)).toEqual([6330]);
  });

  it("ROOM_HOST overrides the bridge address for clients that need a real IP", () => {
    const withHost = loadConfig({ ROOM_HOST: "198.51.100.1" });
    const list = buildRoomList(withHost, {}, { dialect: "myth1", guest: false, localAddress: local });
    expect(list[0]?.host).toBe(0xc6336401);
    const gos = buildRoomList(withHost, {}, { dialect: "myth2", guest: false, localAddress: local });
    expect(gos[0]?.host).toBe(0);
  });
});
