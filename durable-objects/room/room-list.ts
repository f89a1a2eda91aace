/**
 * room_list (0) packets for one kind of client. The entries come from the Worker's
 * buildRoomList (worker/room-list.ts): the room only encodes and sends them.
 */
import type { Dialect } from "../../protocol/dialect.ts";
import { encodePacket } from "../../protocol/header.ts";
import { MessageType } from "../../protocol/message-types.ts";
import type { RoomInfo } from "../../protocol/structs/room-info.ts";
import { writeRoomInfo } from "../../protocol/structs/room-info.ts";
import { PayloadWriter } from "../../protocol/writer.ts";
import type { EdgeConfig } from "../../worker/config.ts";
import { parseIPv4 } from "../../worker/config.ts";

export interface RoomListClient {
  readonly dialect: Dialect;
  readonly guest: boolean;
  /** "ipv4:port" of the bridge the client connected to. */
  readonly localAddress: string;
}

export function roomListPackets(
  config: EdgeConfig,
  counts: Record<number, { players: number; games: number }>,
  client: RoomListClient,
): Uint8Array[] {
  const rooms = buildRoomList(config, counts, client);
  const w = new PayloadWriter(24 * rooms.length);
  for (const room of rooms) writeRoomInfo(w, room);
  return [encodePacket(MessageType.RoomList, w.finish())];
}

// Stand-in until worker/room-list.ts lands: same rule as its contract (own game's rooms only,
// host 0 for GoS-convention clients, else the bridge address; bit2 where a guest may not go).
function buildRoomList(
  config: EdgeConfig,
  counts: Record<number, { players: number; games: number }>,
  client: RoomListClient,
): RoomInfo[] {
  const game = client.dialect === "myth2-legacy" ? "myth2" : client.dialect;
  const host = client.dialect === "myth2" ? 0 : (parseIPv4(config.roomHost ?? client.localAddress) ?? 0);
  const types = { unranked: 0, ranked: 1, tournament: 2 } as const;
  return config.rooms
    .filter((r) => r.game === game)
    .map((r) => ({
      roomId: r.wireId,
      playerCount: counts[r.id]?.players ?? 0,
      host,
      port: r.port,
      gameCount: counts[r.id]?.games ?? 0,
      roomType: types[r.type],
      roomFlags: client.guest && !r.guests ? 4 : 0,
    }));
}
