import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_ROOMS, loadConfig, normalizeRooms } from "../../edge/config.ts";
import { parseIPv4 } from "../../protocol/ipv4.ts";

describe("loadConfig", () => {
  it("defaults mirror GoS: login 6321, six Myth II rooms from 6323, one room per other game", () => {
    const config = loadConfig({});
    expect(config.loginPort).toBe(6321);
    expect(config.allowGuests).toBe(true);
    expect(config.minimumVersions).toEqual({ myth2AppVersion: 2180, myth2Build: 427, legacyPatch: 3 });
    expect(config.tokenGraceSeconds).toBe(60);
    expect(config.maxRoomCapacity).toBe(999);
    const myth2 = config.rooms.filter((r) => r.game === "myth2");
    expect(myth2.map((r) => [r.id, r.port, r.type, r.films])).toEqual([
      [0, 6323, "unranked", "supported"],
      [1, 6324, "unranked", "required"],
      [2, 6325, "ranked", "required"],
      [3, 6326, "ranked", "required"],
      [4, 6327, "tournament", "required"],
      [5, 6328, "tournament", "required"],
    ]);
    expect(myth2.map((r) => r.guests)).toEqual([true, true, false, false, false, false]);
    const others = config.rooms.filter((r) => r.game !== "myth2");
    expect(others.map((r) => [r.game, r.port, r.wireId])).toEqual([
      ["myth1", 6329, 0],
      ["myth3", 6330, 0],
      ["marathon", 6331, 0],
    ]);
    expect(new Set(config.rooms.map((r) => r.id)).size).toBe(DEFAULT_ROOMS.length);
    expect(config.rooms.every((r) => r.capacity === 32)).toBe(true);
  });

  it("env vars override the login settings", () => {
    const config = loadConfig({
      LOGIN_PORT: "7000",
      ALLOW_GUESTS: "false",
      MIN_MYTH2_BUILD: "428",
      TOKEN_GRACE_SECONDS: "5",
      MAX_ROOM_CAPACITY: "10",
      ROOM_HOST: "192.0.2.7",
    });
    expect(config.loginPort).toBe(7000);
    expect(config.allowGuests).toBe(false);
    expect(config.minimumVersions.myth2Build).toBe(428);
    expect(config.tokenGraceSeconds).toBe(5);
    expect(config.maxRoomCapacity).toBe(10);
    expect(config.roomHost).toBe("192.0.2.7");
    expect(config.rooms.every((r) => r.capacity === 10)).toBe(true);
  });

  it("reads rooms from ROOM_CONFIG and fills in defaults", () => {
    const config = loadConfig({
      ROOM_CONFIG: JSON.stringify([
        { id: 10, game: "myth2", type: "ranked", name: "Big", capacity: 500, joinMessages: ["hi"] },
        { id: 11, game: "marathon", type: "unranked", port: 6335 },
        { id: 12, game: "myth2", type: "unranked" },
      ]),
    });
    expect(config.rooms).toEqual([
      {
        id: 10,
        wireId: 10,
        name: "Big",
        game: "myth2",
        type: "ranked",
        port: 6323,
        capacity: 500,
        guests: false,
        joinMessages: ["hi"],
      },
      {
        id: 11,
        wireId: 11,
        name: "Room 11",
        game: "marathon",
        type: "unranked",
        port: 6335,
        capacity: 32,
        guests: true,
        joinMessages: [],
      },
      {
        id: 12,
        wireId: 12,
        name: "Room 12",
        game: "myth2",
        type: "unranked",
        port: 6336,
        capacity: 32,
        guests: true,
        joinMessages: [],
      },
    ]);
  });

  it.each([
    ["not JSON", "{", /not valid JSON/],
    ["not an array", "{}", /non-empty JSON array/],
    ["empty", "[]", /non-empty JSON array/],
    ["bad game", '[{"id":1,"game":"doom","type":"ranked"}]', /\.game must be one of/],
    ["bad type", '[{"id":1,"game":"myth2","type":"vip"}]', /\.type must be one of/],
    [
      "duplicate id",
      '[{"id":1,"game":"myth2","type":"ranked"},{"id":1,"game":"myth1","type":"ranked"}]',
      /used by another room/,
    ],
    ["login port", '[{"id":1,"game":"myth2","type":"ranked","port":6321}]', /already used/],
    [
      "capacity over max",
      '[{"id":1,"game":"myth2","type":"ranked","capacity":1000}]',
      /capacity must be an integer from 1 to 999/,
    ],
    ["unknown field", '[{"id":1,"game":"myth2","type":"ranked","colour":1}]', /unknown field "colour"/],
  ])("rejects ROOM_CONFIG: %s", (_name, json, message) => {
    expect(() => loadConfig({ ROOM_CONFIG: json })).toThrow(ConfigError);
    expect(() => loadConfig({ ROOM_CONFIG: json })).toThrow(message);
  });

  it("rejects bad scalar vars with the var's name", () => {
    expect(() => loadConfig({ LOGIN_PORT: "http" })).toThrow(/LOGIN_PORT/);
    expect(() => loadConfig({ ALLOW_GUESTS: "maybe" })).toThrow(/ALLOW_GUESTS/);
    expect(() => loadConfig({ ROOM_HOST: "example.com" })).toThrow(/ROOM_HOST/);
  });

  it("guests default to unranked rooms only, and can be set either way", () => {
    const rooms = normalizeRooms([
      { id: 1, game: "myth2", type: "tournament", guests: true },
      { id: 2, game: "myth2", type: "unranked", guests: false },
    ]);
    expect(rooms.map((r) => r.guests)).toEqual([true, false]);
  });
});

describe("parseIPv4", () => {
  it("gives the u32 in network order and ignores a port", () => {
    expect(parseIPv4("127.0.0.1:6321")).toBe(0x7f000001);
    expect(parseIPv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIPv4("256.0.0.1")).toBeNull();
    expect(parseIPv4("::1")).toBeNull();
  });
});
