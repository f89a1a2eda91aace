/**
 * The social rules as plain functions: game search matching (required / despised / don't care,
 * names), player search ranking, and the room's buddy, order and search answers over fakes.
 */
import { describe, expect, it } from "vitest";
import { rankPlayers } from "../../durable-objects/directory/player-search.ts";
import { matchesSearch, SearchOption, searchGames } from "../../durable-objects/room/game-search.ts";
import type { Game } from "../../durable-objects/room/games.ts";
import { encodePlayerData } from "../../protocol/messages.ts";
import { encodeGameData, GameOption, gameDescription } from "../../protocol/structs/game-description.ts";
import { FakeRoom, playerData } from "./fake-room.ts";

const { Required, Despised, DontCare } = SearchOption;

function game(hostId: number, fields: { flags?: number; scoring?: number; name?: string; map?: string } = {}): Game {
  return {
    hostId,
    host: 0,
    port: 3453,
    order: 0,
    data: encodeGameData({
      description: gameDescription({
        scoring: fields.scoring ?? 0,
        optionFlags: fields.flags ?? 0,
        maxPlayers: 8,
        playerCount: 1,
      }),
      name: fields.name ?? `Game ${hostId}`,
      map: fields.map ?? "Shiver",
    }),
    createdAt: hostId,
    startedAt: null,
    timeLimit: 0,
    players: [],
  };
}

const anyQuery = {
  gameType: 0,
  gameScoring: -1,
  veterans: DontCare,
  unitTrading: DontCare,
  teams: DontCare,
  alliances: DontCare,
  enemyVisibility: DontCare,
  gameName: "",
  mapName: "",
};

describe("game search", () => {
  const teams = game(1, { flags: GameOption.AllowTeams });
  const vets = game(2, { flags: GameOption.Veterans | (1 << 2), scoring: 5, name: "Capture Me", map: "Gulch" });
  const plain = game(3);

  it("honours required, despised and don't care for each option", () => {
    expect(searchGames([teams, vets, plain], { ...anyQuery, teams: Required }).map((g) => g.hostId)).toEqual([1]);
    expect(searchGames([teams, vets, plain], { ...anyQuery, teams: Despised }).map((g) => g.hostId)).toEqual([2, 3]);
    expect(searchGames([teams, vets, plain], { ...anyQuery, veterans: Required, enemyVisibility: Required })).toEqual([
      vets,
    ]);
    expect(searchGames([teams, vets, plain], { ...anyQuery, enemyVisibility: Despised }).map((g) => g.hostId)).toEqual([
      1, 3,
    ]);
    expect(searchGames([teams, vets, plain], anyQuery)).toHaveLength(3);
  });

  it("matches scoring, name and map (case-insensitively); skips started and full games; at most 5", () => {
    expect(matchesSearch(vets, { ...anyQuery, gameScoring: 5 })).toBe(true);
    expect(matchesSearch(plain, { ...anyQuery, gameScoring: 5 })).toBe(false);
    expect(matchesSearch(vets, { ...anyQuery, gameName: "capture", mapName: "GUL" })).toBe(true);
    expect(matchesSearch(vets, { ...anyQuery, mapName: "Shiver" })).toBe(false);
    expect(matchesSearch({ ...plain, startedAt: 5 }, anyQuery)).toBe(false);
    const full = {
      ...plain,
      data: encodeGameData({ description: gameDescription({ maxPlayers: 2, playerCount: 2 }), name: "F", map: "M" }),
    };
    expect(matchesSearch(full, anyQuery)).toBe(false);
    expect(matchesSearch({ ...plain, data: new Uint8Array(3) }, anyQuery)).toBe(false);
    expect(
      searchGames(
        Array.from({ length: 9 }, (_, i) => game(i + 10)),
        anyQuery,
      ),
    ).toHaveLength(5);
  });
});

describe("player search ranking", () => {
  const people = [
    { nick: "Zorkable", userName: "zz" },
    { nick: "xZork", userName: "x" },
    { nick: "|bZORK", userName: "zork" },
    { nick: "Alice", userName: "alice" },
  ];
  it("exact, then prefix, then contains; formatting and case ignored; empty finds nobody", () => {
    expect(rankPlayers(people, "zork").map((p) => p.nick)).toEqual(["|bZORK", "Zorkable", "xZork"]);
    expect(rankPlayers(people, "ALI").map((p) => p.nick)).toEqual(["Alice"]);
    expect(rankPlayers(people, "  ")).toEqual([]);
    expect(rankPlayers(people, "o", 2)).toHaveLength(2);
  });
});

