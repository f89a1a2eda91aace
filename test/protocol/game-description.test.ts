import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeGameData,
  encodeGameData,
  type GameData,
  gameDescription,
  scoringName,
  summarizeGameData,
} from "../../protocol/structs/game-description.ts";

const i16 = fc.integer({ min: -0x8000, max: 0x7fff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const name = (max: number) => fc.string({ maxLength: max }).filter((s) => /^[\x20-\x7e]*$/.test(s));

const gameDataArb: fc.Arbitrary<GameData> = fc.record({
  description: fc.record({
    type: i16,
    scoring: i16,
    optionFlags: u32,
    timeLimit: i32,
    scenarioTag: u32,
    difficulty: i16,
    maxPlayers: i16,
    initialTeamRandomSeed: u16,
    maxTeams: i16,
    randomSeed: u32,
    pregameTimeLimit: i32,
    unused: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    unusedShort: i16,
    pluginCount: i16,
    pluginData: fc.uint8Array({ minLength: 512, maxLength: 512 }),
    publicTagsChecksum: i32,
    privateTagsChecksum: i32,
    flags: u16,
    playerCount: u8,
    action: u8,
  }),
  name: name(31),
  map: name(63),
});

describe("game data (§4.7)", () => {
  it("round-trips every field", () => {
    fc.assert(
      fc.property(gameDataArb, (g) => {
        const bytes = encodeGameData(g);
        expect(bytes.byteLength).toBe(568 + g.name.length + 1 + g.map.length + 1);
        expect(decodeGameData(bytes)).toEqual({ ok: true, value: g });
      }),
    );
  });

  it("puts max players at offset 18 and the player count at 566", () => {
    const bytes = encodeGameData({
      description: gameDescription({ maxPlayers: 12, playerCount: 5 }),
      name: "G",
      map: "M",
    });
    const view = new DataView(bytes.buffer);
    expect(view.getInt16(18)).toBe(12);
    expect(view.getUint8(566)).toBe(5);
    expect(summarizeGameData(bytes)).toEqual({ name: "G", map: "M", scoring: 0, players: 5, maxPlayers: 12 });
  });

  it("refuses short or unterminated data with a typed error, and summarizes it as blanks", () => {
    const bytes = encodeGameData({ description: gameDescription(), name: "Game", map: "Map" });
    const short = decodeGameData(bytes.subarray(0, 100));
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.error.kind).toBe("truncated");
    const unterminated = decodeGameData(bytes.subarray(0, bytes.byteLength - 1));
    expect(unterminated.ok).toBe(false);
    expect(summarizeGameData(bytes.subarray(0, 100))).toEqual({
      name: "",
      map: "",
      scoring: 0,
      players: 0,
      maxPlayers: 0,
    });
  });

  it("names the scorings of §4.8", () => {
    expect(scoringName(0)).toBe("Body Count");
    expect(scoringName(5)).toBe("Capture the Flag");
    expect(scoringName(99)).toBe("Scoring 99");
  });
});
