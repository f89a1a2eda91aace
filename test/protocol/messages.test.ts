import { describe, expect, it } from "vitest";
import type { Dialect } from "../../protocol/dialect.ts";
import { loginClient } from "../../protocol/families.ts";
import {
  type Direction,
  decodeMessage,
  decodePlayerData,
  encodeGameList,
  encodeMessage,
  encodePlayerData,
  encodePlayerList,
  encodeRoomList,
  type GameListEntry,
  type LoginMessage,
  type Message,
  type PlayerData,
  type PlayerListEntry,
  SERVER_MESSAGE_TEXT,
  ServerMessageCode,
  startGameSeconds,
} from "../../protocol/messages.ts";
import { concat, hex } from "../support/bytes.ts";
import { ALEPH_ONE_LOGIN_VECTOR, MYTH_LOGIN_VECTOR } from "../support/vectors.ts";

/** Hex with "a0 ... bf"-style ranges allowed, as PROTOCOL.md §12.2 writes the token. */
const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

const TOKEN = range(0xa0, 0xbf);
const RED = { red: 0xff00, green: 0, blue: 0, flags: 0 };
const BLUE = { red: 0, green: 0, blue: 0xff00, flags: 0 };

const ALICE: PlayerData = {
  coatOfArms: 3,
  casteBitmap: 0,
  state: 0,
  primaryColor: RED,
  secondaryColor: BLUE,
  orderIndex: -1,
  gameVersion: 2180,
  buildNumber: 428,
  nick: "Alice",
  team: "Team A",
};
const ALICE_BYTES = hex(`03 00 00 00 ff 00 00 00 00 00 00 00 00 00 00 00 ff 00 00 00 ff ff 08 84
  01 ac 00 00 00 00 00 00 00 00 00 00 00 00 41 6c 69 63 65 00 54 65 61 6d 20 41 00`);

const CHAT_HEADER = { chatType: 0, color: RED, flags: 0, playerId: 1234, selectedPlayerId: 0 };

/** Encodes and checks the bytes, then decodes them back to the same message. */
function roundTrip(msg: Message, bytes: Uint8Array, dialect: Dialect, direction: Direction, decoded: Message = msg) {
  expect(encodeMessage(msg, dialect)).toEqual(bytes);
  expect(decodeMessage(bytes, dialect, direction)).toEqual({ ok: true, value: decoded });
}

