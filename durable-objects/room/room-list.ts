/**
 * room_list (0) packets for one kind of client: entries from the Worker's buildRoomList
 * (worker/room-list.ts), split by the protocol library's list splitter.
 */
import { encodeRoomList } from "../../protocol/messages.ts";
import type { EdgeConfig } from "../../worker/config.ts";
import { buildRoomList, type RoomCountsById, type RoomListClient } from "../../worker/room-list.ts";

export function roomListPackets(config: EdgeConfig, counts: RoomCountsById, client: RoomListClient): Uint8Array[] {
  return encodeRoomList(buildRoomList(config, counts, client), client.dialect);
}
