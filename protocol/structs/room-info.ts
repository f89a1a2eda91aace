import type { PayloadReader } from "../reader.ts";
import type { PayloadWriter } from "../writer.ts";

export const RoomType = { Unranked: 0, Ranked: 1, Tournament: 2 } as const;

/** room_info.room_flags (GoS, "Build 409"). */
export const RoomFlag = {
  SupportsRecordingStream: 0x1,
  RequiresRecordingStream: 0x2,
  /** The user may not enter (GoS: guests in ranked/tournament rooms). */
  UserNotAllowed: 0x4,
} as const;

/** room_info (§4.4), 24 bytes. */
export interface RoomInfo {
  readonly roomId: number;
  readonly playerCount: number;
  /** IPv4 as a u32 in network order (127.0.0.1 = 0x7f000001); GoS sends 0 = "the metaserver's address". */
  readonly host: number;
  readonly port: number;
  readonly gameCount: number;
  readonly roomType: number;
  readonly roomFlags: number;
}

export const ROOM_INFO_SIZE = 24;

export function readRoomInfo(r: PayloadReader, what = "room info"): RoomInfo {
  const roomId = r.i16(what);
  const playerCount = r.i16(what);
  const host = r.u32(what);
  const port = r.u16(what);
  const gameCount = r.i16(what);
  const roomType = r.i16(what);
  const roomFlags = r.u16(what);
  r.skip(8, what);
  return { roomId, playerCount, host, port, gameCount, roomType, roomFlags };
}

export function writeRoomInfo(w: PayloadWriter, room: RoomInfo): void {
  w.i16(room.roomId).i16(room.playerCount).u32(room.host).u16(room.port);
  w.i16(room.gameCount).i16(room.roomType).u16(room.roomFlags).pad(8);
}
