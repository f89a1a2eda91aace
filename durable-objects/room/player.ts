/**
 * A player in a room as kept in its socket's attachment (which survives hibernation), and the
 * player-list entry (aux + player data, §4.3/§4.5) the room shows for it.
 */
import type { Dialect } from "../../protocol/dialect.ts";
import {
  CASTE_ADMINISTRATOR,
  CASTE_NONE,
  encodeMessage,
  PlayerAuxFlag,
  type PlayerData,
  type PlayerListEntry,
  Verb,
} from "../../protocol/messages.ts";
import { BROADCAST_DIALECT } from "./packets.ts";

/** Everything the room knows about a socket. Only structured-cloneable fields: it is the attachment. */
export interface SocketState {
  /** "ipv4:port" of the player as seen by the bridge. */
  readonly clientAddress: string;
  /** "ipv4:port" the player connected to on the bridge. */
  readonly localAddress: string;
  /** The bridge finished the 203 key exchange on this connection. */
  encrypted: boolean;
  /** Set once room_login succeeded. */
  player?: PlayerState;
  /** A set_player_data that overtook its room_login; applied once the login is done. */
  pendingPlayerData?: PlayerData;
  /** The room already said goodbye to this socket (kicked, logged out, bad packet). */
  closed?: boolean;
}

export interface PlayerState {
  readonly userId: number;
  readonly userName: string;
  readonly guest: boolean;
  readonly adminLevel: number;
  readonly dialect: Dialect;
  readonly build: number;
  /** Player data (§4.2: icon, state, colours, order, nick, team). */
  playerData: PlayerData;
  /** Deaf clients get no room traffic (§5.12). */
  deaf: boolean;
  /**
   * In the player list and receiving room traffic. Bungie-family clients get their lists only
   * after their first set_player_data (§7.4), so they join unlisted.
   */
  listed: boolean;
  /** Join order: lists show players in the order they arrived. */
  readonly joinedAt: number;
}

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
    if ((stateOf(p) & 1) === 0) flags |= PlayerAuxFlag.AlephOneNotAway;
    return flags;
  }
  let flags = 0;
  if (isAdmin(p)) flags |= PlayerAuxFlag.Administrator;
  if (p.guest) flags |= PlayerAuxFlag.Anonymous;
  return flags;
}

/** One player_list entry: aux + player data. */
export function playerEntry(p: PlayerState, verb: Verb): PlayerListEntry {
  return {
    aux: {
      verb,
      flags: auxFlags(p),
      ranking: 0,
      playerId: p.userId,
      roomId: 0,
      caste: isAdmin(p) ? CASTE_ADMINISTRATOR : CASTE_NONE,
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
