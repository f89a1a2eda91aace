/**
 * Public entry for every message codec of the legacy protocol (PROTOCOL.md §3-§5, §9).
 * The types live in messages/types.ts and the structs in structs/; this module re-exports
 * them and offers encodeMessage / decodeMessage / decodePayload and the list splitters.
 */
import type { Dialect } from "./dialect.ts";
import type { Direction, Message } from "./messages/types.ts";
import type { Result } from "./result.ts";
import type { GameListEntry } from "./structs/game-aux.ts";
import type { PlayerListEntry } from "./structs/player-aux.ts";
import type { RoomInfo } from "./structs/room-info.ts";

export * from "./messages/types.ts";
export * from "./structs/buddy.ts";
export * from "./structs/chat.ts";
export * from "./structs/constants.ts";
export * from "./structs/game-aux.ts";
export * from "./structs/player-aux.ts";
export * from "./structs/player-data.ts";
export * from "./structs/player-info.ts";
export * from "./structs/rgb-color.ts";
export * from "./structs/room-info.ts";
export * from "./structs/scores.ts";

/** One whole raw packet (header + payload). Throws RangeError over 8096 bytes (a programming error). */
export function encodeMessage(_msg: Message, _dialect: Dialect): Uint8Array {
  throw new Error("not implemented");
}

/** Decodes one whole raw packet; never throws on bad input. */
export function decodeMessage(_packet: Uint8Array, _dialect: Dialect, _direction: Direction): Result<Message> {
  throw new Error("not implemented");
}

export function decodePayload(
  _type: number,
  _payload: Uint8Array,
  _dialect: Dialect,
  _direction: Direction,
): Result<Message> {
  throw new Error("not implemented");
}

/** player_list (1) packets, split so none exceeds 8096 bytes; an empty list gives one empty packet. */
export function encodePlayerList(_entries: readonly PlayerListEntry[], _dialect: Dialect): Uint8Array[] {
  throw new Error("not implemented");
}

/** game_list (2) or game_list_pref (13) packets, split like encodePlayerList. */
export function encodeGameList(_entries: readonly GameListEntry[], _dialect: Dialect, _type: 2 | 13 = 2): Uint8Array[] {
  throw new Error("not implemented");
}

/** room_list (0) packets, split like encodePlayerList. */
export function encodeRoomList(_rooms: readonly RoomInfo[], _dialect: Dialect): Uint8Array[] {
  throw new Error("not implemented");
}

/** Dialect from the login application string (case-insensitive), or null when unknown. */
export function dialectForLogin(_application: string, _encrypted: boolean): Dialect | null {
  throw new Error("not implemented");
}

/** start_game time in seconds, or null when untimed (Myth: ≤ 0; Aleph One: ticks/30, INT32_MIN). */
export function startGameSeconds(_gameTime: number, _dialect: Dialect): number | null {
  throw new Error("not implemented");
}
