import { encodePacket, HEADER_SIZE, MAX_OUTBOUND_PACKET_SIZE } from "../header.ts";
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
  let chunks: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    const payload = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      payload.set(c, at);
      at += c.byteLength;
    }
    packets.push(encodePacket(type, payload));
    chunks = [];
    size = 0;
  };
  for (const entry of entries) {
    const w = new PayloadWriter();
    write(w, entry);
    const bytes = w.finish();
    if (HEADER_SIZE + bytes.byteLength > MAX_OUTBOUND_PACKET_SIZE)
      throw new RangeError("one list entry exceeds a packet");
    if (chunks.length > 0 && size + bytes.byteLength > LIST_PAYLOAD_LIMIT) flush();
    chunks.push(bytes);
    size += bytes.byteLength;
  }
  if (chunks.length > 0 || packets.length === 0) flush();
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
