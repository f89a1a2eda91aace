/** Hosting: create_game (104), remove_game (105), start_game (114), game_player_list (111), game_score (112). */

import { FIRST_GUEST_ID } from "../../../edge/contracts.ts";
import type { ResultPlayer } from "../../../edge/results/contracts.ts";
import { checkStandings } from "../../../edge/results/standings.ts";
import { parseIPv4 } from "../../../protocol/ipv4.ts";
import { type MessageOf, ServerMessageCode, startGameSeconds } from "../../../protocol/messages.ts";
import type { RoomCore } from "../core.ts";
import type { Game } from "../games.ts";
import { serverMessage } from "../packets.ts";
import { nickOf } from "../player.ts";
import type { PlayerConnection } from "../state.ts";
import type { Handler } from "./handler.ts";
import { checkHostPort, HOST_CHECK_GRACE_MS } from "./host-proxy.ts";

/** A host reports at most this many players in game_player_list; more is nonsense. */
const MAX_GAME_PLAYERS = 64;

export const createGame: Handler<MessageOf<104>> = async (room, conn, msg) => {
  const hostId = conn.player.userId;
  const existing = room.gameOf(hostId);
  if (existing) {
    // GoS updates only the game data; the address and port stay those of the first create.
    existing.data = msg.gameData;
    existing.order = msg.order;
    if (existing.proxy === "checking" && room.services.now() - existing.createdAt > HOST_CHECK_GRACE_MS) {
      // The bridge never answered (it went, or lost the check): list the game as it is.
      delete existing.proxy;
      room.listGame(existing);
      await room.reportCounts();
      return;
    }
    room.updateGame(existing, true);
    return;
  }
  // Myth II 1.8 hosts may be unreachable behind NAT: the bridge checks first (§7.6).
  const checking = checkHostPort(room, conn, msg.port);
  const game: Game = {
    hostId,
    host: parseIPv4(conn.clientAddress) ?? 0,
    port: msg.port,
    order: msg.order,
    data: msg.gameData,
    createdAt: room.services.now(),
    startedAt: null,
    timeLimit: 0,
    players: [],
    ...(checking ? { proxy: "checking" as const } : {}),
  };
  room.addGame(game);
  await room.reportCounts();
};

export const removeGame: Handler<MessageOf<105>> = (room, conn) => room.removeGameOf(conn.player.userId, true);

/** Each start is a new game row in D1 (a host may start the same listed game again). */
export const startGame: Handler<MessageOf<114>> = async (room, conn, msg) => {
  const game = room.gameOf(conn.player.userId);
  // GoS drops a non-host that sends start_game; ignoring it harms no one.
  if (!game) return;
  game.startedAt = room.services.now();
  // Untimed (null) is stored as 0.
  game.timeLimit = startGameSeconds(msg.gameTime, conn.player.dialect) ?? 0;
  // A1S sends a change so elapsed/remaining time shows; harmless for Myth.
  room.updateGame(game, true);
  await room.services.results.gameStarted({
    roomId: room.config.id,
    roomType: room.config.type,
    hostId: game.hostId,
    client: conn.player.dialect,
    gameData: game.data,
    timeLimit: game.timeLimit,
    startedAt: game.startedAt,
    players: resultPlayers(room, [game.hostId, ...game.players]),
  });
};

export const gamePlayerList: Handler<MessageOf<111>> = async (room, conn, msg) => {
  const game = room.gameOf(conn.player.userId);
  // Only the host's list counts (GoS).
  if (!game) return;
  game.players = msg.playerIds.slice(0, MAX_GAME_PLAYERS);
  room.updateGame(game, false);
  if (game.startedAt !== null) await room.services.results.gamePlayers(game.hostId, resultPlayers(room, game.players));
};

/**
 * A score report from any player of the game (§5.21): checked here (counts, indices), then
 * stored by the Results object, which also checks the game and the reporter. Either refusal
 * is a malformed report: code 0, the connection ends, nothing is stored. The client expects no
 * answer, so its next packets (chat after the game) do not wait for the Results object.
 */
export const gameScore: Handler<MessageOf<112>> = (room, conn, msg) => {
  const standings = checkStandings(msg);
  if (!standings.ok) return refuse(room, conn, standings.error);
  void room.services.results.report(msg.gameId, conn.player.userId, standings.value).then((answer) => {
    if (!answer.ok) return refuse(room, conn, answer.error ?? "refused");
  });
};

function refuse(room: RoomCore, conn: PlayerConnection, why: string): Promise<void> {
  console.warn(`room ${room.config.id}: score report from ${conn.player.userId} refused: ${why}`);
  return room.drop(conn, serverMessage(ServerMessageCode.SyntaxError, conn.player.dialect));
}

/** Names, guest flags and client addresses of a game's players, as this room knows them. */
function resultPlayers(room: RoomCore, ids: readonly number[]): ResultPlayer[] {
  return [...new Set(ids)].map((userId) => {
    const found = room.findPlayer(userId);
    return {
      userId,
      name: found ? nickOf(found.player) : String(userId),
      // A player no longer here is a guest by id range (GoS guest ids).
      guest: found?.player.guest ?? userId >= FIRST_GUEST_ID,
      address: found ? (found.clientAddress.split(":")[0] ?? "") : "",
    };
  });
}
