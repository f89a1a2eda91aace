import { SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { COMMANDS } from "../../durable-objects/room/commands/index.ts";
import { i16s, u32s } from "../support/bytes.ts";
import {
  chatBody,
  chatOf,
  countsIn,
  directedBody,
  join,
  leaveAll,
  playerData,
  playerEntries,
  serverMessageCode,
  textOf,
  untilStored,
} from "./room-helpers.ts";

// Generous: other suites may load the machine; a missing packet still fails fast in the helpers.
vi.setConfig({ testTimeout: 30_000 });

// Default rooms (edge/config.ts): 0 and 1 Myth II unranked, 2-5 ranked/tournament,
// 6 Myth TFL, 7 Myth III, 8 Aleph One; capacity 32; no join messages.

describe("tunnel route", () => {
  it("refuses an unknown room with 404 and a tunnel without the bridge token with 401", async () => {
    const headers = { Upgrade: "websocket", Authorization: "Bearer test-bridge" };
    expect((await SELF.fetch("http://edge.test/tunnel/room/99", { headers })).status).toBe(404);
    expect((await SELF.fetch("http://edge.test/tunnel/room/abc", { headers })).status).toBe(404);
    const noToken = await SELF.fetch("http://edge.test/tunnel/room/0", { headers: { Upgrade: "websocket" } });
    expect(noToken.status).toBe(401);
  });
});

describe("room login order", () => {
  it("Myth II 1.8 (GoS): 9, 3 code 8, 1 add self, full 1, then room list; keepalive control first", async () => {
    const a = await join(0, { nick: "Alice" });
    const login = await a.client.next();
    expect(login.type).toBe(9);
    expect(new DataView(login.payload.buffer).getUint32(0)).toBe(a.userId);
    expect(new DataView(login.payload.buffer).getInt16(4)).toBe(32);
    const ok = await a.client.next();
    expect([ok.type, serverMessageCode(ok), ok.payload.byteLength]).toEqual([3, 8, 132]); // GoS 128-byte text field
    const add = await a.client.next();
    expect(add.type).toBe(1);
    expect(playerEntries(add)).toMatchObject([{ verb: 0, playerId: a.userId, nick: "Alice", caste: -1, flags: 0 }]);
    const full = await a.client.next();
    expect(full.type).toBe(1);
    expect(playerEntries(full).map((e) => e.playerId)).toEqual([a.userId]);
    // No games yet: GoS sends no empty game list. Counts changed ⇒ room list.
    const list = await a.client.next();
    expect(list.type).toBe(0);
    expect(a.client.texts[0]).toEqual({ t: "keepalive", intervalMs: 180000, timeoutMs: 600000 });

    // A second player: the first sees it join; the newcomer sees itself twice and the first.
    const b = await join(0, { nick: "Bob" });
    expect(await b.client.types(5)).toEqual([9, 3, 1, 1, 0]);
    const addB = await a.client.next();
    expect(playerEntries(addB)).toMatchObject([{ verb: 0, playerId: b.userId, nick: "Bob" }]);
    // The new counts reach Alice in a room list (coalesced by the directory, so maybe later).
    await a.client.laterRoomListWhere((rooms) => countsIn(rooms, 0)?.players === 2);

    // Bob leaves: Alice sees 1 delete, then the new counts.
    b.client.close();
    const gone = await a.client.next();
    expect(playerEntries(gone)).toMatchObject([{ verb: 1, playerId: b.userId }]);
    await a.client.laterRoomListWhere((rooms) => countsIn(rooms, 0)?.players === 1);
    await leaveAll(0, a.client);
  });

  it("Bungie family (Myth TFL): 9, 3, then lists only after the first set_player_data, then 8", async () => {
    const a = await join(6, { dialect: "myth1", nick: "Tfl" });
    expect(await a.client.types(3)).toEqual([9, 3, 0]);
    expect(a.client.texts[0]).toEqual({ t: "keepalive", intervalMs: 15000, timeoutMs: 60000 });
    a.client.send(103, playerData("Tfl", "Legion"));
    const full = await a.client.next();
    expect(full.type).toBe(1);
    expect(playerEntries(full)).toMatchObject([{ verb: 0, playerId: a.userId, nick: "Tfl" }]);
    const own = await a.client.next();
    expect(own.type).toBe(8);
    expect(playerEntries({ type: 1, payload: own.payload })).toMatchObject([{ verb: 2, playerId: a.userId }]);

    // A second TFL player: the first sees it only once it sent its player data.
    const b = await join(6, { dialect: "myth1", nick: "Two" });
    expect(await b.client.types(3)).toEqual([9, 3, 0]);
    await a.client.laterRoomListWhere((rooms) => countsIn(rooms, 0)?.players === 2); // TFL room: wire id 0
    b.client.send(103, playerData("Two"));
    expect(playerEntries(await b.client.next()).map((e) => e.playerId)).toEqual([a.userId, b.userId]);
    expect((await b.client.next()).type).toBe(8);
    expect(playerEntries(await a.client.next())).toMatchObject([{ verb: 0, playerId: b.userId, nick: "Two" }]);

    // Later player data is stored and broadcast as a change, but a registered player keeps the
    // nick of its login (issue 10: no renaming into someone else's name mid-session).
    a.client.send(103, playerData("Renamed", "Other"));
    expect(playerEntries(await b.client.next())).toMatchObject([{ verb: 2, playerId: a.userId, nick: "Tfl" }]);
    expect(playerEntries(await a.client.next())).toMatchObject([{ verb: 2, playerId: a.userId, nick: "Tfl" }]);

    // Bungie logout: code 9, then the room closes the connection.
    b.client.send(102);
    const bye = await b.client.next();
    expect([bye.type, serverMessageCode(bye)]).toEqual([3, 9]);
    await b.client.waitClosed();
    expect(playerEntries(await a.client.nextOfType(1))).toMatchObject([{ verb: 1, playerId: b.userId }]);
    await leaveAll(6, a.client);
  });

  it("Aleph One: exactly 9 then 3 first, then the lists without an add of its own (A1S); A1S flags", async () => {
    const a = await join(8, { dialect: "marathon", nick: "Marine" });
    // The A1 client sends its player data right behind room_login.
    a.client.send(103, playerData("Marine", "Team", 0));
    expect(await a.client.types(2)).toEqual([9, 3]);
    // The full list comes first: A1S leaves the newcomer out of the add broadcast (a real A1
    // client logs "received instruction to add item with same ID" otherwise).
    const full = await a.client.next();
    // bit0 registered user, bit14 not away.
    expect(playerEntries(full)).toEqual([expect.objectContaining({ verb: 0, playerId: a.userId, flags: 0x4001 })]);
    expect(a.client.texts[0]).toEqual({ t: "keepalive", intervalMs: 10000, timeoutMs: 20000 });
    // Its 103 is handled after the login: stored whole and broadcast as a change.
    expect(playerEntries(await a.client.nextOfType(1))).toMatchObject([{ verb: 2, flags: 0x4001 }]);
    a.client.send(103, playerData("Marine", "Team", 1));
    const change = await a.client.nextOfType(1);
    const entry = playerEntries(change)[0];
    expect(entry?.verb).toBe(2);
    expect(entry?.flags).toBe(0x0001); // away now: no bit14
    await leaveAll(8, a.client);
  });
});

describe("chat", () => {
  it("relays to everyone including the sender with the verified id and name; forged ids never pass", async () => {
    const a = await join(1, { nick: "Alice" });
    await a.client.types(5);
    const b = await join(1, { nick: "Bob" });
    await b.client.types(5);
    expect(playerEntries(await a.client.next())).toMatchObject([{ verb: 0, playerId: b.userId }]);

    // Alice claims to be Bob.
    a.client.send(200, chatBody(b.userId, "Bob", "hello all", b.userId));
    for (const c of [a.client, b.client]) {
      const p = await c.next();
      expect(p.type).toBe(200);
      expect(chatOf(p)).toEqual({ playerId: a.userId, selectedPlayerId: b.userId, name: "Alice", text: "hello all" });
      // Servers write the true length; the client sent 0.
      expect(new DataView(p.payload.buffer).getUint16(2)).toBe(24 + 6 + 10);
    }

    // Private with echo: the target and the sender get it.
    a.client.send(201, directedBody(b.userId, true, 12345, "Mallory", "psst"));
    for (const c of [b.client, a.client]) {
      const p = await c.next();
      expect(chatOf(p)).toEqual({
        target: b.userId,
        echo: 1,
        playerId: a.userId,
        selectedPlayerId: 0,
        name: "Alice",
        text: "psst",
      });
    }
    // Without echo only the target; a target not in the room ⇒ code 10 to the sender.
    // (Each request waits for its answer: the test harness does not keep client→room frame order.)
    a.client.send(201, directedBody(b.userId, false, a.userId, "Alice", "quiet"));
    expect(chatOf(await b.client.next()).text).toBe("quiet");
    a.client.send(201, directedBody(424242, true, a.userId, "Alice", "anyone?"));
    const absent = await a.client.next();
    expect([absent.type, serverMessageCode(absent)]).toEqual([3, 10]);

    // Deaf clients get no room traffic; listening again brings it back.
    b.client.send(107, i16s(1));
    await untilStored(1, (s) => s.player?.userId === b.userId && s.player.deaf);
    a.client.send(200, chatBody(a.userId, "Alice", "while deaf"));
    expect(chatOf(await a.client.next()).text).toBe("while deaf");
    b.client.send(107, i16s(0));
    // Bob's own queue handles the mode change before his chat: "back" is his next packet,
    // so "while deaf" never reached him.
    b.client.send(200, chatBody(b.userId, "Bob", "back"));
    expect(chatOf(await b.client.next()).text).toBe("back");
    a.client.send(200, chatBody(a.userId, "Alice", "after"));
    expect(chatOf(await b.client.next()).text).toBe("after");

    // Dot commands answer the caller with blue lines and are not relayed.
    const lines: string[] = [];
    // `.help`: its first line, then one per command a player may use.
    const helpLines = 1 + COMMANDS.filter((c) => c.level === 0).length;
    for (const [command, answers] of [
      [".frob", 1],
      [".help", helpLines],
      [".games", 1],
    ] as const) {
      a.client.send(200, chatBody(a.userId, "Alice", command));
      for (let i = 0; i < answers; i++) lines.push(textOf(await a.client.nextOfType(10)));
    }
    expect(lines[0]).toBe("Unknown command '.frob'.");
    expect(lines.slice(1, 4)).toEqual([
      "Available commands:",
      ".help - lists the commands you may use",
      ".games - lists the games in this room",
    ]);
    expect(lines.join("\n")).not.toContain(".kick");
    expect(lines.at(-1)).toBe("No games are currently hosted in this room.");
    a.client.send(200, chatBody(a.userId, "Alice", "plain"));
    expect(chatOf(await b.client.next()).text).toBe("plain");

    // player_info_query for someone in the room ⇒ 17 with login = user id and the nick.
    a.client.send(121, u32s(b.userId));
    const info = await a.client.nextOfType(17);
    const strings = new TextDecoder().decode(info.payload.subarray(4356)).split("\0");
    expect(strings.slice(0, 2)).toEqual([String(b.userId), "Bob"]);

    // Stub queries answer empty lists.
    a.client.send(116, new Uint8Array(18));
    expect((await a.client.nextOfType(13)).payload.byteLength).toBe(0);
    a.client.send(118);
    expect((await a.client.nextOfType(15)).payload.byteLength).toBe(0);
    a.client.send(120, new Uint8Array(8));
    expect((await a.client.nextOfType(19)).payload.byteLength).toBe(128);
    await leaveAll(1, a.client, b.client);
  });
});
