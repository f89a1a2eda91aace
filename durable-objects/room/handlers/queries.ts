/** player_info (121). The searches and buddy/order queries live in social.ts. */
import type { MessageOf } from "../../../protocol/messages.ts";
import { playerInfoPacket } from "../packets.ts";
import { isAdmin, nickOf } from "../player.ts";
import type { Handler } from "./handler.ts";

export const playerInfo: Handler<MessageOf<121>> = (room, conn, msg) => {
  const found = room.findPlayer(msg.userId);
  if (!found) return; // GoS answers only for players in the same room
  const target = found.player;
  const data = target.playerData;
  room.reply(
    conn,
    playerInfoPacket({
      administrator: isAdmin(target),
      orderIndex: data.orderIndex,
      iconIndex: data.coatOfArms,
      primaryColor: data.primaryColor,
      secondaryColor: data.secondaryColor,
      login: target.guest ? "Guest" : String(target.userId),
      name: nickOf(target),
    }),
  );
};
