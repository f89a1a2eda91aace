/**
 * The room list (message 0, room_info entries §4.4) as one client should see it.
 */
import type { Dialect } from "../protocol/dialect.ts";
import { familyTraits, gameOf } from "../protocol/families.ts";
import { parseIPv4 } from "../protocol/ipv4.ts";
import { encodeRoomList } from "../protocol/messages.ts";
import { RoomFlag, type RoomInfo, RoomType } from "../protocol/structs/room-info.ts";
import type { EdgeConfig, RoomConfig } from "./config.ts";
import type { RoomCountsById } from "./contracts.ts";

export interface RoomListClient {
  dialect: Dialect;
  guest: boolean;
  /** "ipv4:port" of the bridge socket the client connected to (X-Local-Address). */
  localAddress: string;
}

const ROOM_TYPE_NUMBER = { unranked: RoomType.Unranked, ranked: RoomType.Ranked, tournament: RoomType.Tournament };

/** GoS's rule (room_server.d is_client_allowed_in_room), generalised to the per-room guest switch. */
export function mayEnter(room: RoomConfig, client: { guest: boolean }): boolean {
  return !client.guest || room.guests;
}

/**
 * Only the rooms of the client's own game, in config order. Host: 0 ("same address as the
 * metaserver") for clients that follow GoS; the others need a real IPv4, which is ROOM_HOST
 * when set, else the bridge address the client reached us on.
 */
export function buildRoomList(config: EdgeConfig, counts: RoomCountsById, client: RoomListClient): RoomInfo[] {
  const game = gameOf(client.dialect);
  const host =
    familyTraits(client.dialect).roomHost === "zero" ? 0 : (parseIPv4(config.roomHost ?? client.localAddress) ?? 0);
  return config.rooms
    .filter((room) => room.game === game)
    .map((room) => {
      const count = counts[room.id];
      let roomFlags = 0;
      if (room.films === "supported") roomFlags |= RoomFlag.SupportsRecordingStream;
      if (room.films === "required") roomFlags |= RoomFlag.SupportsRecordingStream | RoomFlag.RequiresRecordingStream;
      if (!mayEnter(room, client)) roomFlags |= RoomFlag.UserNotAllowed;
      return {
        roomId: room.wireId,
        playerCount: clampI16(count?.players ?? 0),
        host,
        port: room.port,
        gameCount: clampI16(count?.games ?? 0),
        roomType: ROOM_TYPE_NUMBER[room.type],
        roomFlags,
      };
    });
}

function clampI16(n: number): number {
  return Math.max(0, Math.min(0x7fff, Math.trunc(n)));
}

/** room_list (0) packets for one kind of client, split so none passes 8096 bytes. */
export function roomListPackets(config: EdgeConfig, counts: RoomCountsById, client: RoomListClient): Uint8Array[] {
  return encodeRoomList(buildRoomList(config, counts, client), client.dialect);
}