describe("PROTOCOL.md §12.2 vectors", () => {
  it("keepalive (202)", () => {
    roundTrip({ type: 202 }, hex("de ad 00 ca 00 00 00 08"), "myth2", "to-client");
    expect(decodeMessage(hex("de ad 00 ca 00 00 00 08"), "marathon", "to-server")).toEqual({
      ok: true,
      value: { type: 202 },
    });
  });

  it("server_message (3) code 8, Bungie style", () => {
    const bytes = hex("de ad 00 03 00 00 00 1c 00 00 00 08 55 73 65 72 20 6c 6f 67 67 65 64 20 69 6e 2e 00");
    const msg: Message = { type: 3, code: ServerMessageCode.LoginSuccessful, text: SERVER_MESSAGE_TEXT[8] };
    for (const dialect of ["myth2-legacy", "myth1", "myth3", "marathon"] as const)
      roundTrip(msg, bytes, dialect, "to-client");
    // myth2 decodes the Bungie style too.
    expect(decodeMessage(bytes, "myth2", "to-client")).toEqual({ ok: true, value: msg });
  });

  it("server_message (3) GoS style for myth2: 128-byte field, 0xFF after the NUL", () => {
    const msg: Message = { type: 3, code: 3, text: "Bad user" };
    const packet = encodeMessage(msg, "myth2");
    expect(packet.byteLength).toBe(8 + 132);
    expect(packet.subarray(0, 8)).toEqual(hex("de ad 00 03 00 00 00 8c"));
    expect(packet.subarray(12, 21)).toEqual(concat(new TextEncoder().encode("Bad user"), hex("00")));
    expect(packet.subarray(21).every((b) => b === 0xff)).toBe(true);
    for (const dialect of ["myth2", "myth2-legacy", "marathon"] as const) {
      expect(decodeMessage(packet, dialect, "to-client")).toEqual({ ok: true, value: msg });
    }
  });

  it("password_challenge (6), type 0, zero salt", () => {
    roundTrip(
      { type: 6, authenticationType: 0, salt: new Uint8Array(16) },
      hex("de ad 00 06 00 00 00 1a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"),
      "myth2",
      "to-client",
    );
  });

  it("send_versions (12)", () => {
    roundTrip({ type: 12 }, hex("de ad 00 0c 00 00 00 08"), "myth2", "to-client");
  });

  it("user_successful_login (7)", () => {
    roundTrip(
      { type: 7, userId: 1234, order: -1, token: TOKEN },
      concat(hex("de ad 00 07 00 00 00 30 00 00 04 d2 ff ff ff ff"), TOKEN),
      "myth2",
      "to-client",
    );
  });

  it("room_list (0)", () => {
    const room = { roomId: 0, playerCount: 3, host: 0x7f000001, port: 6323, gameCount: 1, roomType: 0, roomFlags: 1 };
    const bytes = hex(`de ad 00 00 00 00 00 20 00 00 00 03 7f 00 00 01 18 b3 00 01 00 00 00 01 00 00 00 00
      00 00 00 00`);
    roundTrip({ type: 0, rooms: [room] }, bytes, "myth2", "to-client");
    expect(encodeRoomList([room], "myth2")).toEqual([bytes]);
  });

  it("room_login_successful (9)", () => {
    roundTrip(
      { type: 9, userId: 1234, maximumPlayersPerRoom: 999 },
      hex("de ad 00 09 00 00 00 10 00 00 04 d2 03 e7 00 00"),
      "myth2",
      "to-client",
    );
  });

  it("player_list (1)", () => {
    const entry: PlayerListEntry = {
      aux: { verb: 0, flags: 0, ranking: 0, playerId: 1234, roomId: 0, caste: -1, order: -1 },
      player: ALICE,
    };
    const bytes = concat(
      hex("de ad 00 01 00 00 00 53 00 00 00 00 00 00 00 00 00 00 04 d2 00 00 00 00 ff ff 00 33 ff ff 00 00"),
      ALICE_BYTES,
    );
    roundTrip({ type: 1, players: [entry] }, bytes, "myth2", "to-client");
    expect(encodePlayerList([entry], "myth2")).toEqual([bytes]);
    expect(encodePlayerData(ALICE)).toEqual(ALICE_BYTES);
    expect(decodePlayerData(ALICE_BYTES)).toEqual({ ok: true, value: ALICE });
  });

  it("room_broadcast (200), computing the header length", () => {
    const bytes = hex(`de ad 00 c8 00 00 00 2c 00 00 00 24 ff 00 00 00 00 00 00 00 00 00 00 00 00 00 04 d2
      00 00 00 00 41 6c 69 63 65 00 68 65 6c 6c 6f 00`);
    const msg: Message = { type: 200, header: CHAT_HEADER, senderName: "Alice", text: "hello" };
    roundTrip(msg, bytes, "myth2", "to-client", { ...msg, header: { ...CHAT_HEADER, length: 0x24 } });
    // The length given in a message is ignored: the encoder always computes it.
    expect(encodeMessage({ ...msg, header: { ...CHAT_HEADER, length: 0 } }, "marathon")).toEqual(bytes);
  });

  it("room_broadcast from an A1 client with length 0 decodes", () => {
    const bytes = hex(`de ad 00 c8 00 00 00 2c 00 00 00 00 ff 00 00 00 00 00 00 00 00 00 00 00 00 00 04 d2
      00 00 00 00 41 6c 69 63 65 00 68 65 6c 6c 6f 00`);
    expect(decodeMessage(bytes, "marathon", "to-server")).toMatchObject({
      ok: true,
      value: { type: 200, senderName: "Alice", text: "hello", header: { length: 0 } },
    });
  });

  it("directed_data (201)", () => {
    const bytes = hex(`de ad 00 c9 00 00 00 34 00 00 16 2e 00 00 00 01 00 00 00 24 ff 00 00 00 00 00 00 00
      00 00 00 00 00 00 04 d2 00 00 00 00 41 6c 69 63 65 00 68 65 6c 6c 6f 00`);
    const msg: Message = {
      type: 201,
      targetPlayerId: 5678,
      echo: true,
      header: CHAT_HEADER,
      senderName: "Alice",
      text: "hello",
    };
    roundTrip(msg, bytes, "myth2", "to-server", { ...msg, header: { ...CHAT_HEADER, length: 0x24 } });
  });

  it("game aux block inside game_list (2)", () => {
    const gameData = Uint8Array.from({ length: 600 }, (_, i) => i & 0xff);
    const entry: GameListEntry = {
      aux: { gameId: 1234, host: 0x7f000001, port: 3453, verb: 0, version: 0, secondsRemaining: -1, creatorId: 1234 },
      gameData,
    };
    const aux = hex(`00 00 04 d2 7f 00 00 01 0d 7d 00 00 ff ff ff ff 00 00 04 d2 02 58 00 00 00 00 00 00
      00 00 00 00`);
    const bytes = concat(hex("de ad 00 02 00 00 02 80"), aux, gameData);
    roundTrip({ type: 2, games: [entry] }, bytes, "myth2", "to-client");
    expect(encodeGameList([entry], "myth2")).toEqual([bytes]);
  });

  it("message_of_the_day (10) and you_just_got_blammed_sucka (21)", () => {
    roundTrip(
      { type: 10, text: "Welcome" },
      hex("de ad 00 0a 00 00 00 10 57 65 6c 63 6f 6d 65 00"),
      "myth2",
      "to-client",
    );
    roundTrip(
      { type: 21, reason: "Kicked" },
      hex("de ad 00 15 00 00 00 0f 4b 69 63 6b 65 64 00"),
      "myth2",
      "to-client",
    );
  });

  it("room_login (101)", () => {
    roundTrip(
      { type: 101, token: TOKEN, userName: "u1234" },
      concat(hex("de ad 00 65 00 00 00 2e"), TOKEN, hex("75 31 32 33 34 00")),
      "myth2",
      "to-server",
    );
  });

  it("version_control (115)", () => {
    roundTrip(
      { type: 115, platformType: 201, applicationVersion: 2180, patchNumber: 0, build: 428 },
      hex("de ad 00 73 00 00 00 18 00 00 00 c9 00 00 08 84 00 00 00 00 00 00 01 ac"),
      "myth2",
      "to-server",
    );
  });

  it("start_game (114), set_player_mode (107), password_response (109)", () => {
    roundTrip(
      { type: 114, gameTime: 1800 },
      hex("de ad 00 72 00 00 00 14 00 00 07 08 00 00 00 00 00 00 00 00"),
      "myth2",
      "to-server",
    );
    roundTrip({ type: 107, mode: 1 }, hex("de ad 00 6b 00 00 00 0a 00 01"), "myth2", "to-server");
    roundTrip({ type: 109, password: hex("70 77 00") }, hex("de ad 00 6d 00 00 00 0b 70 77 00"), "myth2", "to-server");
  });

  it("login (100), Myth layout", () => {
    const bytes = MYTH_LOGIN_VECTOR;
    const msg: LoginMessage = {
      type: 100,
      layout: "myth",
      metaserverVersion: 1,
      platformType: 201,
      flags: 1,
      userId: 0,
      maxAuthentication: 0,
      application: "MYTH2",
      buildDate: "Jan  1 2020",
      buildTime: "12:00:00",
      username: "u1234",
      playerData: ALICE_BYTES,
      countryCode: 0,
    };
    roundTrip(msg, bytes, "myth2", "to-server");
    // The layout comes from the application field, whatever dialect the caller guessed.
    expect(decodeMessage(bytes, "marathon", "to-server")).toEqual({ ok: true, value: msg });
  });

  it("login (100), Aleph One layout", () => {
    const bytes = ALEPH_ONE_LOGIN_VECTOR;
    const bob: PlayerData = {
      coatOfArms: 0,
      casteBitmap: 0,
      state: 0,
      primaryColor: { red: 0xffff, green: 0, blue: 0, flags: 0 },
      secondaryColor: { red: 0, green: 0, blue: 0xffff, flags: 0 },
      orderIndex: 0,
      gameVersion: 5000,
      buildNumber: 0,
      nick: "Bob",
      team: "",
    };
    const msg: LoginMessage = {
      type: 100,
      layout: "aleph-one",
      metaserverVersion: 0,
      platformType: 4,
      flags: 1,
      userId: 0,
      maxAuthentication: 1,
      application: "MARATHON",
      buildDate: "Jan  1 2025",
      buildTime: "12:00:00",
      username: "bob",
      playerData: encodePlayerData(bob),
      countryCode: 0,
    };
    roundTrip(msg, bytes, "marathon", "to-server");
    expect(decodeMessage(bytes, "myth2", "to-server")).toEqual({ ok: true, value: msg });
    expect(decodePlayerData(msg.playerData)).toEqual({ ok: true, value: bob });
  });
});

