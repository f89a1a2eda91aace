/**
 * Rolling upgrade, edge first (docs/admin.md, "Upgrades"): a bridge that still speaks tunnel v1
 * (one WebSocket per client connection, one binary frame per packet) keeps working against the
 * new edge while an upgraded v2 bridge serves other players, and both meet in the same room.
 * The v1 bridge here is a minimal one written from the v1 contract (docs/architecture.md), not
 * the current bridge's code.
 */

import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { joinRoom, login } from "../../client/flows.ts";
import { PacketSplitter } from "../../protocol/splitter.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { CLIENT_ADDRESS_HEADER, LOCAL_ADDRESS_HEADER, TunnelPath } from "../../tunnel/http.ts";
import { joinAs, pickRoom, startTestStack } from "./stack.ts";

/** A v1 bridge for one target: each TCP connection gets its own tunnel WebSocket. */
async function startV1Bridge(
  edgeUrl: string,
  token: string,
  path: string,
): Promise<{ port: number; server: Server; frames: () => number }> {
  let frames = 0;
  const server = createServer((socket: Socket) => {
    const ws = new WebSocket(new URL(path, edgeUrl.replace(/^http/, "ws")), {
      headers: {
        Authorization: `Bearer ${token}`,
        [CLIENT_ADDRESS_HEADER]: `${socket.remoteAddress}:${socket.remotePort}`,
        [LOCAL_ADDRESS_HEADER]: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      },
    });
    const splitter = new PacketSplitter();
    const early: Uint8Array[] = [];
    socket.on("data", (chunk) => {
      const packets = splitter.push(chunk);
      if (!packets.ok) return void socket.destroy();
      for (const packet of packets.value) {
        if (ws.readyState === WebSocket.OPEN) ws.send(packet);
        else early.push(packet);
      }
    });
    ws.on("open", () => {
      for (const packet of early.splice(0)) ws.send(packet);
    });
    ws.on("message", (data, isBinary) => {
      // Text frames are v1 controls (keepalive policy); this bridge leaves keepalives to the client.
      if (!isBinary) return;
      frames++;
      socket.write(data as Buffer);
    });
    ws.on("close", () => socket.end());
    ws.on("error", () => socket.destroy());
    socket.on("close", () => ws.close(1000));
    socket.on("error", () => ws.terminate());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, server, frames: () => frames };
}

describe("an old (tunnel v1) bridge against the new edge", () => {
  let stack: LocalStack;
  const servers: Server[] = [];
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await stack?.stop();
  });

  it("the edge still offers v1", async () => {
    expect(stack.bridge.edgeConfig.tunnelVersions).toEqual([1, 2]);
  });

  it("logs a player in and into a room over v1 frames, next to a player on the v2 bridge", async () => {
    const v1Login = await startV1Bridge(stack.httpUrl, stack.bridgeToken, TunnelPath.login);
    servers.push(v1Login.server);
    // Older Myth II (unencrypted Bungie order) through the v1 bridge.
    const old = await login("127.0.0.1", v1Login.port, {
      dialect: "myth2-legacy",
      user: "",
      password: "",
      nick: "Old",
    });
    expect(v1Login.frames()).toBeGreaterThanOrEqual(3); // 7, 8 and the room list came as v1 binary frames
    const room = pickRoom(old.rooms, 0);
    const v1Room = await startV1Bridge(stack.httpUrl, stack.bridgeToken, TunnelPath.room(0));
    servers.push(v1Room.server);

    const current = await joinAs(stack, { user: "New", roomId: room.roomId });
    const oldSession = await joinRoom("127.0.0.1", v1Room.port, {
      dialect: "myth2-legacy",
      token: old.token,
      userName: "Old",
      playerData: old.playerData,
    });
    // Each sees the other: the room holds v1 and v2 connections side by side.
    await current.session.waitForPlayer(oldSession.userId);
    expect(oldSession.players.has(current.userId)).toBe(true);
    await oldSession.client.close();
    await current.session.client.close();
  });
});
