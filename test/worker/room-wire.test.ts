/**
 * Byte-for-byte pin of what the room sends to each client family: scripted sessions whose every
 * packet is compared with a transcript recorded from the room before it moved to the shared
 * codec (room-wire.transcript.ts). Room lists (0) are compared by type only: their counts
 * depend on the other rooms. Packets over 256 bytes are compared by length and SHA-256.
 *
 * Only a client's first room list (the one its login sequence carries) is part of the sequence:
 * later ones come from the directory's coalesced fan-out at any moment, as a real client takes
 * them (TunnelClient sets them aside). The transcript's later lists are dropped before comparing,
 * and the counts those lists must show are checked on the latest list instead.
 */
import { expect, it, vi } from "vitest";
import { encodePacket } from "../../protocol/header.ts";
import { PayloadWriter } from "../../protocol/writer.ts";
import { i16s, toHex, u32s } from "../support/bytes.ts";
import {
  chatBody,
  countsIn,
  createGamePayload,
  directedBody,
  directoryLogin,
  gameData,
  leaveAll,
  openTunnel,
  playerData,
  roomLoginPayload,
  roomStub,
  type TunnelClient,
  untilStored,
} from "./room-helpers.ts";
import { TRANSCRIPT } from "./room-wire.transcript.ts";

vi.setConfig({ testTimeout: 60_000 });

type Lines = string[];

async function describePacket(bytes: Uint8Array): Promise<string> {
  const type = new DataView(bytes.buffer, bytes.byteOffset).getInt16(2);
  if (type === 0) return "0 (room list)";
  if (bytes.byteLength <= 256) return toHex(bytes);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `${type} len ${bytes.byteLength} sha256 ${toHex(digest)}`;
}

/**
 * The recorded transcript without each client's room lists after its first. A line's client is
 * the first letter of its label ("A sees B join" is A's).
 */
function withoutLaterRoomLists(transcript: readonly string[]): string[] {
  const seen = new Set<string>();
  return transcript.filter((line) => {
    if (!line.endsWith(" 0 (room list)")) return true;
    const client = line.charAt(0);
    if (seen.has(client)) return false;
    seen.add(client);
    return true;
  });
}

/** The latest room list `client` got after login shows these counts for wire room `wireId`. */
async function listShows(client: TunnelClient, wireId: number, players: number, games: number): Promise<void> {
  await client.laterRoomListWhere((rooms) => {
    const counts = countsIn(rooms, wireId);
    return counts?.players === players && counts.games === games;
  }, `room ${wireId} listed with ${players} players and ${games} games`);
}

/** Records the next `n` packets of `client` under `label`. */
async function take(lines: Lines, label: string, client: TunnelClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const p = await client.next();
    lines.push(`${label} ${await describePacket(encodePacket(p.type, p.payload))}`);
  }
}

async function enter(
  roomId: number,
  userId: number,
  nick: string,
  dialect: "myth2" | "myth2-legacy" | "myth3" | "marathon",
  address: string,
) {
  // A room redeems a token only from the address that logged in.
  const { token } = await directoryLogin({ userId, nick, dialect, clientAddress: address });
  const client = await openTunnel(roomId, address);
  client.send(101, roomLoginPayload(token, nick.toLowerCase()));
  return client;
}

it("Myth II 1.8 (GoS) and Myth II legacy (Bungie) in one room: every packet as before", async () => {
  const lines: Lines = [];
  const a = await enter(3, 3101, "Alice", "myth2", "203.0.113.9:5000");
  await take(lines, "A join", a, 5);
  lines.push(`A control ${JSON.stringify(a.texts)}`);
  const b = await enter(3, 3102, "Bob", "myth2-legacy", "198.51.100.20:6000");
  await take(lines, "B join", b, 3);
  await listShows(a, 3, 2, 0);
  b.send(103, playerData("Bob", "Legion"));
  await take(lines, "B 103", b, 2);
  await take(lines, "A sees B listed", a, 1);

  a.send(200, chatBody(3102, "Bob", "hello all", 3102));
  await take(lines, "A chat", a, 1);
  await take(lines, "B gets chat", b, 1);
  b.send(201, directedBody(3101, true, 1, "Mallory", "psst"));
  await take(lines, "A gets private", a, 1);
  await take(lines, "B gets echo", b, 1);
  a.send(201, directedBody(424242, true, 3101, "Alice", "anyone?"));
  await take(lines, "A private to nobody", a, 1);
  b.send(201, directedBody(424242, false, 3102, "Bob", "anyone?"));
  await take(lines, "B private to nobody", b, 1);
  // A dot command's answer (an unknown one: `.help`'s lines grow with every command added).
  a.send(200, chatBody(3101, "Alice", ".frob"));
  await take(lines, "A .frob", a, 1);

  a.send(104, createGamePayload(3453, gameData("Fun Game", "Forest Heart", 8, 1)));
  await take(lines, "A create", a, 1);
  await take(lines, "B sees create", b, 1);
  await listShows(a, 3, 2, 1);
  await listShows(b, 3, 2, 1);
  b.send(110);
  await take(lines, "B full update", b, 2);
  a.send(114, new Uint8Array(12)); // untimed
  await take(lines, "A start", a, 1);
  await take(lines, "B sees start", b, 1);
  a.send(121, u32s(3102));
  await take(lines, "A player info", a, 1);
  for (const [type, payload] of [
    [116, new Uint8Array(18)],
    [117, new Uint8Array([0x78, 0])],
    [118, new Uint8Array(0)],
    [119, new Uint8Array(0)],
    [120, new Uint8Array(8)],
  ] as const) {
    b.send(type, payload);
    await take(lines, `B ${type}`, b, 1);
  }
  a.send(103, playerData("Renamed", "Other", 1)); // GoS keeps the login data, takes the state
  await take(lines, "A 103", a, 1);
  await take(lines, "B sees A 103", b, 1);
  a.send(105);
  await take(lines, "A remove", a, 1);
  await take(lines, "B sees remove", b, 1);
  await listShows(a, 3, 2, 0);
  await listShows(b, 3, 2, 0);

  expect(await roomStub(3).kick(3102, "", 14)).toBe(1);
  await take(lines, "B kicked with a code", b, 1);
  await b.waitClosed();
  await take(lines, "A sees B go", a, 1);
  await listShows(a, 3, 1, 0);
  expect(await roomStub(3).kick(3101, "Behave.")).toBe(1);
  await take(lines, "A kicked with a reason", a, 1);
  await a.waitClosed();
  await leaveAll(3);
  expect(lines).toEqual(withoutLaterRoomLists(TRANSCRIPT.gosAndLegacy));
});

