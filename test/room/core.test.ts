/**
 * The room's rules as plain functions: state in, effects out, in milliseconds and without
 * workerd. The Durable Object shell around them is covered by the workerd and end-to-end suites.
 */
import { describe, expect, it } from "vitest";
import type { Message, RoomBroadcastMessage } from "../../protocol/messages.ts";
import { FakeRoom, playerData } from "./fake-room.ts";

const RED = { red: 0xff00, green: 0, blue: 0, flags: 0 };

function chat(text: string, senderId = 0, senderName = "?"): RoomBroadcastMessage {
  return {
    type: 200,
    header: { chatType: 0, color: RED, flags: 0, playerId: senderId, selectedPlayerId: 0 },
    senderName,
    text,
  };
}

const playerIds = (m: Message | undefined) => (m?.type === 1 ? m.players.map((p) => p.aux.playerId) : null);

describe("room login order per family", () => {
  it("GoS: 9, 3, its own add, the full list, the room list; the keepalive policy goes to the bridge", async () => {
    const room = new FakeRoom(0);
    const a = await room.join(11, "Alice", "myth2");
    const got = room.take(a);
    expect(got.map((m) => m.type)).toEqual([9, 3, 1, 1, 0]);
    expect(playerIds(got[2])).toEqual([11]);
    expect(room.effects).toContainEqual({
      kind: "control",
      to: a,
      frame: { t: "keepalive", intervalMs: 180000, timeoutMs: 600000 },
    });
  });

  it("Aleph One: no add of its own before the full list; the others get the add", async () => {
    const room = new FakeRoom(8);
    const a = await room.join(21, "Marine", "marathon");
    expect(room.types(a)).toEqual([9, 3, 1, 0]);
    const b = await room.join(22, "Scout", "marathon");
    const bGot = room.take(b);
    expect(bGot.map((m) => m.type)).toEqual([9, 3, 1, 0]);
    expect(playerIds(bGot[2])).toEqual([21, 22]);
    expect(room.take(a).map(playerIds)).toEqual([[22]]);
  });

  it("Bungie: unlisted until its first set_player_data, then the lists and its own data (8)", async () => {
    const room = new FakeRoom(6);
    const a = await room.join(31, "Wolf", "myth1");
    expect(room.types(a)).toEqual([9, 3, 0]);
    expect(room.core.status().players).toHaveLength(1);
    await room.send(a, { type: 103, player: playerData("Wolf") }, "myth1");
    expect(room.types(a)).toEqual([1, 8]);
  });
});

describe("chat", () => {
  it("relays with the id and nick the room vouches for, never the forged ones", async () => {
    const room = new FakeRoom(0);
    const a = await room.join(11, "Alice", "myth2");
    const b = await room.join(12, "Bob", "myth2");
    room.take(a);
    room.take(b);
    await room.send(a, chat("hello", 12, "Bob"));
    for (const id of [a, b]) {
      const [m] = room.take(id);
      expect(m).toMatchObject({ type: 200, senderName: "Alice", text: "hello", header: { playerId: 11 } });
    }
  });

  it("deaf players get no room traffic; dot commands answer the caller only and are not relayed", async () => {
    const room = new FakeRoom(0);
    const a = await room.join(11, "Alice", "myth2");
    const b = await room.join(12, "Bob", "myth2");
    room.take(a);
    room.take(b);
    await room.send(b, { type: 107, mode: 1 });
    await room.send(a, chat("anyone?"));
    expect(room.types(b)).toEqual([]);
    await room.send(a, chat(".help"));
    expect(room.take(a).map((m) => (m.type === 10 ? m.text : m.type))).toEqual([
      200,
      "Available commands:",
      ".help .games .proxy .test",
    ]);
    await room.send(a, chat(".nope"));
    expect(room.take(a)).toEqual([{ type: 10, text: "Unknown command '.nope'." }]);
  });
});

describe("games and leaving", () => {
  it("a host's game is listed, stored, and removed with its host; the directory hears of it", async () => {
    const room = new FakeRoom(0);
    const a = await room.join(11, "Alice", "myth2");
    const b = await room.join(12, "Bob", "myth2");
    room.take(a);
    room.take(b);
    await room.send(a, { type: 104, port: 3453, order: 0, gameData: new Uint8Array(600) });
    expect(room.take(b).map((m) => m.type)).toEqual([2]);
    expect([...room.games.keys()]).toEqual([11]);
    expect(room.reports.at(-1)).toEqual([2, 1]);

    await room.core.gone(a);
    const bGot = room.take(b);
    expect(bGot.map((m) => m.type)).toEqual([2, 1]);
    expect(room.games.size).toBe(0);
    expect(room.left).toEqual([11]);
    expect(room.reports.at(-1)).toEqual([1, 0]);
  });

  it("a malformed packet gets code 0 and a close for that client only", async () => {
    const room = new FakeRoom(0);
    const a = await room.join(11, "Alice", "myth2");
    const b = await room.join(12, "Bob", "myth2");
    room.take(a);
    room.take(b);
    await room.core.receive(a, new Uint8Array([0xde, 0xad, 0, 200, 0, 0, 0, 11, 1, 2, 3]));
    expect(room.take(a)).toEqual([expect.objectContaining({ type: 3, code: 0 })]);
    expect(room.closed(a)).toBe(true);
    expect(room.closed(b)).toBe(false);
    expect(room.types(b)).toEqual([1]);
  });

  it("a kick with a reason sends 21 and closes; a kick with a code sends that server message", async () => {
    const room = new FakeRoom(0);
    const a = await room.join(11, "Alice", "myth2");
    room.take(a);
    expect(await room.core.kick(11, "Behave.")).toBe(1);
    expect(room.take(a)).toEqual([{ type: 21, reason: "Behave." }]);
    expect(room.closed(a)).toBe(true);
    expect(await room.core.kick(11, "again")).toBe(0);
  });
});
