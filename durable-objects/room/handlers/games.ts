/** Hosting: create_game (104), remove_game (105), start_game (114), game_player_list (111), game_score (112). */

import { HEADER_SIZE } from "../../../protocol/header.ts";
import { parseIPv4 } from "../../../protocol/ipv4.ts";
import { type MessageOf, startGameSeconds } from "../../../protocol/messages.ts";
import type { Game } from "../games.ts";
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

export const startGame: Handler<MessageOf<114>> = (room, conn, msg) => {
  const game = room.gameOf(conn.player.userId);
  // GoS drops a non-host that sends start_game; ignoring it harms no one.
  if (!game) return;
  game.startedAt = room.services.now();
  // Untimed (null) is stored as 0.
  game.timeLimit = startGameSeconds(msg.gameTime, conn.player.dialect) ?? 0;
  // A1S sends a change so elapsed/remaining time shows; harmless for Myth.
  room.updateGame(game, true);
};

export const gamePlayerList: Handler<MessageOf<111>> = (room, conn, msg) => {
  const game = room.gameOf(conn.player.userId);
  // Only the host's list counts (GoS).
  if (!game) return;
  game.players = msg.playerIds.slice(0, MAX_GAME_PLAYERS);
  room.updateGame(game, false);
};

/** Kept as the client sent it (the standings after the game id), for the results pipeline. */
export const gameScore: Handler<MessageOf<112>> = (room, conn, msg, packet) => {
  room.out.storeScore({
    gameId: msg.gameId,
    reporterId: conn.player.userId,
    game: room.gameOf(conn.player.userId),
    report: packet.slice(HEADER_SIZE + 4),
    at: room.services.now(),
  });
};
