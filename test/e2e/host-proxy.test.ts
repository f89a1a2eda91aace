/**
 * The host proxy (§7.6) and `.test` end to end: Myth II 1.8 and Aleph One clients over real TCP
 * through the real bridge into local workerd. 127.0.0.x addresses stand for other hosts: the
 * bridge probes the address a client connected from.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHealthServer } from "../../bridge/health.ts";
import { formatIPv4 } from "../../protocol/ipv4.ts";
import { MessageType } from "../../protocol/message-types.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { freePortRun } from "../support/free-ports.ts";
import { joinAs, type Player, startTestStack } from "./stack.ts";

let stack: LocalStack;
// A pool of two pairs where no other test listens (files run side by side).
let FIRST_PROXY_PORT = 0;
let users = 0;

beforeAll(async () => {
  FIRST_PROXY_PORT = await freePortRun(4);
  stack = await startTestStack({
    bridge: { proxyPorts: 4, proxyFirstPort: FIRST_PROXY_PORT, proxyJoinTimeoutMs: 5_000 },
  });
});
afterAll(async () => {
  await stack?.stop();
});

async function player(from: string, dialect: "myth2" | "marathon" = "myth2"): Promise<Player> {
  const user = `proxy${++users}`;
  await stack.createUser(user, "pw");
  return joinAs(stack, { user, password: "pw", nick: user, dialect, localAddress: from });
}

function tcp(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Resolves with everything received once `length` bytes have arrived. */
function read(socket: Socket, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.length >= length) {
        socket.off("data", onData);
        resolve(text);
      }
    };
    socket.on("data", onData);
    socket.once("close", () => reject(new Error(`closed after ${JSON.stringify(text)}`)));
  });
}

function closedWithoutData(socket: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    let got = false;
    socket.on("data", () => {
      got = true;
    });
    socket.on("error", () => {});
    socket.once("close", () => resolve(!got));
  });
}

function listenOn(host: string): Promise<Server> {
  const server = createServer((s) => s.destroy());
  return new Promise((resolve) => server.listen({ host, port: 0 }, () => resolve(server)));
}

const portOf = (server: Server) => (server.address() as { port: number }).port;

describe("host proxy (Myth II 1.8, build 428)", () => {
  it("lists an unreachable host's game at the bridge, splices a joiner to the host after 22, frees the pair", async () => {
    const watcher = await player("127.0.0.1");
    const host = await player("127.0.0.3"); // nothing listens there: the probe is refused
    host.session.createGame({ name: "Behind NAT", map: "Mirror", port: 3453 });
    await watcher.session.waitFor(() => watcher.session.games.has(host.userId), 10_000, "the proxied game");
    const listed = watcher.session.games.get(host.userId)?.aux;
    expect(formatIPv4(listed?.host ?? 0)).toBe("127.0.0.1");
    expect(listed?.port).toBe(FIRST_PROXY_PORT);
    await host.session.waitFor(() => host.session.messagesOfTheDay.length > 0, 5_000, "the blue message");
    expect(host.session.messagesOfTheDay).toContain("Your host does not appear to be joinable. Host proxy enabled.");
    const health = await startHealthServer(stack.bridge, "127.0.0.1", 0);
    try {
      const seen = (await (await fetch(`http://127.0.0.1:${health.port}/health`)).json()) as {
        proxy: { leased: number; probes: number };
      };
      expect(seen.proxy.leased).toBe(1);
      expect(seen.proxy.probes).toBeGreaterThanOrEqual(1);
    } finally {
      await health.close();
    }

    // A joiner arrives at the client port; the host is asked to connect back.
    const joinMessage = host.session.client.next(MessageType.ProxyClientJoin, 5_000);
    const joiner = await tcp(FIRST_PROXY_PORT, "127.0.0.4");
    joiner.write("hello from the joiner");
    const join = await joinMessage;
    expect(join).toMatchObject({ port: FIRST_PROXY_PORT + 1, host: "127.0.0.1" });

    // The host port takes the host's address only.
    const stranger = await tcp(join.port, "127.0.0.9");
    expect(await closedWithoutData(stranger)).toBe(true);

    const back = await tcp(join.port, "127.0.0.3");
    expect(await read(back, 21)).toBe("hello from the joiner");
    back.write("hello from the host");
    expect(await read(joiner, 19)).toBe("hello from the host");
    expect(stack.bridge.stats().proxyJoins).toBeGreaterThanOrEqual(1);
    expect(stack.bridge.stats().proxyBytes).toBeGreaterThanOrEqual(40);

    const watcherChat = watcher.session.client.next(MessageType.MessageOfTheDay, 5_000);
    watcher.session.chat(".games");
    expect((await watcherChat).text).toContain("|i(proxied)|p");

    // The game ends: the pair stops listening and goes back to the pool.
    host.session.removeGame();
    await watcher.session.waitFor(() => !watcher.session.games.has(host.userId), 5_000, "the game removed");
    await expect.poll(() => stack.bridge.stats().proxyLeased, { timeout: 5_000 }).toBe(0);
    await expect(tcp(FIRST_PROXY_PORT, "127.0.0.4")).rejects.toThrow(/ECONNREFUSED/);
    joiner.destroy();
    back.destroy();
    await Promise.all([watcher.session.leave(), host.session.leave()]);
  });

  it("lists a reachable host's game with its own address, and frees a pair when a proxied host leaves", async () => {
    const gamePort = await listenOn("127.0.0.2");
    const watcher = await player("127.0.0.1");
    const reachable = await player("127.0.0.2");
    reachable.session.createGame({ name: "Open", map: "Mirror", port: portOf(gamePort) });
    await watcher.session.waitFor(() => watcher.session.games.has(reachable.userId), 10_000, "the direct game");
    const listed = watcher.session.games.get(reachable.userId)?.aux;
    expect(formatIPv4(listed?.host ?? 0)).toBe("127.0.0.2");
    expect(listed?.port).toBe(portOf(gamePort));
    expect(reachable.session.messagesOfTheDay.some((m) => m.includes("Host proxy"))).toBe(false);

    const nat = await player("127.0.0.6");
    nat.session.createGame({ name: "Closed", map: "Mirror", port: 3453 });
    await watcher.session.waitFor(() => watcher.session.games.has(nat.userId), 10_000, "the proxied game");
    expect(stack.bridge.stats().proxyLeased).toBe(1);
    await nat.session.leave();
    await expect.poll(() => stack.bridge.stats().proxyLeased, { timeout: 5_000 }).toBe(0);
    await Promise.all([watcher.session.leave(), reachable.session.leave()]);
    gamePort.close();
  });
});

describe(".test (Aleph One)", () => {
  it("tells a gatherer whether its game port can be reached", async () => {
    const gatherer = await player("127.0.0.5", "marathon");
    const answers = () => gatherer.session.messagesOfTheDay.filter((m) => m.startsWith("Your game port"));
    gatherer.session.chat(".test");
    await gatherer.session.waitFor(() => answers().length === 1, 10_000, "the .test answer");
    expect(answers()[0]).toMatch(/^Your game port 4226 refused the connection/);

    const open = await listenOn("127.0.0.5");
    gatherer.session.chat(`.test ${portOf(open)}`);
    await gatherer.session.waitFor(() => answers().length === 2, 10_000, "the second answer");
    expect(answers()[1]).toBe(`Your game port ${portOf(open)} is reachable: other players can join your games.`);
    open.close();
    await gatherer.session.leave();
  });
});
