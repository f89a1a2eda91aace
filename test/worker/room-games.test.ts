import { env, runInDurableObject } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { u32s } from "../support/bytes.ts";
import {
  chatBody,
  countsIn,
  createGamePayload,
  gameData,
  gameEntries,
  join,
  leaveAll,
  playerEntries,
  roomStub,
  textOf,
} from "./room-helpers.ts";

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition never held");
}

vi.setConfig({ testTimeout: 30_000 });

const HOST_ADDRESS = "203.0.113.9:5000";
const HOST_IPV4 = 203 * 2 ** 24 + 0 * 2 ** 16 + 113 * 2 ** 8 + 9;

it("create, update, start, list and remove a game: the other player sees it all with the host's address", async () => {
  const host = await join(0, { nick: "Host" }, HOST_ADDRESS);
  await host.client.types(5);
  const other = await join(0, { nick: "Other" });
  await other.client.types(5);
  expect(playerEntries(await host.client.next())).toMatchObject([{ verb: 0, playerId: other.userId }]);

  // First create: 2 add to everyone, then the counts change (a room list, maybe coalesced).
  const first = gameData("Fun Game", "Forest Heart", 8, 1);
  host.client.send(104, createGamePayload(3453, first));
  for (const c of [other.client, host.client]) {
    const add = await c.next();
    expect(add.type).toBe(2);
    const [entry] = gameEntries(add);
    expect(entry).toMatchObject({
      gameId: host.userId,
      creatorId: host.userId,
      host: HOST_IPV4,
      port: 3453,
      verb: 0,
      secondsRemaining: 0,
    });
    expect(entry?.data).toEqual(first);
    await c.laterRoomListWhere((rooms) => countsIn(rooms, 0)?.games === 1);
  }

  // A late full update shows both players and the game.
  other.client.send(110);
  expect(playerEntries(await other.client.next()).map((e) => e.playerId)).toEqual([host.userId, other.userId]);
  expect(gameEntries(await other.client.next()).map((g) => g.gameId)).toEqual([host.userId]);

  // Create again = update: 2 change with the new data, no count change.
  const second = gameData("Fun Game", "Forest Heart", 8, 2);
  host.client.send(104, createGamePayload(3453, second));
  const change = gameEntries(await other.client.next())[0];
  expect(change).toMatchObject({ verb: 2, port: 3453, host: HOST_IPV4 });
  expect(change?.data).toEqual(second);
  await host.client.next();

  // Who plays, then start with a 10-minute limit: a change shows the time remaining.
  host.client.send(111, u32s(host.userId, host.userId, other.userId));
  // This harness may reorder one client's frames: make sure 111 landed before going on.
  await until(async () =>
    runInDurableObject(roomStub(0), (_room, state) =>
      state.storage.sql
        .exec<{ players: string }>("SELECT players FROM games")
        .toArray()
        .some((r) => r.players !== "[]"),
    ),
  );
  host.client.send(114, new Uint8Array([0, 0, 0x02, 0x58, 0, 0, 0, 0, 0, 0, 0, 0]));
  const started = gameEntries(await other.client.next())[0];
  expect(started?.verb).toBe(2);
  expect(started?.secondsRemaining).toBeGreaterThan(590);
  expect(started?.secondsRemaining).toBeLessThanOrEqual(600);
  await host.client.next();

  const status = await roomStub(0).status();
  expect(status.games).toEqual([
    {
      name: "Fun Game",
      map: "Forest Heart",
      scoring: 0,
      hostUserId: host.userId,
      players: 2,
      maxPlayers: 8,
      elapsedSeconds: expect.any(Number),
    },
  ]);
  expect(status.players.map((p) => p.nick)).toEqual(["Host", "Other"]);

  // .games names the game and its host.
  other.client.send(200, chatBody(other.userId, "Other", ".games"));
  expect(textOf(await other.client.nextOfType(10))).toMatch(/^'Fun Game\|p', 2\/8, \|iHost:\|p 'Host\|p'/);

  // A score report goes to D1 through the Results object (the host's is taken at once); the room carries on.
  host.client.send(112, new Uint8Array([...u32s(host.userId), ...twoPlayerStandings(host.userId, other.userId)]));
  host.client.send(200, chatBody(host.userId, "Host", "gg"));
  expect(textOf({ type: 200, payload: (await other.client.nextOfType(200)).payload.subarray(24 + 5) })).toBe("gg");
  // Frames of one client may reach the room out of order in this harness: wait for the report.
  let stored: { status: string; players: number }[] = [];
  for (let i = 0; i < 100 && stored[0]?.status !== "reported"; i++) {
    stored = (
      await env.DB.prepare(
        `SELECT status, (SELECT COUNT(*) FROM game_players p WHERE p.game_id = g.id AND p.team_index IS NOT NULL) AS players
         FROM games g WHERE host_id = ? ORDER BY id DESC LIMIT 1`,
      )
        .bind(host.userId)
        .all<{ status: string; players: number }>()
    ).results;
    if (stored[0]?.status !== "reported") await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(stored).toEqual([{ status: "reported", players: 2 }]);

  // Remove: 2 delete, then the counts.
  host.client.send(105);
  const removed = gameEntries(await other.client.nextOfType(2))[0];
  expect(removed).toMatchObject({ gameId: host.userId, verb: 1 });
  await other.client.laterRoomListWhere((rooms) => countsIn(rooms, 0)?.games === 0);
  expect((await roomStub(0).status()).games).toEqual([]);

  // A host that disconnects takes its game with it: 2 delete, then 1 delete.
  host.client.send(104, createGamePayload(3453, first));
  expect(gameEntries(await other.client.nextOfType(2))[0]?.verb).toBe(0);
  host.client.close();
  expect(gameEntries(await other.client.nextOfType(2))[0]).toMatchObject({ gameId: host.userId, verb: 1 });
  expect(playerEntries(await other.client.nextOfType(1))[0]).toMatchObject({ playerId: host.userId, verb: 1 });
  await leaveAll(0, other.client);
  expect((await roomStub(0).status()).games).toEqual([]);
});

it("Aleph One: a listed game that has not started announces seconds_remaining -1 (A1S; Myth rooms say 0)", async () => {
  const host = await join(8, { dialect: "marathon", nick: "Host" }, HOST_ADDRESS);
  await host.client.types(4);
  const other = await join(8, { dialect: "marathon", nick: "Other" });
  await other.client.types(4);
  host.client.send(104, createGamePayload(4226, gameData("Marathon", "Waterloo", 8, 1)));
  const [entry] = gameEntries(await other.client.nextOfType(2));
  expect(entry).toMatchObject({ gameId: host.userId, verb: 0, secondsRemaining: -1 });
  // The full list a newcomer gets says the same.
  other.client.send(110);
  await other.client.nextOfType(1);
  expect(gameEntries(await other.client.nextOfType(2))[0]?.secondsRemaining).toBe(-1);
  await leaveAll(8, host.client, other.client);
});

/** game_score standings (§5.21, variable layout): host first, other second, two teams. */
function twoPlayerStandings(hostId: number, otherId: number): Uint8Array {
  const bytes = new Uint8Array(24 + 16 * 12 + 2 * 28);
  const v = new DataView(bytes.buffer);
  v.setUint32(16, hostId); // reporting player
  v.setInt16(20, 2); // players
  v.setInt16(22, 2); // teams
  for (const t of [0, 1]) {
    const at = 24 + t * 12;
    v.setInt16(at, t); // place
    v.setInt16(at + 2, t); // captain index
    v.setInt16(at + 4, 1); // valid
  }
  [hostId, otherId].forEach((id, i) => {
    const at = 24 + 16 * 12 + i * 28;
    v.setInt16(at, i); // team
    v.setInt16(at + 2, 1); // finished
    v.setUint32(at + 24, id);
  });
  return bytes;
}
