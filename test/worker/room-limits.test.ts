import { describe, expect, it, vi } from "vitest";
import { encodePacket } from "../../protocol/header.ts";
import { i16s } from "../support/bytes.ts";
import {
  chatBody,
  chatOf,
  directoryLogin,
  join,
  leaveAll,
  openTunnel,
  playerData,
  playerEntries,
  roomLoginPayload,
  roomStub,
  serverMessageCode,
  storedConnections,
  type TunnelClient,
  textOf,
  untilStored,
} from "./room-helpers.ts";

vi.setConfig({ testTimeout: 60_000 });

async function expectRefused(client: TunnelClient, code: number): Promise<void> {
  const p = await client.next();
  expect([p.type, serverMessageCode(p)]).toEqual([3, code]);
  await client.waitClosed();
}

describe("refusals", () => {
  it("an unknown token gets code 4 and the connection closes", async () => {
    const client = await openTunnel(0);
    client.send(101, roomLoginPayload(new Uint8Array(32).fill(7), "nobody"));
    await expectRefused(client, 4);
  });

  it("a guest in a ranked room gets code 4; a registered user gets in", async () => {
    const guest = await join(2, { guest: true, nick: "Visitor" });
    await expectRefused(guest.client, 4);
    const member = await join(2, { nick: "Member" });
    expect((await member.client.next()).type).toBe(9);
    await leaveAll(2, member.client);
  });

  it("a room_login whose name has no NUL is a syntax error (§5.9: a C string)", async () => {
    const { token } = await directoryLogin({ nick: "NoNul" });
    const client = await openTunnel(0);
    client.send(101, new Uint8Array([...token, 0x6e, 0x6f]));
    await expectRefused(client, 0);
  });

  it("anything but room_login before logging in gets code 4", async () => {
    const client = await openTunnel(0);
    client.send(200, chatBody(1, "x", "hi"));
    await expectRefused(client, 4);
  });

  it("a full room answers 13 (capacity counts logged-in players only)", async () => {
    const idle = await openTunnel(1); // connected but never logged in: does not count
    const players: TunnelClient[] = [];
    for (let i = 0; i < 32; i++) {
      const p = await join(1, { guest: true, nick: `g${i}` });
      expect((await p.client.next()).type).toBe(9);
      players.push(p.client);
    }
    const late = await join(1, { guest: true, nick: "late" });
    await expectRefused(late.client, 13);
    await leaveAll(1, idle, ...players);
  });
});

describe("bad input ends one client only", () => {
  it("a v2 frame that is not whole records ends that bridge's tunnel, not the room", async () => {
    const good = await join(0, { nick: "Good" });
    await good.client.types(5);
    for (const [what, bytes] of [
      ["not a packet", new Uint8Array([1, 2, 3])],
      ["length mismatch", new Uint8Array([0xde, 0xad, 0, 202, 0, 0, 0, 20])],
    ] as const) {
      const bad = await join(0, { nick: "Broken" });
      await bad.client.types(5);
      expect(playerEntries(await good.client.nextOfType(1))[0]?.playerId, what).toBe(bad.userId);
      bad.client.ws.send(bytes);
      await bad.client.waitClosed();
      expect(playerEntries(await good.client.nextOfType(1))[0], what).toMatchObject({ playerId: bad.userId, verb: 1 });
    }
    good.client.send(200, chatBody(good.userId, "Good", "still here"));
    expect(chatOf(await good.client.nextOfType(200)).text).toBe("still here");
    await leaveAll(0, good.client);
  });

  for (const version of [1, 2] as const) {
    it(`garbage, unknown types and bad modes get code 0 and a close while the others keep chatting (tunnel v${version})`, async () => {
      await badInput(version);
    });
  }
});

async function badInput(version: 1 | 2): Promise<void> {
  const good = await join(0, { nick: "Good" });
  await good.client.types(5);

  const badPackets: [string, Uint8Array][] = [
    // A v1 frame is one packet, whatever it holds; v2 records are whole packets (above).
    ...(version === 1
      ? ([
          ["not a packet", new Uint8Array([1, 2, 3])],
          ["length mismatch", new Uint8Array([0xde, 0xad, 0, 202, 0, 0, 0, 20])],
        ] as [string, Uint8Array][])
      : []),
    ["truncated chat", new Uint8Array([0xde, 0xad, 0, 200, 0, 0, 0, 12, 0, 0, 0, 0])],
    ["unknown type", new Uint8Array([0xde, 0xad, 0, 150, 0, 0, 0, 8])],
    // The layouts are the shared codec's (PROTOCOL.md §5): no leniency beyond them.
    ["start_game without its two unused words (§5.16: 12 bytes)", encodePacket(114, new Uint8Array(4))],
    ["remove_game with a stray byte (empty message)", encodePacket(105, new Uint8Array(1))],
    ["change_room, a login-server message", encodePacket(106, i16s(1))],
    ["chat text over 1023 characters", encodePacket(200, chatBody(1, "Bad", "x".repeat(1024)))],
  ];
  for (const [what, bytes] of badPackets) {
    const bad = await join(0, { nick: "Bad" }, undefined, version);
    await bad.client.types(5);
    expect(playerEntries(await good.client.nextOfType(1))[0]?.playerId, what).toBe(bad.userId);
    bad.client.sendRaw(bytes);
    await expectRefused(bad.client, 0);
    expect(playerEntries(await good.client.nextOfType(1))[0], what).toMatchObject({ playerId: bad.userId, verb: 1 });
    good.client.send(200, chatBody(good.userId, "Good", `still here after ${what}`));
    expect(chatOf(await good.client.nextOfType(200)).text).toBe(`still here after ${what}`);
  }

  const deafish = await join(0, { nick: "Mode" }, undefined, version);
  await deafish.client.types(5);
  deafish.client.send(107, i16s(2));
  await expectRefused(deafish.client, 0);
  await leaveAll(0, good.client);
}

