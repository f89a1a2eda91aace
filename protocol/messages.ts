/**
 * Public entry for every message codec of the legacy protocol (PROTOCOL.md §3-§5, §9).
 * Types are in messages/types.ts, one codec per message in messages/*.ts (table.ts maps
 * type → codec), shared structures in structs/. Decoders never throw on bad input.
 */
import { DIALECT_TRAITS, type Dialect } from "./dialect.ts";
import { beginPacket, decodeHeader, finishPacket, HEADER_SIZE, MAX_OUTBOUND_PACKET_SIZE } from "./header.ts";
import * as lists from "./messages/lists.ts";
import { codecFor } from "./messages/table.ts";
import type { Direction, Message } from "./messages/types.ts";
import { PayloadReader } from "./reader.ts";
import { decodeWith, fail, type Result } from "./result.ts";
import type { GameListEntry } from "./structs/game-aux.ts";
import type { PlayerListEntry, PlayerSearchEntry } from "./structs/player-aux.ts";
import type { RoomInfo } from "./structs/room-info.ts";
import { PayloadWriter } from "./writer.ts";

export { MAX_PASSWORD_RESPONSE_SIZE, MAX_RECORDING_COMMAND_SIZE } from "./messages/client-to-server.ts";
export { MAX_LONG_NAME_LENGTH, MAX_NAME_LENGTH, MAX_TEXT_LENGTH } from "./messages/codec.ts";
export { LIST_PAYLOAD_LIMIT } from "./messages/lists.ts";
export { MYTH_LOGIN_SIZE } from "./messages/login.ts";
export { GOS_SERVER_MESSAGE_FIELD } from "./messages/server-to-client.ts";
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

/** Just the payload of a message. Throws RangeError for a message that cannot be encoded. */
export function encodePayload(msg: Message, dialect: Dialect): Uint8Array {
  const codec = codecFor(msg.type);
  if (!codec) throw new RangeError(`no codec for message type ${msg.type}`);
  const w = new PayloadWriter();
  codec.encode(w, msg, dialect);
  return w.finish();
}

/** One whole raw packet (header + payload). Throws RangeError over 8096 bytes (a programming error). */
export function encodeMessage(msg: Message, dialect: Dialect): Uint8Array {
  const codec = codecFor(msg.type);
  if (!codec) throw new RangeError(`no codec for message type ${msg.type}`);
  // The payload is written right after the header: one buffer, one copy (broadcasts are hot).
  const w = new PayloadWriter();
  beginPacket(w, msg.type);
  codec.encode(w, msg, dialect);
  if (w.size > MAX_OUTBOUND_PACKET_SIZE) {
    throw new RangeError(`message ${msg.type} would be ${w.size} bytes, limit ${MAX_OUTBOUND_PACKET_SIZE}`);
  }
  return finishPacket(w);
}

/** Decodes one payload of the given type. Unknown types (for this direction) give "unknown-type". */
export function decodePayload(
  type: number,
  payload: Uint8Array,
  dialect: Dialect,
  direction: Direction,
): Result<Message> {
  const codec = codecFor(type);
  if (!codec?.directions.includes(direction)) {
    return fail("unknown-type", `message type ${type} is not known ${direction}`);
  }
  return decodeWith(() => codec.decode(new PayloadReader(payload), dialect));
}

/**
 * Decodes one whole raw packet (header included, already decrypted). The header length must
 * equal the packet length. Never throws on bad input.
 */
export function decodeMessage(packet: Uint8Array, dialect: Dialect, direction: Direction): Result<Message> {
  const header = decodeHeader(packet, Math.max(packet.byteLength, HEADER_SIZE));
  if (!header.ok) return header;
  if (header.value.length !== packet.byteLength) {
    return fail("bad-length", `header says ${header.value.length} bytes, packet has ${packet.byteLength}`);
  }
  return decodePayload(header.value.type, packet.subarray(HEADER_SIZE), dialect, direction);
}

/** player_list (1) packets, split so none exceeds 8096 bytes; an empty list gives one empty packet. */
export function encodePlayerList(entries: readonly PlayerListEntry[], _dialect?: Dialect): Uint8Array[] {
  return lists.encodePlayerList(entries);
}

/** game_list (2) or game_list_pref (13) packets, split like encodePlayerList. */
export function encodeGameList(entries: readonly GameListEntry[], _dialect?: Dialect, type: 2 | 13 = 2): Uint8Array[] {
  return lists.encodeGameList(entries, type);
}

/** room_list (0) packets, split like encodePlayerList. */
export function encodeRoomList(rooms: readonly RoomInfo[], _dialect?: Dialect): Uint8Array[] {
  return lists.encodeRoomList(rooms);
}

/** player_search_list (14), buddy_list (15) or order_list (16) packets, split like encodePlayerList. */
export function encodePlayerSearchList(
  entries: readonly PlayerSearchEntry[],
  type: 14 | 15 | 16,
  _dialect?: Dialect,
): Uint8Array[] {
  return lists.encodePlayerSearchList(entries, type);
}

/** A1 sends INT32_MIN for an untimed game. */
export const ALEPH_ONE_UNTIMED = -0x80000000;
const TICKS_PER_SECOND = 30;

/**
 * start_game (114) time in whole seconds, or null when untimed. Myth sends seconds (≤ 0 ⇒
 * untimed); Aleph One sends ticks at 30/s (INT32_MIN or ≤ 0 ⇒ untimed), as A1S divides by 30.
 */
export function startGameSeconds(gameTime: number, dialect: Dialect): number | null {
  if (gameTime <= 0) return null;
  return DIALECT_TRAITS[dialect].startGameUnit === "ticks" ? Math.floor(gameTime / TICKS_PER_SECOND) : gameTime;
}
