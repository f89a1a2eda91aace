/**
 * GET /status.json — public live status in the spirit of GoS's (PROTOCOL.md §14.1): every
 * room with its players (nick, guest, in-game) and games (name, map, players/max, elapsed).
 * Only occupied rooms are asked for details, so idle rooms stay asleep.
 */
import type { Handler } from "hono";
import { directory } from "../durable-objects/directory.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { type RoomStatus, roomControl, tryRoomCall } from "./room-control.ts";

export interface StatusRoom {
  id: number;
  name: string;
  game: string;
  type: string;
  playerCount: number;
  gameCount: number;
  players: RoomStatus["players"];
  games: RoomStatus["games"];
}

export const statusJson: Handler<{ Bindings: Env }> = async (c) => {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(c.env);
  } catch (e) {
    if (e instanceof ConfigError) return c.json({ error: "server misconfigured" }, 500);
    throw e;
  }
  const dir = directory(c.env);
  const [counts, online] = await Promise.all([dir.roomCounts(), dir.online()]);
  const rooms = await Promise.all(
    config.rooms.map(async (room): Promise<StatusRoom> => {
      const present = online[room.id] ?? [];
      const reported = counts[room.id];
      const occupied = present.length > 0 || (reported?.players ?? 0) > 0;
      const detail = occupied
        ? await tryRoomCall("status", room.id, () => roomControl(c.env, room.id).status())
        : undefined;
      // Without the room's own view, fall back to who the directory knows is there.
      const players = detail?.players ?? present.map((userId) => ({ userId, nick: "", inGame: false, guest: false }));
      const games = detail?.games ?? [];
      return {
        id: room.id,
        name: room.name,
        game: room.game,
        type: room.type,
        playerCount: detail ? players.length : Math.max(present.length, reported?.players ?? 0),
        gameCount: detail ? games.length : (reported?.games ?? 0),
        players,
        games,
      };
    }),
  );
  return c.json({ rooms }, 200, { "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*" });
};