it("Myth III (Bungie order): lists after 103, logout, bad packet: every packet as before", async () => {
  const lines: Lines = [];
  const a = await enter(7, 7101, "Wolf", "myth3", "198.51.100.30:7000");
  await take(lines, "A join", a, 3);
  lines.push(`A control ${JSON.stringify(a.texts)}`);
  a.send(103, playerData("Wolf", "Pack"));
  await take(lines, "A 103", a, 2);
  const b = await enter(7, 7102, "Cub", "myth3", "198.51.100.31:7000");
  await take(lines, "B join", b, 3);
  await listShows(a, 0, 2, 0);
  b.send(103, playerData("Cub"));
  await take(lines, "B 103", b, 2);
  await take(lines, "A sees B listed", a, 1);
  // A registered player keeps its login nick (issue 10): the change goes out as "Wolf".
  a.send(103, playerData("Wolf2", "Pack"));
  await take(lines, "B sees A change", b, 1);
  await take(lines, "A sees A change", a, 1);
  b.send(102);
  await take(lines, "B logout", b, 1);
  await b.waitClosed();
  await take(lines, "A sees B go", a, 1);
  await listShows(a, 0, 1, 0);
  a.send(200, new Uint8Array(3)); // truncated chat
  await take(lines, "A bad packet", a, 1);
  await a.waitClosed();
  await leaveAll(7);
  expect(lines).toEqual(withoutLaterRoomLists(TRANSCRIPT.myth3));
});

it("Aleph One: 103 with the login, deaf mode with a session id, ticks, logout: every packet as before", async () => {
  const lines: Lines = [];
  const a = await enter(8, 8101, "Marine", "marathon", "198.51.100.40:4226");
  a.send(103, playerData("Marine", "Red"));
  await take(lines, "A join", a, 5);
  lines.push(`A control ${JSON.stringify(a.texts)}`);
  const b = await enter(8, 8102, "Scout", "marathon", "198.51.100.41:4226");
  b.send(103, playerData("Scout", "Blue"));
  await take(lines, "B join", b, 5);
  await take(lines, "A sees B join", a, 2);
  await listShows(a, 0, 2, 0);

  a.send(107, new PayloadWriter(8).i16(1).u32(0x1234).finish()); // deaf, with a game session id
  await untilStored(8, (s) => s.player?.userId === 8101 && s.player.deaf);
  b.send(200, chatBody(8102, "Scout", "while A is deaf"));
  await take(lines, "B chat while A deaf", b, 1);
  a.send(107, i16s(0));
  await untilStored(8, (s) => s.player?.userId === 8101 && !s.player.deaf);
  b.send(200, chatBody(8102, "Scout", "A listens"));
  await take(lines, "B chat", b, 1);
  await take(lines, "A gets chat", a, 1);

  a.send(104, createGamePayload(4226, gameData("Marathon", "Waterloo", 8, 2)));
  await take(lines, "A create", a, 1);
  await take(lines, "B sees create", b, 1);
  await listShows(a, 0, 2, 1);
  await listShows(b, 0, 2, 1);
  a.send(114, new PayloadWriter(12).i32(-0x80000000).i32(0).i32(0).finish()); // untimed
  await take(lines, "A start", a, 1);
  await take(lines, "B sees start", b, 1);
  a.send(102);
  await a.waitClosed();
  await take(lines, "B sees A logout", b, 2);
  await listShows(b, 0, 1, 0);
  await leaveAll(8, b);
  expect(lines).toEqual(withoutLaterRoomLists(TRANSCRIPT.alephOne));
});
