/**
 * Shared setup for the end-to-end tests: a real local stack (workerd edge + TCP bridge on
 * ephemeral ports, in-memory state) and helpers that log in and join rooms like real clients.
 */
import { joinRoom, type LoginOptions, type LoginResult, login, type RoomSession } from "../../client/flows.ts";
import type { Dialect } from "../../protocol/dialect.ts";
import { formatIPv4 } from "../../protocol/ipv4.ts";
import type { RoomInfo } from "../../protocol/messages.ts";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../../scripts/local-stack.ts";

export function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // No proxy pool unless a test asks for one: tests run side by side and must not share ports.
  return startLocalStack({ roomPorts: "ephemeral", ...options, bridge: { proxyPorts: 0, ...options.bridge } });
}

/**
 * Where a client reaches a room from its room_info. Real clients use host:port as given; here
 * the bridge listens on ephemeral ports, so the advertised (configured) port is mapped to the
 * port the bridge actually took for that room.
 */
export function roomAddress(stack: LocalStack, room: RoomInfo): { host: string; port: number } {
  const configured = stack.bridge.edgeConfig.rooms.find((r) => r.port === room.port);
  if (!configured) throw new Error(`room_info port ${room.port} matches no configured room`);
  const port = stack.roomPorts.get(configured.id);
  if (port === undefined) throw new Error(`the bridge does not listen for room ${configured.id}`);
  return { host: room.host === 0 ? stack.host : formatIPv4(room.host), port };
}

export type PlayerOptions = Omit<LoginOptions, "dialect" | "password" | "user"> & {
  readonly dialect?: Dialect;
  readonly user: string;
  /** Empty ⇒ guest. */
  readonly password?: string;
};

export function loginAs(stack: LocalStack, options: PlayerOptions): Promise<LoginResult> {
  return login(stack.host, stack.loginPort, {
    dialect: "myth2",
    password: "",
    nick: options.user,
    timeoutMs: 15_000,
    ...options,
  });
}

export interface Player {
  readonly login: LoginResult;
  readonly session: RoomSession;
  readonly userId: number;
}

/** Logs in and joins the room with the given wire room id (the first one in the list by default). */
export async function joinAs(
  stack: LocalStack,
  options: PlayerOptions & { readonly roomId?: number; readonly localAddress?: string },
): Promise<Player> {
  const result = await loginAs(stack, options);
  const session = await enterRoom(stack, result, options);
  return { login: result, session, userId: session.userId };
}

export async function enterRoom(
  stack: LocalStack,
  result: LoginResult,
  options: PlayerOptions & { readonly roomId?: number; readonly localAddress?: string },
): Promise<RoomSession> {
  const room = pickRoom(result.rooms, options.roomId);
  const { host, port } = roomAddress(stack, room);
  return joinRoom(host, port, {
    dialect: options.dialect ?? "myth2",
    token: result.token,
    userName: options.user,
    playerData: result.playerData,
    timeoutMs: 15_000,
    localAddress: options.localAddress,
  });
}

export function pickRoom(rooms: readonly RoomInfo[], roomId = rooms[0]?.roomId): RoomInfo {
  const room = rooms.find((r) => r.roomId === roomId);
  if (!room) throw new Error(`room ${roomId} not in the room list (${rooms.map((r) => r.roomId).join(", ")})`);
  return room;
}
