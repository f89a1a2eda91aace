import { beginPacket, finishPacket, HEADER_SIZE, MAX_OUTBOUND_PACKET_SIZE } from "../header.ts";
import { MessageType } from "../message-types.ts";
import { type GameListEntry, writeGameListEntry } from "../structs/game-aux.ts";
import {
  type PlayerListEntry,
  type PlayerSearchEntry,
  writePlayerListEntry,
  writePlayerSearchEntry,
} from "../structs/player-aux.ts";
import { type RoomInfo, writeRoomInfo } from "../structs/room-info.ts";
import { PayloadWriter } from "../writer.ts";

/** GoS starts a new packet when the payload would pass 8096 - 100 bytes. */
export const LIST_PAYLOAD_LIMIT = MAX_OUTBOUND_PACKET_SIZE - 100;

/**
 * Packs entries into as few packets of one type as fit under the limit, in order.
 * An empty list still gives one (empty) packet: the client expects the list message.
 */
export function splitList<T>(
  type: number,
  entries: readonly T[],
  write: (w: PayloadWriter, entry: T) => void,
): Uint8Array[] {
  const packets: Uint8Array[] = [];
  // Each entry is written to a scratch writer first (to know its size), then appended to the
  // packet being built, which is framed in place: no per-entry or per-packet copies beyond these.
  const entry = new PayloadWriter();
  const packet = new PayloadWriter(MAX_OUTBOUND_PACKET_SIZE);
  beginPacket(packet, type);
  const payloadSize = () => packet.size - HEADER_SIZE;
  const flush = () => {
    packets.push(finishPacket(packet));
    beginPacket(packet.reset(), type);
  };
  for (const e of entries) {
    write(entry.reset(), e);
    const bytes = entry.written();
    if (HEADER_SIZE + bytes.byteLength > MAX_OUTBOUND_PACKET_SIZE)
      throw new RangeError("one list entry exceeds a packet");
    if (payloadSize() > 0 && payloadSize() + bytes.byteLength > LIST_PAYLOAD_LIMIT) flush();
    packet.bytes(bytes);
  }
  if (payloadSize() > 0 || packets.length === 0) flush();
  return packets;
}

export function encodePlayerList(entries: readonly PlayerListEntry[]): Uint8Array[] {
  return splitList(MessageType.PlayerList, entries, writePlayerListEntry);
}

export function encodeGameList(entries: readonly GameListEntry[], type: 2 | 13 = 2): Uint8Array[] {
  return splitList(type, entries, writeGameListEntry);
}

export function encodeRoomList(rooms: readonly RoomInfo[]): Uint8Array[] {
  return splitList(MessageType.RoomList, rooms, writeRoomInfo);
}

/** player_search_list / buddy_list / order_list (14/15/16). */
export function encodePlayerSearchList(entries: readonly PlayerSearchEntry[], type: 14 | 15 | 16 = 14): Uint8Array[] {
  return splitList(type, entries, writePlayerSearchEntry);
}