describe("dialect-specific helpers", () => {
  it("maps a login to a dialect and family (families.ts)", () => {
    const myth = (application: string) => ({ application, layout: "myth" as const });
    expect(loginClient(myth("MYTH2"), true)).toEqual({ dialect: "myth2", family: "gos" });
    expect(loginClient(myth("myth2"), true)).toEqual({ dialect: "myth2-legacy", family: "bungie" });
    expect(loginClient(myth("MYTH1"), true)).toEqual({ dialect: "myth1", family: "bungie" });
    expect(loginClient(myth("QUAKE"), true)).toEqual({ refuse: 1 });
    expect(loginClient(myth("myth2"), false)).toEqual({ dialect: "myth2-legacy", family: "bungie" });
    expect(loginClient(myth("MYTH"), false)).toEqual({ dialect: "myth2-legacy", family: "bungie" });
    expect(loginClient(myth("Myth3"), false)).toEqual({ dialect: "myth3", family: "bungie" });
    expect(loginClient({ application: "MARATHON", layout: "aleph-one" }, false)).toEqual({
      dialect: "marathon",
      family: "aleph-one",
    });
    expect(loginClient({ application: "MARATHON", layout: "aleph-one" }, true)).toEqual({ refuse: 1 });
    expect(loginClient(myth("QUAKE"), false)).toEqual({ refuse: 7 });
  });

  it("converts start_game time to seconds per dialect", () => {
    expect(startGameSeconds(1800, "myth2")).toBe(1800);
    expect(startGameSeconds(0, "myth2")).toBeNull();
    expect(startGameSeconds(-1, "myth1")).toBeNull();
    expect(startGameSeconds(54000, "marathon")).toBe(1800);
    expect(startGameSeconds(-0x80000000, "marathon")).toBeNull();
  });

  it("set_player_mode: A1 appends a session id; other values are rejected", () => {
    const a1 = hex("de ad 00 6b 00 00 00 0e 00 00 ab cd ef 01");
    expect(decodeMessage(a1, "marathon", "to-server")).toEqual({
      ok: true,
      value: { type: 107, mode: 0, sessionId: hex("ab cd ef 01") },
    });
    expect(decodeMessage(a1, "myth2", "to-server")).toMatchObject({ ok: false, error: { kind: "trailing" } });
    expect(decodeMessage(hex("de ad 00 6b 00 00 00 0a 00 02"), "myth2", "to-server")).toMatchObject({
      ok: false,
      error: { kind: "out-of-range" },
    });
  });

  it("messages 18 and 122 change meaning for Aleph One", () => {
    const request = encodeMessage({ type: 122, variant: "remote-hub-request", protocolVersion: "1" }, "marathon");
    expect(decodeMessage(request, "marathon", "to-server")).toEqual({
      ok: true,
      value: { type: 122, variant: "remote-hub-request", protocolVersion: "1" },
    });
    expect(decodeMessage(request, "myth2", "to-server")).toMatchObject({ ok: false, error: { kind: "unterminated" } });
    expect(() => encodeMessage({ type: 122, variant: "remote-hub-request", protocolVersion: "1" }, "myth2")).toThrow(
      RangeError,
    );
  });

  it("the Aleph One remote hub list is 8 bytes per hub; a cut entry is a truncated list", () => {
    const list = encodeMessage(
      {
        type: 18,
        variant: "remote-hub-list",
        hubs: [
          { id: 1, host: 0x7f000001, port: 6321 },
          { id: 2, host: 0xc0a80102, port: 5000 },
        ],
      },
      "marathon",
    );
    expect(list).toEqual(hex("de ad 00 12 00 00 00 18  00 01 7f 00 00 01 18 b1  00 02 c0 a8 01 02 13 88"));
    expect(decodeMessage(list, "marathon", "to-client")).toMatchObject({
      ok: true,
      value: { hubs: [{ id: 1, host: 0x7f000001, port: 6321 }, { id: 2 }] },
    });
    const cut = concat(hex("de ad 00 12 00 00 00 14"), list.subarray(8, 20));
    expect(decodeMessage(cut, "marathon", "to-client")).toMatchObject({ ok: false, error: { kind: "truncated" } });
    const none = encodeMessage({ type: 18, variant: "remote-hub-list", hubs: [] }, "marathon");
    expect(none).toEqual(hex("de ad 00 12 00 00 00 08"));
  });
});

