import { env, runInDurableObject } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { Room } from "../../durable-objects/room/object.ts";
import type { Connection } from "../../durable-objects/room/state.ts";
import { encodePacket } from "../../protocol/header.ts";
import { MuxFrameWriter } from "../../tunnel/mux.ts";
import {
  chatBody,
  chatOf,
  createGamePayload,
  gameData,
  gameEntries,
  join,
  leaveAll,
  playerEntries,
  roomStub,
} from "./room-helpers.ts";

vi.setConfig({ testTimeout: 30_000 });

/**
 * A Room instance built from scratch over the same state is what workerd makes after
 * hibernation or eviction: nothing in memory, only socket tags and SQLite. (Real hibernation
 * through the bridge is covered by the e2e suite.)
 */
it("a fresh Room instance restores players and games from storage, and keeps serving them", async () => {
  const a = await join(0, { nick: "Alice" }, "192.0.2.10:7000");
  await a.client.types(5);
  const b = await join(0, { nick: "Bob" });
  await b.client.types(5);
  expect(playerEntries(await a.client.next())).toMatchObject([{ verb: 0, playerId: b.userId }]);
  a.client.send(104, createGamePayload(2000, gameData("Survivor", "Bridge", 4, 1)));
  expect(gameEntries(await b.client.nextOfType(2))[0]?.verb).toBe(0);
  await a.client.nextOfType(2);

  const restored = await runInDurableObject(roomStub(0), async (_old: Room, state) => {
    const fresh = new Room(state, env);
    const status = await fresh.status();
    // The fresh instance relays Alice's chat to Bob with her verified identity: find her
    // connection in storage and her bridge's socket by its tag.
    const stored = state.storage.sql
      .exec<{ state: string }>("SELECT state FROM connections")
      .toArray()
      .map((row) => JSON.parse(row.state) as Connection)
      .find((c) => c.player?.userId === a.userId);
    if (!stored) throw new Error("Alice's connection is gone");
    const [socket, num] = [stored.id.slice(0, stored.id.lastIndexOf(":")), Number(stored.id.split(":").pop())];
    const alice = state
      .getWebSockets()
      .find((ws) => (ws.deserializeAttachment() as { socket: string }).socket === socket);
    if (!alice) throw new Error("Alice's socket is gone");
    const w = new MuxFrameWriter();
    w.packetUp(num, encodePacket(200, chatBody(0, "?", "after the reset")));
    await fresh.webSocketMessage(alice, w.take().buffer as ArrayBuffer);
    return status;
  });
  expect(restored.players.map((p) => [p.userId, p.nick])).toEqual([
    [a.userId, "Alice"],
    [b.userId, "Bob"],
  ]);
  expect(restored.games).toMatchObject([{ name: "Survivor", map: "Bridge", players: 1, maxPlayers: 4 }]);
  const relayed = chatOf(await b.client.nextOfType(200));
  expect([relayed.playerId, relayed.name, relayed.text]).toEqual([a.userId, "Alice", "after the reset"]);

  // Alice leaving is handled by whichever instance gets the close: her game and entry go.
  a.client.close();
  expect(gameEntries(await b.client.nextOfType(2))[0]).toMatchObject({ gameId: a.userId, verb: 1 });
  expect(playerEntries(await b.client.nextOfType(1))[0]).toMatchObject({ playerId: a.userId, verb: 1 });
  await leaveAll(0, b.client);
});
