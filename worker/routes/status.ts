/**
 * GET /status.json — public live status. The field names are Gate of Storms's feed
 * (PublicServerStatus in GoS private_api.d), so tools written for it work unchanged: per room
 * `id`, `name`, `type` (0 unranked, 1 ranked, 2 tournament), `players[]` and `games[]`. Extra
 * fields: `game`, `room_type` (the type's name), `player_count`, `game_count`.
 * Only occupied rooms are asked for details, so idle rooms stay asleep, and the answer is
 * cached for STATUS_CACHE_SECONDS per isolate (concurrent requests share one build): a flood
 * of unauthenticated reads wakes the directory and the rooms once per window, not per request.
 */
import { Hono } from "hono";
import { limitHit } from "../../edge/abuse/counters.ts";
import type { EdgeConfig } from "../../edge/config.ts";
import type { RoomStatus } from "../../edge/contracts.ts";
import { directoryStub, roomStub, tryCall } from "../../edge/objects.ts";
import { scoringName } from "../../protocol/structs/game-description.ts";
import { RoomType } from "../../protocol/structs/room-info.ts";
import { withConfig } from "../config-middleware.ts";
import type { AppEnv } from "../context.ts";

export interface StatusPlayer {
  guest: boolean;
  user_id: number;
  nick_name: string;
  primary_color: number;
  secondary_color: number;
  in_game: boolean;
}

export interface StatusGame {
  name: string;
  map_name: string;
  scoring_name: string;
  host_user_id: number;
  players: number;
  max_players: number;
  /** 0 while the game is not in progress. */
  elapsed_seconds: number;
}

export interface StatusRoom {
  id: number;
  name: string;
  type: number;
  room_type: string;
  game: string;
  player_count: number;
  game_count: number;
  players: StatusPlayer[];
  games: StatusGame[];
}

const ROOM_TYPE_NUMBER = { unranked: RoomType.Unranked, ranked: RoomType.Ranked, tournament: RoomType.Tournament };

interface Built {
  readonly at: number;
  readonly body: Promise<{ rooms: StatusRoom[] }>;
}
/** One cached answer per configuration (tests run other configurations side by side). */
const cache = new WeakMap<EdgeConfig, Built>();

export const status = new Hono<AppEnv>().get("/status.json", withConfig, async (c) => {
  const config = c.var.config;
  const now = Date.now();
  let built = cache.get(config);
  if (built && now - built.at < config.statusCacheMs) {
    limitHit({ limit: "status_cache_hit", subject: "status.json" });
  } else {
    built = { at: now, body: buildStatus(c.env, config) };
    cache.set(config, built);
    // A failed build is not kept: the next request tries again.
    built.body.catch(() => {
      if (cache.get(config) === built) cache.delete(config);
    });
  }
  const body = await built.body;
  const maxAge = Math.ceil(config.statusCacheMs / 1000);
  return c.json(body, 200, {
    "Cache-Control": `public, max-age=${maxAge}`,
    "Access-Control-Allow-Origin": "*",
    "X-Status-Generated-At": String(built.at),
  });
});

async function buildStatus(env: Env, config: EdgeConfig): Promise<{ rooms: StatusRoom[] }> {
  const dir = directoryStub(env);
  const [counts, online] = await Promise.all([dir.roomCounts(), dir.online()]);
  const rooms = await Promise.all(
    config.rooms.map(async (room): Promise<StatusRoom> => {
      const present = online[room.id] ?? [];
      const reported = counts[room.id];
      const occupied = present.length > 0 || (reported?.players ?? 0) > 0;
      const detail = occupied
        ? await tryCall(`room ${room.id}: status`, () => roomStub(env, room.id).status())
        : undefined;
      // Without the room's own view, fall back to who the directory knows is there.
      const players = detail ? detail.players.map(statusPlayer) : present.map(unknownPlayer);
      const games = detail ? detail.games.map(statusGame) : [];
      return {
        id: room.id,
        name: room.name,
        type: ROOM_TYPE_NUMBER[room.type],
        room_type: room.type,
        game: room.game,
        player_count: detail ? players.length : Math.max(present.length, reported?.players ?? 0),
        game_count: detail ? games.length : (reported?.games ?? 0),
        players,
        games,
      };
    }),
  );
  return { rooms };
}

function statusPlayer(p: RoomStatus["players"][number]): StatusPlayer {
  return {
    guest: p.guest,
    user_id: p.userId,
    nick_name: p.nick,
    primary_color: p.primaryColor,
    secondary_color: p.secondaryColor,
    in_game: p.inGame,
  };
}

function unknownPlayer(userId: number): StatusPlayer {
  return { guest: false, user_id: userId, nick_name: "", primary_color: 0, secondary_color: 0, in_game: false };
}

function statusGame(g: RoomStatus["games"][number]): StatusGame {
  return {
    name: g.name,
    map_name: g.map,
    scoring_name: scoringName(g.scoring),
    host_user_id: g.hostUserId,
    players: g.players,
    max_players: g.maxPlayers,
    elapsed_seconds: g.elapsedSeconds,
  };
}
