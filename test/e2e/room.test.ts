/**
 * Rooms over real TCP through the bridge into local workerd: presence, chat, private
 * messages, games, room changes and kicks (PROTOCOL.md §7.4, §7.7, §8).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBridge } from "../../bridge/server.ts";
import { describeGameData, joinRoom, login } from "../../client/flows.ts";
import { MessageType } from "../../protocol/message-types.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { enterRoom, joinAs, loginAs, type Player, startTestStack } from "./stack.ts";

let stack: LocalStack;
let userCount = 0;
/** A fresh registered account per call so tests do not kick each other. */
async function newUser(prefix: string): Promise<{ user: string; password: string }> {
  const user = `${prefix}${++userCount}`;
  const password = `pw-${user}`;
  await stack.createUser(user, password);
  return { user, password };
}
async function member(prefix: string, roomId?: number): Promise<Player> {
  const account = await newUser(prefix);
  return joinAs(stack, { ...account, nick: account.user, roomId });
}

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("room presence", () => {
  it("two players see each other join and leave", async () => {
    const a = await member("pres");
    expect(a.session.players.get(a.userId)?.player.nick).toBe(a.session.nick);
    const b = await member("pres");
    expect(b.session.players.has(a.userId)).toBe(true);
    expect(b.session.players.has(b.userId)).toBe(true);
    await a.session.waitForPlayer(b.userId);
    expect(a.session.players.get(b.userId)?.player.nick).toBe(b.session.nick);

    await b.session.leave();
    await a.session.waitForPlayerGone(b.userId);
    await a.session.leave();
  });
});

describe("every client family in its own rooms", () => {
  for (const dialect of ["myth2-legacy", "myth1", "myth3", "marathon"] as const) {
    it(`${dialect}: two players join, see each other and chat`, async () => {
      const [first, second] = [await newUser(dialect.slice(0, 6)), await newUser(dialect.slice(0, 6))];
      const a = await joinAs(stack, { ...first, nick: first.user, dialect });
      const b = await joinAs(stack, { ...second, nick: second.user, dialect });
      expect(b.session.players.has(a.userId)).toBe(true);
      await a.session.waitForPlayer(b.userId);
      a.session.chat(`hello ${dialect}`);
      expect(await b.session.nextChat()).toMatchObject({ text: `hello ${dialect}`, header: { playerId: a.userId } });
      b.session.createGame({ name: `${dialect} game`, map: "Map" });
      await a.session.waitFor(() => a.session.games.size === 1, 5_000, "the game");
      await b.session.leave();
      await a.session.waitForPlayerGone(b.userId);
      await a.session.waitFor(() => a.session.games.size === 0, 5_000, "the game to go with its host");
      await a.session.leave();
    });
  }
});

describe("chat", () => {
  it("relays public chat both ways with the server-verified sender", async () => {
    const a = await member("chat");
    const b = await member("chat");
    await a.session.waitForPlayer(b.userId);

    a.session.chat("hello from a");
    const atB = await b.session.nextChat();
    expect(atB).toMatchObject({ text: "hello from a", senderName: a.session.nick, header: { playerId: a.userId } });
    // The sender gets its own line back too.
    expect(await a.session.nextChat()).toMatchObject({ text: "hello from a" });

    b.session.chat("hello from b");
    expect(await a.session.nextChat()).toMatchObject({ text: "hello from b", header: { playerId: b.userId } });
    expect(await b.session.nextChat()).toMatchObject({ text: "hello from b" });

    // b pretends to be a: the room relays it as b (or drops it), never as a.
    b.session.chat("forged", { senderId: a.userId, senderName: a.session.nick });
    b.session.chat("after the forgery");
    for (const session of [a.session, b.session]) {
      for (;;) {
        const line = await session.nextChat();
        if (line.text === "forged") {
          expect(line.header.playerId).toBe(b.userId);
          expect(line.senderName).toBe(b.session.nick);
          continue;
        }
        expect(line.text).toBe("after the forgery");
        expect(line.header.playerId).toBe(b.userId);
        break;
      }
    }
    await Promise.all([a.session.leave(), b.session.leave()]);
  });

  it("delivers a private message to its target and echoes it to the sender", async () => {
    const a = await member("pm");
    const b = await member("pm");
    const c = await member("pm");
    await a.session.waitForPlayer(c.userId);

    a.session.whisper(b.userId, "just for b", true);
    expect(await b.session.nextPrivate()).toMatchObject({
      targetPlayerId: b.userId,
      text: "just for b",
      header: { playerId: a.userId },
    });
    expect(await a.session.nextPrivate()).toMatchObject({ targetPlayerId: b.userId, text: "just for b" });

    // Without echo the sender gets nothing back; c never sees either message.
    a.session.whisper(b.userId, "no echo", false);
    expect(await b.session.nextPrivate()).toMatchObject({ text: "no echo" });
    a.session.chat("marker");
    await a.session.nextChat();
    await c.session.nextChat();
    expect(a.session.client.peek().some((m) => m.type === MessageType.DirectedData)).toBe(false);
    expect(c.session.client.peek().some((m) => m.type === MessageType.DirectedData)).toBe(false);
    await Promise.all([a.session.leave(), b.session.leave(), c.session.leave()]);
  });
});