describe("the room's social answers", () => {
  it("update_buddy: 16 slots for Myth II 1.8, 8 for older Myth; the limit refuses a ninth", async () => {
    const room = new FakeRoom(0);
    const a = await room.join(11, "Alice", "myth2");
    room.take(a);
    await room.send(a, { type: 120, buddyId: 12, add: true });
    const [list] = room.take(a);
    expect(list?.type === 19 && list.buddies.length).toBe(16);
    expect(list?.type === 19 && list.buddies[0]).toEqual({ playerId: 12, active: 0 });

    const tfl = new FakeRoom(6);
    const b = await tfl.join(21, "Bob", "myth1");
    tfl.take(b);
    for (let id = 100; id < 109; id++) await tfl.send(b, { type: 120, buddyId: id, add: true }, "myth1");
    const last = tfl.take(b).at(-1);
    expect(last?.type === 19 && last.buddies.map((e) => e.playerId)).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
  });

  it("buddy_query lists only online buddies of the same game; guests get empty lists", async () => {
    const room = new FakeRoom(0);
    const a = await room.join(11, "Alice", "myth2");
    room.buddies.set(11, [12, 13, 14]);
    const data = encodePlayerData(playerData("Bee"));
    room.online.set(12, { userId: 12, roomId: 1, wireRoomId: 1, guest: false, adminLevel: 0, playerData: data });
    room.online.set(13, { userId: 13, roomId: 6, wireRoomId: 0, guest: false, adminLevel: 0, playerData: data }); // Myth TFL
    room.take(a);
    await room.send(a, { type: 118 });
    const [answer] = room.take(a);
    expect(answer?.type === 15 && answer.results.map((r) => [r.aux.playerId, r.roomId])).toEqual([[12, 1]]);

    const g = await room.join(1073741900, "Guest", "myth2", true);
    room.take(g);
    await room.send(g, { type: 120, buddyId: 11, add: true });
    await room.send(g, { type: 118 });
    await room.send(g, { type: 119 });
    const got = room.take(g);
    expect(got.map((m) => m.type)).toEqual([19, 15, 16]);
    expect(room.buddies.has(1073741900)).toBe(false);
    expect(room.closed(g)).toBe(false);
  });

  it("a member's join brings 20 with who is online; a directory notice brings a fresh 19", async () => {
    const room = new FakeRoom(0);
    room.orders.set(7, [11, 12]);
    room.online.set(12, {
      userId: 12,
      roomId: 1,
      wireRoomId: 1,
      guest: false,
      adminLevel: 0,
      playerData: encodePlayerData(playerData("Mate")),
    });
    const a = await room.join(11, "Alice", "myth2");
    const twenty = room.take(a).find((m) => m.type === 20);
    expect(twenty?.type === 20 && twenty.members).toEqual([
      { playerId: 11, online: false },
      { playerId: 12, online: true },
    ]);
    room.core.socialNotice(11, { buddies: [{ playerId: 12, online: true }] });
    const [notice] = room.take(a);
    expect(notice?.type === 19 && notice.buddies[0]).toEqual({ playerId: 12, active: 2 });
  });

  it("game search merges this room's games with the other rooms' answers, 5 at most", async () => {
    const room = new FakeRoom(0);
    const host = await room.join(11, "Host", "myth2");
    room.take(host);
    const seeker = await room.join(12, "Seeker", "myth2");
    room.take(seeker);
    await room.send(host, {
      type: 104,
      port: 3453,
      order: 0,
      gameData: game(11, { flags: GameOption.AllowTeams }).data,
    });
    room.otherRoomGames = Array.from({ length: 6 }, (_, i) => ({
      aux: { gameId: 50 + i, host: 0, port: 1, verb: 0, version: 0, secondsRemaining: 0, creatorId: 50 + i },
      gameData: game(50 + i).data,
    }));
    room.take(seeker);
    await room.send(seeker, { type: 116, ...anyQuery, teams: Required });
    const [found] = room.take(seeker);
    expect(found?.type === 13 && found.games.map((g) => g.aux.gameId)).toEqual([11, 50, 51, 52, 53]);
  });
});

describe("the social budget", () => {
  it("past SOCIAL_QUERIES_PER_MINUTE a query gets a blue-bar line and an empty list, until the minute passes", async () => {
    const room = new FakeRoom(0);
    const budget = room.core.services.edgeConfig().socialQueriesPerMinute;
    room.online.set(12, {
      userId: 12,
      roomId: 1,
      wireRoomId: 1,
      guest: false,
      adminLevel: 0,
      playerData: encodePlayerData(playerData("Findme")),
    });
    const a = await room.join(11, "Alice", "myth2");
    room.take(a);
    for (let i = 0; i < budget; i++) await room.send(a, { type: 117, query: "*" });
    expect(room.take(a).every((m) => m.type === 14 && m.results.length === 1)).toBe(true);
    await room.send(a, { type: 117, query: "*" });
    const refused = room.take(a);
    expect(refused.map((m) => m.type)).toEqual([10, 14]);
    expect(refused[1]?.type === 14 && refused[1].results).toEqual([]);
    await room.send(a, { type: 120, buddyId: 12, add: true });
    expect(room.types(a)).toEqual([10]);
    expect(room.buddies.get(11)).toBeUndefined();
    room.now += 60_001;
    await room.send(a, { type: 117, query: "*" });
    expect(room.take(a).map((m) => m.type === 14 && m.results.length)).toEqual([1]);
  });
});
