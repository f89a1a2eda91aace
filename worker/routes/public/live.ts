/**
 * What the public pages show of the live service: each room with the players and games its
 * object reports. Only occupied rooms (by the directory's counts) are asked, so idle rooms stay
 * asleep; a room that does not answer shows as empty rather than failing the page.
 */
import type { EdgeConfig, RoomConfig } from "../../../edge/config.ts";
import type { RoomStatus } from "../../../edge/contracts.ts";
import { directoryStub, roomStub, tryCall } from "../../../edge/objects.ts";

export interface LiveRoom {
  room: RoomConfig;
  status: RoomStatus;
}

const EMPTY: RoomStatus = { players: [], games: [], instanceStartedAt: 0 };

export async function liveRooms(env: Env, config: EdgeConfig): Promise<LiveRoom[]> {
  const dir = directoryStub(env);
  const [counts, online] = await Promise.all([
    tryCall("public: directory.roomCounts", () => dir.roomCounts()),
    tryCall("public: directory.online", () => dir.online()),
  ]);
  return Promise.all(
    config.rooms.map(async (room) => {
      const occupied = (online?.[room.id]?.length ?? 0) > 0 || (counts?.[room.id]?.players ?? 0) > 0;
      const status = occupied
        ? await tryCall(`public: room ${room.id} status`, () => roomStub(env, room.id).status())
        : undefined;
      return { room, status: status ?? EMPTY };
    }),
  );
}

/** Mariusnet's client-type names (the public feed's clienttype), by game. */
export const CLIENT_TYPE: Record<RoomConfig["game"], string> = {
  myth1: "Myth: TFL",
  myth2: "Myth: SB",
  myth3: "Myth: TWA",
  marathon: "Marathon",
};

export const GAME_NAME: Record<RoomConfig["game"], string> = {
  myth1: "Myth: The Fallen Lords",
  myth2: "Myth II: Soulblighter",
  myth3: "Myth III: The Wolf Age",
  marathon: "Aleph One (Marathon)",
};

/** A live game's public id: the room and its host (live games have no other id until results are stored). */
export function liveGameId(roomId: number, hostUserId: number): string {
  return `${roomId}-${hostUserId}`;
}