describe("decode errors", () => {
  it("rejects a header length that differs from the packet", () => {
    expect(decodeMessage(hex("de ad 00 ca 00 00 00 09"), "myth2", "to-server")).toMatchObject({
      ok: false,
      error: { kind: "bad-length" },
    });
    expect(decodeMessage(hex("de ad 00 ca 00 00 00 08 00"), "myth2", "to-server")).toMatchObject({
      ok: false,
      error: { kind: "bad-length" },
    });
  });

  it("gives unknown-type for a type that does not travel that way", () => {
    expect(decodeMessage(hex("de ad 00 0c 00 00 00 08"), "myth2", "to-server")).toMatchObject({
      ok: false,
      error: { kind: "unknown-type" },
    });
    expect(decodeMessage(hex("de ad 00 66 00 00 00 08"), "myth2", "to-client")).toMatchObject({
      ok: false,
      error: { kind: "unknown-type" },
    });
    expect(decodeMessage(hex("de ad 00 99 00 00 00 08"), "myth2", "to-server")).toMatchObject({
      ok: false,
      error: { kind: "unknown-type" },
    });
  });

  it("rejects oversize player data and game data", () => {
    const huge = encodeMessage({ type: 104, port: 1, order: 0, gameData: new Uint8Array(1024) }, "myth2");
    expect(decodeMessage(huge, "myth2", "to-server")).toMatchObject({ ok: true });
    const over = concat(hex("de ad 00 68 00 00 04 0d 00 01 00 00"), new Uint8Array(1025));
    expect(decodeMessage(over, "myth2", "to-server")).toMatchObject({ ok: false, error: { kind: "too-long" } });
    const player = concat(hex("de ad 00 67 00 00 00 89"), new Uint8Array(129));
    expect(decodeMessage(player, "myth2", "to-server")).toMatchObject({ ok: false, error: { kind: "too-long" } });
  });

  it("refuses to encode a packet over 8096 bytes", () => {
    const text = "x".repeat(1000);
    const entries = Array.from({ length: 60 }, () => ({
      aux: { gameId: 1, host: 0, port: 0, verb: 0 as const, version: 0, secondsRemaining: -1, creatorId: 1 },
      gameData: new Uint8Array(1000),
    }));
    expect(() => encodeMessage({ type: 2, games: entries }, "myth2")).toThrow(RangeError);
    expect(() => encodeMessage({ type: 10, text }, "myth2")).not.toThrow();
  });
});
