import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGameData, describeGameData, joinRoom, login, ServerRefusal } from "../../client/flows.ts";
import { ClientDecodeError, ConnectionClosedError, LegacyClient } from "../../client/legacy-client.ts";
import { encodePacket } from "../../protocol/header.ts";
import { MessageType } from "../../protocol/message-types.ts";
import { CHAT_TYPE_CHAT, decodePlayerData, type PlayerData } from "../../protocol/messages.ts";
import { braindeadSimple, PasswordType } from "../../protocol/password.ts";
import { type ScriptedServer, startScriptedServer } from "./client-helpers.ts";

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.close();
});

const serverMessage = (code: number, text: string) => ({ type: MessageType.ServerMessage, code, text }) as const;
const player: PlayerData = {
  coatOfArms: 1,
  casteBitmap: 0,
  state: 0,
  primaryColor: { red: 0xff00, green: 0, blue: 0, flags: 0 },
  secondaryColor: { red: 0, green: 0, blue: 0xff00, flags: 0 },
  orderIndex: -1,
  gameVersion: 2180,
  buildNumber: 428,
  nick: "Alice",
  team: "Team A",
};

describe("LegacyClient session key exchange (§2.1)", () => {
  for (const serverFirst of [true, false]) {
    it(`works when the server sends its key ${serverFirst ? "first (GoS)" : "second (MythDev)"}`, async () => {
      const connecting = LegacyClient.connect("127.0.0.1", server.port, { dialect: "myth2" });
      const peer = await server.accept("myth2");
      await peer.exchangeKeys(serverFirst);
      const client = await connecting;
      expect(client.encrypted).toBe(true);

      // Both directions are encrypted from here on: the peer decrypts what the client sends and vice versa.
      client.send({ type: MessageType.Keepalive });
      expect(await peer.nextMessage()).toEqual({ type: MessageType.Keepalive });
      peer.send(serverMessage(8, "User logged in."));
      expect(await client.next(MessageType.ServerMessage)).toMatchObject({ code: 8, text: "User logged in." });
      await client.close();
    });
  }

  it("stays in clear text for dialects without encryption", async () => {
    const connecting = LegacyClient.connect("127.0.0.1", server.port, { dialect: "myth1" });
    const peer = await server.accept("myth1");
    const client = await connecting;
    expect(client.encrypted).toBe(false);
    client.send({ type: MessageType.Keepalive });
    expect(Array.from(await peer.nextPacket())).toEqual([0xde, 0xad, 0x00, 0xca, 0, 0, 0, 8]);
    await client.close();
  });
});