describe("sessions", () => {
  it("a second login of the same account kicks the first connection", async () => {
    const first = await join(0, { userId: 500, nick: "Twin" });
    await first.client.types(5);
    const second = await join(0, { userId: 500, nick: "Twin" });
    const kicked = await first.client.next();
    expect(kicked.type).toBe(3);
    await first.client.waitClosed();
    expect((await second.client.next()).type).toBe(9);
    expect((await roomStub(0).status()).players.map((p) => p.userId)).toEqual([500]);
    await leaveAll(0, second.client);
  });

  it("the same token presented twice in one room: the newer connection wins, the older is closed", async () => {
    const { token, userId } = await directoryLogin({ nick: "Again" });
    const older = await openTunnel(0);
    older.send(101, roomLoginPayload(token));
    await older.types(5);
    const newer = await openTunnel(0);
    newer.send(101, roomLoginPayload(token));
    const kicked = await older.next();
    expect([kicked.type, serverMessageCode(kicked)]).toEqual([3, 12]);
    await older.waitClosed();
    expect(await newer.types(5)).toEqual([9, 3, 1, 1, 0]);
    expect((await roomStub(0).status()).players.map((p) => p.userId)).toEqual([userId]);
    await leaveAll(0, newer);
  });

  it("kick RPC: 21 with the reason, or 3 with a code; then close", async () => {
    const a = await join(0, { nick: "Kicked" });
    await a.client.types(5);
    const b = await join(0, { nick: "Coded" });
    await b.client.types(5);
    expect(await roomStub(0).kick(a.userId, "Behave.")).toBe(1);
    const blammed = await a.client.nextOfType(21);
    expect(textOf(blammed)).toBe("Behave.");
    await a.client.waitClosed();
    expect(await roomStub(0).kick(b.userId, "", 14)).toBe(1);
    const locked = await b.client.nextOfType(3);
    expect(serverMessageCode(locked)).toBe(14);
    await b.client.waitClosed();
    expect(await roomStub(0).kick(424242, "nobody")).toBe(0);
    await leaveAll(0);
  });

  it("roomListChanged sends a fresh room list; the bridge's encrypted flag lands in storage", async () => {
    const a = await join(0, { nick: "Lister" });
    await a.client.types(5);
    a.client.encrypted();
    await untilStored(0, (s) => s.player?.userId === a.userId && s.encrypted);
    const seen = a.client.laterRoomLists.length;
    await roomStub(0).roomListChanged();
    const list = await a.client.laterRoomListAfter(seen);
    // Myth II rooms only, 24 bytes each, host 0 for the GoS convention; room 0 shows this player.
    expect(list.payload.byteLength % 24).toBe(0);
    const view = new DataView(list.payload.buffer);
    const rooms = Array.from({ length: list.payload.byteLength / 24 }, (_, i) => ({
      id: view.getInt16(i * 24),
      players: view.getInt16(i * 24 + 2),
      host: view.getUint32(i * 24 + 4),
    }));
    expect(rooms.map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rooms[0]).toEqual({ id: 0, players: 1, host: 0 });
    expect((await storedConnections(0)).filter((s) => s.player && !s.closed)).toHaveLength(1);
    await leaveAll(0, a.client);
  });
});

describe("player data", () => {
  it("is echoed as the shared codec writes it: the 12 unused bytes (§4.2) go out as zeros", async () => {
    const a = await join(6, { dialect: "myth1", nick: "Pad" });
    expect(await a.client.types(3)).toEqual([9, 3, 0]);
    const data = playerData("Pad", "Team");
    data.fill(0x5a, 26, 38);
    a.client.send(103, data);
    const full = await a.client.next();
    expect(full.type).toBe(1);
    expect(playerEntries(full)).toMatchObject([{ playerId: a.userId, nick: "Pad" }]);
    const echoed = full.payload.subarray(24, 24 + data.byteLength);
    expect(echoed.subarray(0, 26)).toEqual(data.subarray(0, 26));
    expect(echoed.subarray(26, 38)).toEqual(new Uint8Array(12));
    expect(echoed.subarray(38)).toEqual(data.subarray(38));
    await leaveAll(6, a.client);
  });
});
