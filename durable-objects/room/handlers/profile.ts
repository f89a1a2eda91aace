/**
 * update_player_information (122, Myth): city, state, country and quote of a registered player,
 * stored in D1 and shown in player_info (17). Guests have no account to keep them in. Aleph
 * One's 122 (remote hub list request) has no answer here.
 */
import type { MessageOf } from "../../../protocol/messages.ts";
import type { Handler } from "./handler.ts";

export const updatePlayerInformation: Handler<MessageOf<122>> = async (room, conn, msg) => {
  if (msg.variant !== "player-information" || conn.player.guest) return;
  await room.services.results.updateProfile(conn.player.userId, {
    city: msg.city,
    state: msg.state,
    country: msg.country,
    quote: msg.quote,
  });
};