describe("LegacyClient receive queue", () => {
  it("returns the next match and keeps the others buffered in order, with receive times", async () => {
    const connecting = LegacyClient.connect("127.0.0.1", server.port, { dialect: "myth2-legacy" });
    const peer = await server.accept("myth2-legacy");
    const client = await connecting;
    const before = performance.now();
    peer.send({ type: MessageType.MessageOfTheDay, text: "one" });
    peer.send({ type: MessageType.Keepalive });
    peer.send({ type: MessageType.MessageOfTheDay, text: "two" });
    peer.send(serverMessage(13, "The desired room is full!"));

    const received = await client.nextReceived(MessageType.ServerMessage);
    expect(received.message).toMatchObject({ code: 13 });
    expect(received.receivedAt).toBeGreaterThanOrEqual(before);
    expect(received.receivedAt).toBeLessThanOrEqual(performance.now());
    expect(await client.next((m) => m.type === MessageType.MessageOfTheDay && m.text === "two")).toMatchObject({
      text: "two",
    });
    expect(client.drain()).toEqual([
      { type: MessageType.MessageOfTheDay, text: "one" },
      { type: MessageType.Keepalive },
    ]);
    expect(client.drain()).toEqual([]);
    await client.close();
  });

  it("answers a server keepalive with a keepalive, unless told not to", async () => {
    for (const answerKeepalives of [true, false]) {
      const connecting = LegacyClient.connect("127.0.0.1", server.port, { dialect: "myth2", answerKeepalives });
      const peer = await server.accept("myth2");
      await peer.exchangeKeys(true);
      const client = await connecting;
      peer.send({ type: MessageType.Keepalive });
      await client.next(MessageType.Keepalive);
      client.send({ type: MessageType.Logout });
      const expected = answerKeepalives ? [MessageType.Keepalive, MessageType.Logout] : [MessageType.Logout];
      for (const type of expected) expect((await peer.nextMessage()).type).toBe(type);
      await client.close();
    }
  });

  it("surfaces a payload it cannot decode as a ClientDecodeError naming the type", async () => {
    const connecting = LegacyClient.connect("127.0.0.1", server.port, { dialect: "myth1" });
    const peer = await server.accept("myth1");
    const client = await connecting;
    // room_login_successful needs 8 payload bytes; send 3.
    peer.sendRaw(encodePacket(MessageType.RoomLoginSuccessful, new Uint8Array([1, 2, 3])));
    const error = await client.next(MessageType.RoomLoginSuccessful).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientDecodeError);
    expect((error as ClientDecodeError).packetType).toBe(MessageType.RoomLoginSuccessful);
    expect((error as Error).message).toMatch(/message type 9/);
    // The connection is still usable for well-formed messages.
    peer.send({ type: MessageType.Keepalive });
    expect(await client.next(MessageType.Keepalive)).toEqual({ type: MessageType.Keepalive });
    await client.close();
  });

  it("fails on a stream it cannot frame and closes", async () => {
    const connecting = LegacyClient.connect("127.0.0.1", server.port, { dialect: "myth1" });
    const peer = await server.accept("myth1");
    const client = await connecting;
    const waiting = client.next(MessageType.Keepalive);
    peer.sendRaw(new Uint8Array([0xbe, 0xef, 0, 0xca, 0, 0, 0, 8]));
    await expect(waiting).rejects.toBeInstanceOf(ClientDecodeError);
    await client.closed;
    expect(client.isOpen).toBe(false);
  });

  it("rejects waiters when the server closes, and emits close", async () => {
    const connecting = LegacyClient.connect("127.0.0.1", server.port, { dialect: "myth3" });
    const peer = await server.accept("myth3");
    const client = await connecting;
    const closeEvent = new Promise<void>((resolve) => client.once("close", () => resolve()));
    const waiting = client.next(MessageType.RoomList);
    peer.send(serverMessage(7, "Unknown game type!"));
    peer.end();
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    // The refusal that came before the close is named in the error.
    expect((error as Error).message).toMatch(/3\(7: Unknown game type!\)/);
    await closeEvent;
    await expect(client.next(MessageType.RoomList)).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});

describe("login flows against a scripted server", () => {
  it("Myth II 1.8: encrypted, GoS order, plaintext password inside the session", async () => {
    const loggingIn = login("127.0.0.1", server.port, {
      dialect: "myth2",
      user: "alice",
      password: "secret",
      nick: "Alice",
      team: "Team A",
    });
    const peer = await server.accept("myth2");
    await peer.exchangeKeys(true);
    const loginMessage = await peer.nextMessage();
    expect(loginMessage).toMatchObject({
      type: MessageType.Login,
      layout: "myth",
      application: "MYTH2",
      username: "alice",
    });
    if (loginMessage.type !== MessageType.Login) throw new Error("not a login");
    expect(decodePlayerData(loginMessage.playerData)).toMatchObject({
      ok: true,
      value: { nick: "Alice", team: "Team A" },
    });
    peer.send({
      type: MessageType.PasswordChallenge,
      authenticationType: PasswordType.Plaintext,
      salt: new Uint8Array(16),
    });
    const response = await peer.nextMessage();
    expect(response).toEqual({
      type: MessageType.PasswordResponse,
      password: new Uint8Array([...Buffer.from("secret"), 0]),
    });
    peer.send({ type: MessageType.SendVersions });
    expect(await peer.nextMessage()).toEqual({
      type: MessageType.VersionControl,
      platformType: 201,
      applicationVersion: 2180,
      patchNumber: 0,
      build: 428,
    });
    const token = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
    peer.send({ type: MessageType.UserSuccessfulLogin, userId: 1234, order: -1, token });
    peer.send({
      type: MessageType.SetPlayerDataFromMetaserver,
      aux: { verb: 0, flags: 0, ranking: 0, playerId: 0, roomId: 0, caste: 0, order: 0 },
      player: { ...player, nick: "Stored" },
    });
    const room = { roomId: 0, playerCount: 3, host: 0, port: 6323, gameCount: 1, roomType: 0, roomFlags: 1 };
    peer.send({ type: MessageType.RoomList, rooms: [room] });
    peer.end();
    const result = await loggingIn;
    expect(result).toMatchObject({ userId: 1234, order: -1, rooms: [room], authenticationType: 0 });
    expect(Array.from(result.token)).toEqual(Array.from(token));
    expect(result.playerData.nick).toBe("Stored");
  });

  it("Aleph One: A1 layout, braindead-simple password in 16 bytes", async () => {
    const loggingIn = login("127.0.0.1", server.port, {
      dialect: "marathon",
      user: "bob",
      password: "secret",
      nick: "Bob",
    });
    const peer = await server.accept("marathon");
    expect(await peer.nextMessage()).toMatchObject({
      type: MessageType.Login,
      layout: "aleph-one",
      application: "MARATHON",
    });
    const salt = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
    peer.send({ type: MessageType.PasswordChallenge, authenticationType: PasswordType.BraindeadSimple, salt });
    expect(await peer.nextMessage()).toEqual({
      type: MessageType.PasswordResponse,
      password: braindeadSimple("secret", salt, "nul"),
    });
    peer.send({ type: MessageType.SendVersions });
    expect(await peer.nextMessage()).toMatchObject({
      type: MessageType.VersionControl,
      platformType: 1,
      applicationVersion: 2,
    });
    peer.send({ type: MessageType.UserSuccessfulLogin, userId: 7, order: -1, token: new Uint8Array(32) });
    peer.send({ type: MessageType.RoomList, rooms: [] });
    expect(await loggingIn).toMatchObject({ userId: 7, rooms: [], playerData: { nick: "Bob" } });
  });

  it("turns a server_message into a ServerRefusal with code and text", async () => {
    const loggingIn = login("127.0.0.1", server.port, { dialect: "myth1", user: "carol", password: "wrong" });
    const peer = await server.accept("myth1");
    await peer.nextMessage();
    peer.send(serverMessage(3, "Login failed (Bad user or Password)."));
    peer.end();
    const error = await loggingIn.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerRefusal);
    expect(error).toMatchObject({ code: 3, text: "Login failed (Bad user or Password)." });
  });
});

