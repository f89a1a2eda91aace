/**
 * Honest players for the chaos checks, on the reliability stack: accounts, logins and room
 * joins (each player from its own 127.0.0.x, as distinct client addresses), a ranked game
 * started and reported as a Myth II host and its opponent do, and the public API reads that
 * say what the edge stored.
 */
import { joinRoom, type LoginResult, login, type RoomSession } from "../../client/flows.ts";
import { MessageType } from "../../protocol/message-types.ts";
import type { GameScoreMessage, Message } from "../../protocol/messages.ts";
import { twoPlayerScore } from "../score.ts";
import type { ReliabilityStack } from "../stack.ts";

export interface Player {
  readonly name: string;
  readonly password: string;
  readonly address: string;
  login: LoginResult;
  session: RoomSession;
  readonly userId: number;
}

const TIMEOUT_MS = 15_000;

export async function createUser(stack: ReliabilityStack, name: string, password: string): Promise<number> {
  const res = await stack.admin("POST", "/admin/users", { username: name, password });
  const text = await res.text();
  if (!res.ok) throw new Error(`creating ${name}: HTTP ${res.status} ${text.slice(0, 200)}`);
  const json = JSON.parse(text) as { id?: number; account?: { id?: number } };
  const id = json.id ?? json.account?.id;
  if (typeof id !== "number") throw new Error(`creating ${name}: no id`);
  return id;
}

export function loginAt(stack: ReliabilityStack, name: string, password: string, address: string) {
  return login(stack.host, stack.loginPort, {
    dialect: "myth2",
    user: name,
    password,
    nick: name,
    timeoutMs: TIMEOUT_MS,
    localAddress: address,
  });
}

/** The room's port as the bridge listens on it (room_info carries the same, ports are configured). */
export function roomPort(stack: ReliabilityStack, roomId: number): number {
  const port = stack.roomPorts.get(roomId);
  if (port === undefined) throw new Error(`no port for room ${roomId}`);
  return port;
}

export async function enter(
  stack: ReliabilityStack,
  result: LoginResult,
  name: string,
  roomId: number,
  address: string,
  port = roomPort(stack, roomId),
  host = stack.host,
): Promise<RoomSession> {
  return joinRoom(host, port, {
    dialect: "myth2",
    token: result.token,
    userName: name,
    playerData: result.playerData,
    timeoutMs: TIMEOUT_MS,
    localAddress: address,
  });
}

/** A registered player (account created here) in a room; `guest` logs in without one. */
export async function player(
  stack: ReliabilityStack,
  name: string,
  roomId: number,
  address: string,
  options: { guest?: boolean; register?: boolean } = {},
): Promise<Player> {
  const password = options.guest ? "" : `pw-${name}`;
  if (!options.guest && options.register !== false) await createUser(stack, name, password);
  const result = await loginAt(stack, options.guest ? "" : name, password, address);
  const session = await enter(stack, result, options.guest ? "" : name, roomId, address);
  return { name, password, address, login: result, session, userId: session.userId };
}

/** Logs the same player in again and re-enters the room (after its connection died). */
export async function rejoin(stack: ReliabilityStack, p: Player, roomId: number): Promise<Player> {
  const result = await loginAt(stack, p.name, p.password, p.address);
  const session = await enter(stack, result, p.name, roomId, p.address);
  p.login = result;
  p.session = session;
  return p;
}

/** Distinct client addresses 127.0.0.<base + i>. */
export function address(i: number, base = 10): string {
  return `127.0.0.${base + i}`;
}

export async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T, i: number) => Promise<R>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  }
  return out;
}

/**
 * The host creates a game, starts it (114) and names its players (111), as Myth II does; then
 * waits until the edge shows the game as playing (a real game lasts minutes before anyone
 * reports: reports racing the start are not what the checks are about).
 */
export async function startGame(
  stack: ReliabilityStack,
  host: Player,
  others: readonly Player[],
  name = `g${host.userId}`,
): Promise<void> {
  host.session.createGame({ name, map: "The Barrier" });
  await host.session.waitFor(() => host.session.games.has(host.userId), 5_000, "own game");
  host.session.startGame(null);
  host.session.client.send({
    type: MessageType.GamePlayerList,
    gameId: host.userId,
    playerIds: [host.userId, ...others.map((o) => o.userId)],
  } as Message);
  const playing = await poll(async () => {
    const [g] = await gamesOf(stack, host.name);
    return g?.status === "playing" && g.name === name ? g : null;
  }, 10_000);
  if (!playing) throw new Error(`game ${name} of ${host.name} not playing within 10 s`);
}

/** game_score (112) for a 1-vs-1 the host won, as `reporter` sends it. */
export function hostWins(host: Player, other: Player, reporter: Player): GameScoreMessage {
  return twoPlayerScore(host.userId, [host.userId, other.userId], 612, reporter.userId);
}

// ------------------------------------------------------------------------ what the edge stored

export async function api<T>(stack: ReliabilityStack, path: string): Promise<T> {
  const res = await fetch(`${stack.httpUrl}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

export interface GameSummary {
  readonly id: number;
  readonly name: string;
  readonly status: string;
}

export interface GameDetail extends GameSummary {
  readonly players: {
    userId: number;
    unitsKilled: number | null;
    finished: boolean | null;
    ratingBefore: number | null;
    ratingAfter: number | null;
  }[];
}

export interface PlayerProfile {
  readonly ratings: { category: string | number; games: number; rating: number }[];
}

export async function gamesOf(stack: ReliabilityStack, name: string): Promise<GameSummary[]> {
  return (await api<{ games: GameSummary[] }>(stack, `/api/games?player=${encodeURIComponent(name)}&limit=200`)).games;
}

export function game(stack: ReliabilityStack, id: number): Promise<GameDetail> {
  return api<GameDetail>(stack, `/api/games/${id}`);
}

export function profile(stack: ReliabilityStack, name: string): Promise<PlayerProfile> {
  return api<PlayerProfile>(stack, `/api/players/${encodeURIComponent(name)}`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns non-null or the time is up (then null). */
export async function poll<T>(probe: () => Promise<T | null>, timeoutMs: number, everyMs = 100): Promise<T | null> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > until) return null;
    await sleep(everyMs);
  }
}

/** Stack health figures every check reports: unexpected exits and error lines. */
export function stackHealth(stack: ReliabilityStack): { crashes: number; errorLines: number; firstError: string } {
  return {
    crashes: stack.crashes.length,
    errorLines: stack.errorCount(),
    firstError: stack.logErrors[0] ? `${stack.logErrors[0].part}: ${stack.logErrors[0].line.slice(0, 300)}` : "",
  };
}
