/** player_info (121). The searches and buddy/order queries live in social.ts. */
import type { MessageOf } from "../../../protocol/messages.ts";
import { playerInfoPacket } from "../packets.ts";
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