describe("room session against a scripted server", () => {
  it("joins (9, 3 code 8, lists), tracks verbs, chats and creates a game", async () => {
    const token = new Uint8Array(32).fill(7);
    const joining = joinRoom("127.0.0.1", server.port, {
      dialect: "myth2-legacy",
      token,
      userName: "alice",
      playerData: player,
    });
    const peer = await server.accept("myth2-legacy");
    expect(await peer.nextMessage()).toEqual({ type: MessageType.RoomLogin, token, userName: "alice" });
    expect(await peer.nextMessage()).toEqual({ type: MessageType.SetPlayerData, player });
    peer.send({ type: MessageType.RoomLoginSuccessful, userId: 5, maximumPlayersPerRoom: 32 });
    peer.send(serverMessage(8, "User logged in."));
    const aux = { verb: 0 as const, flags: 0, ranking: 0, playerId: 5, roomId: 0, caste: -1, order: -1 };
    const other = { aux: { ...aux, playerId: 6 }, player: { ...player, nick: "Bob" } };
    peer.send({ type: MessageType.PlayerList, players: [{ aux, player }, other] });
    peer.send({ type: MessageType.GameList, games: [] });
    // Bungie order ends the initial lists with our own data (8).
    peer.send({ type: MessageType.SetPlayerDataFromMetaserver, aux, player });
    const session = await joining;
    expect(session.userId).toBe(5);
    expect(session.maxPlayers).toBe(32);
    expect([...session.players.keys()].sort()).toEqual([5, 6]);

    peer.send({ type: MessageType.PlayerList, players: [{ ...other, aux: { ...other.aux, verb: 1 } }] });
    await session.waitForPlayerGone(6);

    session.chat("hello");
    expect(await peer.nextMessage()).toMatchObject({
      type: MessageType.RoomBroadcast,
      header: { chatType: CHAT_TYPE_CHAT, playerId: 5, selectedPlayerId: 0 },
      senderName: "Alice",
      text: "hello",
    });
    session.whisper(6, "psst", true);
    expect(await peer.nextMessage()).toMatchObject({
      type: MessageType.DirectedData,
      targetPlayerId: 6,
      echo: true,
      text: "psst",
    });

    const gameData = session.createGame({ name: "My game", map: "Bagrada", maxPlayers: 8, scoring: 5, timeLimit: 600 });
    expect(await peer.nextMessage()).toEqual({ type: MessageType.CreateGame, port: 3453, order: 0, gameData });
    session.startGame(600);
    expect(await peer.nextMessage()).toEqual({ type: MessageType.StartGame, gameTime: 600 });
    session.setMode(true);
    expect(await peer.nextMessage()).toMatchObject({ type: MessageType.SetPlayerMode, mode: 1 });
    await session.leave();
  });
});

describe("game data", () => {
  it("is a 568-byte description plus name and map that reads back", () => {
    const data = buildGameData({ name: "Game", map: "Map", maxPlayers: 8, scoring: 5, timeLimit: 600, playerCount: 2 });
    expect(data.byteLength).toBe(568 + "Game".length + 1 + "Map".length + 1);
    expect(describeGameData(data)).toEqual({
      scoring: 5,
      timeLimitTicks: 18000,
      maxPlayers: 8,
      playerCount: 2,
      name: "Game",
      map: "Map",
    });
    expect(describeGameData(data.subarray(0, 100))).toBeNull();
  });
});
