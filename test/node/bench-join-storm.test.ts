/**
 * A join storm must not cost a room list per join per client (docs/performance.md, join
 * storm): a player sitting in one room while 30 others pour into another gets a handful of
 * room lists, the last of which shows the final count.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { defaultPlayerData, joinRoom, login, type RoomSession } from "../../client/flows.ts";
import { MessageType } from "../../protocol/message-types.ts";
import type { RoomInfo } from "../../protocol/messages.ts";
import { type LocalStack, startLocalStack } from "../../scripts/local-stack.ts";

let stack: LocalStack;
const sessions: RoomSession[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ roomPorts: "ephemeral" });
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.leave().catch(() => {})));
  await stack?.stop();
});

/** Logs in as a guest and joins the room with the given wire id. */
async function guestJoins(name: string, wireId: number): Promise<RoomSession> {
  const result = await login(stack.host, stack.loginPort, {
    dialect: "myth2",
    user: name,
    password: "",
    timeoutMs: 30_000,
  });
  const room = result.rooms.find((r) => r.roomId === wireId);
  if (!room) throw new Error(`room ${wireId} not offered`);
  const configured = stack.bridge.edgeConfig.rooms.find((r) => r.port === room.port);
  const port = stack.roomPorts.get(configured?.id ?? -1);
  if (port === undefined) throw new Error(`no bridge port for room ${wireId}`);
  const session = await joinRoom(stack.host, port, {
    dialect: "myth2",
    token: result.token,
    userName: name,
    playerData: defaultPlayerData("myth2", name),
    timeoutMs: 30_000,
  });
  sessions.push(session);
  return session;
}

it("sends a sitting player a few room lists during a join storm, ending with the right count", async () => {
  const observer = await guestJoins("watcher", 0);
  const joiners = 30;
  const lists: RoomInfo[][] = [];
  let sawEveryone: () => void = () => {};
  const everyoneCounted = new Promise<void>((resolve) => {
    sawEveryone = resolve;
  });
  observer.client.on("message", ({ message }) => {
    if (message.type !== MessageType.RoomList) return;
    lists.push([...message.rooms]);
    if (message.rooms.find((r) => r.roomId === 1)?.playerCount === joiners) sawEveryone();
  });

  await Promise.all(Array.from({ length: joiners }, (_, i) => guestJoins(`storm${i}`, 1)));
  await everyoneCounted;

  // One list per join would be 30; the fan-out is coalesced to about one per second.
  expect(lists.length).toBeLessThan(joiners / 2);
}, 120_000);
