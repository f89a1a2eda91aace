/** Queries: player_info (121) and the searches and buddy/order messages, answered empty until those land (§5.20, §5.22). */
import type { MessageOf } from "../../../protocol/messages.ts";
import {
  EMPTY_BUDDY_LIST,
  EMPTY_BUDDY_QUERY_RESULT,
  EMPTY_GAME_SEARCH_RESULT,
  EMPTY_ORDER_QUERY_RESULT,
  EMPTY_PLAYER_SEARCH_RESULT,
  playerInfoPacket,
} from "../packets.ts";
import { isAdmin, nickOf } from "../player.ts";
import type { Handler } from "./handler.ts";

/** player_info (17): what the room shows of the player, with its stats and profile from D1 (guests: zeros). */
export const playerInfo: Handler<MessageOf<121>> = async (room, conn, msg) => {
  const found = room.findPlayer(msg.userId);
  if (!found) return; // GoS answers only for players in the same room
  const target = found.player;
  const stats = target.guest ? null : await room.services.results.playerStats(target.userId);
  if (!room.isOpen(conn)) return;
  const data = target.playerData;
  room.reply(
    conn,
    playerInfoPacket(
      {
        administrator: isAdmin(target),
        orderIndex: data.orderIndex,
        iconIndex: data.coatOfArms,
        primaryColor: data.primaryColor,
        secondaryColor: data.secondaryColor,
        login: target.guest ? "Guest" : String(target.userId),
        name: nickOf(target),
      },
      stats,
    ),
  );
};

/** A query answered with a fixed packet. */
const answer =
  (packet: Uint8Array): Handler =>
  (room, conn) =>
    room.reply(conn, packet);

export const gameSearch = answer(EMPTY_GAME_SEARCH_RESULT);
export const playerSearch = answer(EMPTY_PLAYER_SEARCH_RESULT);
export const buddyQuery = answer(EMPTY_BUDDY_QUERY_RESULT);
export const orderQuery = answer(EMPTY_ORDER_QUERY_RESULT);
export const updateBuddy = answer(EMPTY_BUDDY_LIST);
