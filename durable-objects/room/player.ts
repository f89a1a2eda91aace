/** How a room shows a player: the player-list entry (aux + player data, §4.3/§4.5) and its flags. */

import type { RoomConfig } from "../../edge/config.ts";
import {
  CASTE_ADMINISTRATOR,
  CASTE_NONE,
  encodeMessage,
  PlayerAuxFlag,
  type PlayerListEntry,
  Verb,
} from "../../protocol/messages.ts";
import { BROADCAST_DIALECT } from "./packets.ts";
import type { PlayerState } from "./state.ts";

export const isAdmin = (p: PlayerState): boolean => p.adminLevel > 0;

/** Nick from the player data; the chat sender name the room vouches for. */
export const nickOf = (p: PlayerState): string => p.playerData.nick;

/** state: Myth 0 idle / 1 in game; Aleph One bit0 = away. */
export const stateOf = (p: PlayerState): number => p.playerData.state;

/**
 * Aux flags (§4.3). Myth: bit0 administrator, bit1 guest (the brief's choice; GoS sends 0).
 * Aleph One follows A1S UserInfo.flags: bit0 registered user, bit12 moderator, bit14 not away —
 * A1 clients sort the player list on these.
 */
export function auxFlags(p: PlayerState): number {
  if (p.dialect === "marathon") {
    let flags = 0;
    if (!p.guest) flags |= PlayerAuxFlag.Administrator;
    if (isAdmin(p)) flags |= PlayerAuxFlag.AlephOneModerator;
    if ((stateOf(p) & 1) === 0 && p.away === undefined) flags |= PlayerAuxFlag.AlephOneNotAway;
    return flags;
  }
  let flags = 0;
  if (isAdmin(p)) flags |= PlayerAuxFlag.Administrator;
  if (p.guest) flags |= PlayerAuxFlag.Anonymous;
  return flags;
}

/** Ranked and tournament rooms show rating castes; unranked rooms none (Bungie, §4.10). */
export const showsCastes = (room: RoomConfig): boolean => room.type !== "unranked";

/** One player_list entry: aux + player data. */
export function playerEntry(p: PlayerState, verb: Verb): PlayerListEntry {
  return {
    aux: {
      verb,
      flags: auxFlags(p),
      ranking: 0,
      playerId: p.userId,
      roomId: 0,
      // Staff 17; the rating caste where the room set one (ranked, tournament); else none (Bungie).
      caste: isAdmin(p) ? CASTE_ADMINISTRATOR : (p.caste ?? CASTE_NONE),
      order: p.playerData.orderIndex,
    },
    player: p.playerData,
  };
}

/** player_list (1) with one entry, for add/change/delete broadcasts. */
export function playerListPacket(p: PlayerState, verb: Verb): Uint8Array {
  return encodeMessage({ type: 1, players: [playerEntry(p, verb)] }, BROADCAST_DIALECT);
}

/** set_player_data_from_metaserver (8): Bungie sends the player its own entry with verb change (§5.7). */
export function ownPlayerDataPacket(p: PlayerState): Uint8Array {
  return encodeMessage({ type: 8, ...playerEntry(p, Verb.Change) }, p.dialect);
}