describe("games", () => {
  it("lists a created game to others, follows start and update, and removes it", async () => {
    const host = await member("game");
    const guest = await member("game");
    await host.session.waitForPlayer(guest.userId);

    host.session.createGame({ name: "Bagrada brawl", map: "Bagrada", maxPlayers: 8, scoring: 0, timeLimit: 600 });
    const listed = () => [...guest.session.games.values()].find((g) => g.aux.creatorId === host.userId);
    await guest.session.waitFor(() => listed() !== undefined, 5_000, "the new game");
    const game = listed();
    expect(describeGameData(game?.gameData ?? new Uint8Array())).toMatchObject({
      name: "Bagrada brawl",
      map: "Bagrada",
    });
    expect(game?.aux.port).toBe(3453);

    // A newcomer gets the game in its initial list.
    const late = await member("game");
    expect([...late.session.games.values()].some((g) => g.aux.creatorId === host.userId)).toBe(true);

    host.session.startGame(600);
    await guest.session.waitFor(
      () => (listed()?.aux.secondsRemaining ?? 0) > 0 && (listed()?.aux.secondsRemaining ?? 0) <= 600,
      5_000,
      "the game's clock running",
    );
    host.session.setPlayerData({ ...host.login.playerData, state: 1 });
    await guest.session.waitFor(
      () => guest.session.players.get(host.userId)?.player.state === 1,
      5_000,
      "the host shown in game",
    );

    host.session.createGame({ name: "Bagrada brawl", map: "Bagrada", maxPlayers: 8, playerCount: 4, timeLimit: 600 });
    await guest.session.waitFor(
      () => describeGameData(listed()?.gameData ?? new Uint8Array())?.playerCount === 4,
      5_000,
      "the updated game",
    );

    host.session.removeGame();
    await guest.session.waitFor(() => listed() === undefined, 5_000, "the game to go");
    await late.session.waitFor(
      () => ![...late.session.games.values()].some((g) => g.aux.creatorId === host.userId),
      5_000,
      "the game to go",
    );
    await Promise.all([host.session.leave(), guest.session.leave(), late.session.leave()]);
  });

  it("removes a host's game when the host disconnects", async () => {
    const host = await member("gone");
    const watcher = await member("gone");
    host.session.createGame({ name: "Short lived", map: "Forest Heart" });
    await watcher.session.waitFor(
      () => [...watcher.session.games.values()].some((g) => g.aux.creatorId === host.userId),
      5_000,
      "the game",
    );
    host.session.client.destroy();
    await watcher.session.waitForPlayerGone(host.userId);
    await watcher.session.waitFor(
      () => ![...watcher.session.games.values()].some((g) => g.aux.creatorId === host.userId),
      5_000,
      "the game to go",
    );
    await watcher.session.leave();
  });
});

describe("sessions", () => {
  it("changes room with the same token; the old room sees the player leave", async () => {
    const account = await newUser("move");
    const result = await loginAs(stack, { ...account });
    const rooms = result.rooms.filter((r) => (r.roomFlags & 0x4) === 0);
    expect(rooms.length).toBeGreaterThanOrEqual(2);
    const [first, second] = rooms as [(typeof rooms)[0], (typeof rooms)[0]];
    const observer = await member("watch", first.roomId);
    const inFirst = await enterRoom(stack, result, { ...account, roomId: first.roomId });
    await observer.session.waitForPlayer(inFirst.userId);

    const inSecond = await enterRoom(stack, result, { ...account, roomId: second.roomId });
    expect(inSecond.userId).toBe(inFirst.userId);
    await inFirst.client.closed;
    await observer.session.waitForPlayerGone(inFirst.userId);
    // The new session works.
    inSecond.chat("made it");
    expect(await inSecond.nextChat()).toMatchObject({ text: "made it" });
    await Promise.all([observer.session.leave(), inSecond.leave()]);
  });

  it("a second login of the same account kicks the first session", async () => {
    const account = await newUser("dup");
    const first = await joinAs(stack, { ...account });
    const observer = await member("dupwatch");
    await observer.session.waitForPlayer(first.userId);

    const again = await joinAs(stack, { ...account });
    await first.session.client.closed;
    expect(again.userId).toBe(first.userId);
    await observer.session.waitFor(
      () => observer.session.players.has(again.userId),
      5_000,
      "the account back in the room",
    );
    again.session.chat("second session");
    expect(await observer.session.nextChat()).toMatchObject({ text: "second session" });
    await Promise.all([observer.session.leave(), again.session.leave()]);
  });

  it("garbage on one room connection does not disturb the others", async () => {
    const a = await member("noise");
    const b = await member("noise");
    const noisy = await member("noise");
    await a.session.waitForPlayer(noisy.userId);

    noisy.session.client.sendRaw(Uint8Array.from({ length: 512 }, (_, i) => (i * 37 + 11) & 0xff));
    a.session.chat("still here");
    expect(await b.session.nextChat()).toMatchObject({ text: "still here", header: { playerId: a.userId } });
    await noisy.session.client.closed;
    await a.session.waitForPlayerGone(noisy.userId);
    b.session.chat("and here");
    expect(await a.session.nextChat()).toMatchObject({ text: "still here" });
    expect(await a.session.nextChat()).toMatchObject({ text: "and here" });
    await Promise.all([a.session.leave(), b.session.leave()]);
  });
});

describe("two bridges on one edge", () => {
  it("players of one room split across two bridges see each other's joins, chat and games; a broadcast is one frame per bridge", async () => {
    const second = await startBridge({
      edgeUrl: stack.httpUrl,
      bridgeToken: stack.bridgeToken,
      host: stack.host,
      ephemeralPorts: true,
      maxConnectionsPerIp: 1024,
      proxyPorts: 0, // tests run side by side: no shared proxy pool
    });
    try {
      // Through the second bridge: its own login port and its own port for each room.
      const viaSecond = async (prefix: string): Promise<Player> => {
        const account = await newUser(prefix);
        const result = await login(stack.host, second.loginPort, {
          dialect: "myth2",
          user: account.user,
          password: account.password,
          nick: account.user,
          timeoutMs: 15_000,
        });
        const room = result.rooms[0];
        const edgeRoom = second.edgeConfig.rooms.find((r) => r.port === room?.port);
        const port = second.roomPorts.get(edgeRoom?.id ?? -1);
        if (port === undefined) throw new Error("the second bridge does not listen for that room");
        const session = await joinRoom(stack.host, port, {
          dialect: "myth2",
          token: result.token,
          userName: account.user,
          playerData: result.playerData,
          timeoutMs: 15_000,
        });
        return { login: result, session, userId: session.userId };
      };
      const a1 = await member("twoA");
      const a2 = await member("twoA");
      const b1 = await viaSecond("twoB");
      const b2 = await viaSecond("twoB");
      for (const p of [a1, a2, b2]) await p.session.waitForPlayer(b1.userId);
      for (const p of [b1, b2]) expect(p.session.players.has(a1.userId)).toBe(true);

      // Let the join traffic (room lists come coalesced, up to a second late) settle.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const framesBefore = [stack.bridge.stats().tunnelFramesIn, second.stats().tunnelFramesIn];
      a1.session.chat("across bridges");
      for (const p of [a1, a2, b1, b2]) {
        expect(await p.session.nextChat()).toMatchObject({ text: "across bridges", header: { playerId: a1.userId } });
      }
      // Two recipients on each bridge, one frame each.
      expect(stack.bridge.stats().tunnelFramesIn - (framesBefore[0] ?? 0)).toBe(1);
      expect(second.stats().tunnelFramesIn - (framesBefore[1] ?? 0)).toBe(1);

      b1.session.createGame({ name: "Cross bridge", map: "Map" });
      await a1.session.waitFor(() => a1.session.games.has(b1.userId), 5_000, "the other bridge's game");
      await b2.session.leave();
      await a2.session.waitForPlayerGone(b2.userId);
      for (const p of [a1, a2, b1]) await p.session.leave();
    } finally {
      await second.close();
    }
  });
});
