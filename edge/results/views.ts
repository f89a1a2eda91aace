/**
 * Games, players and leaderboards as the public API and the admin routes show them (JSON),
 * built from queries.ts. Pages (issue 14) read the same views.
 */

import { scoringName } from "../../protocol/structs/game-description.ts";
import { gameFilmView } from "../films.ts";
import * as q from "./queries.ts";
import { displayed, OVERALL } from "./ratings.ts";

export interface GameSummaryView {
  id: number;
  roomId: number;
  roomType: string;
  hostId: number;
  name: string;
  map: string;
  gameType: number;
  gameTypeName: string;
  startedAt: number;
  endedAt: number | null;
  /** actual_time_elapsed as reported, not converted (PROTOCOL.md §5.21 gives no unit). */
  elapsed: number | null;
  status: q.GameStatus;
  unratedReason: string | null;
  disputed: boolean;
  abandoned: boolean;
  flagged: boolean;
  filmStatus: string | null;
}

export function summaryView(g: q.GameRow): GameSummaryView {
  return {
    id: g.id,
    roomId: g.room_id,
    roomType: g.room_type,
    hostId: g.host_id,
    name: g.name,
    map: g.map,
    gameType: g.scoring,
    gameTypeName: scoringName(g.scoring),
    startedAt: g.started_at,
    endedAt: g.ended_at,
    elapsed: g.duration,
    status: g.status,
    unratedReason: g.unrated_reason,
    disputed: g.status === "disputed",
    abandoned: g.status === "abandoned",
    flagged: g.flagged !== 0,
    filmStatus: g.film_status,
  };
}

export async function gameView(db: D1Database, id: number) {
  const game = await q.gameById(db, id);
  if (!game) return null;
  const [teams, players, film] = await Promise.all([q.teamsOf(db, id), q.playersOf(db, id), gameFilmView(db, id)]);
  return {
    ...summaryView(game),
    difficulty: game.difficulty,
    timeLimitSeconds: game.time_limit,
    options: {
      teams: game.teams !== 0,
      alliances: game.alliances !== 0,
      veterans: game.veterans !== 0,
      unitTrading: game.unit_trading !== 0,
      cooperative: game.cooperative !== 0,
    },
    client: game.client,
    endedCode: game.ended_code,
    /** The game's film (films.game_id): status and download link; null when it has none. */
    film,
    teams: teams.map((t) => ({
      index: t.team_index,
      place: t.place,
      tie: t.tie !== 0,
      eliminated: t.eliminated !== 0,
      timeOfElimination: t.time_of_elimination,
      spectators: t.spectators !== 0,
    })),
    players: players.map((p) => ({
      userId: p.user_id,
      name: p.name,
      guest: p.guest !== 0,
      host: p.host !== 0,
      captain: p.captain !== 0,
      team: p.team_index,
      unitsKilled: p.units_killed,
      unitsLost: p.units_lost,
      damageGiven: p.damage_given,
      damageTaken: p.damage_taken,
      timePlayed: p.time_played,
      finished: p.finished === null ? null : p.finished !== 0,
      ratingBefore: p.rating_before,
      ratingAfter: p.rating_after,
    })),
  };
}

/** A category as the API names it: "overall" or 0..15. */
export function categoryName(category: number): string {
  return category === OVERALL ? "overall" : scoringName(category);
}

export async function playerView(db: D1Database, name: string) {
  const profile = await q.profileByName(db, name);
  return profile ? playerViewOf(db, profile) : null;
}

export type PlayerView = Awaited<ReturnType<typeof playerViewOf>>;
export type GameView = NonNullable<Awaited<ReturnType<typeof gameView>>>;
export type RankingsView = Awaited<ReturnType<typeof rankingsView>>;

export async function playerViewOf(db: D1Database, profile: q.ProfileRow) {
  const [ratings, stats, recent] = await Promise.all([
    q.ratingsOfUser(db, profile.id),
    q.statsOf(db, profile.id),
    q.listGames(db, { playerId: profile.id, limit: 10 }),
  ]);
  return {
    id: profile.id,
    name: profile.display_name,
    nick: profile.nick,
    team: profile.team,
    city: profile.city,
    state: profile.state,
    country: profile.country,
    quote: profile.quote,
    createdAt: profile.created_at,
    caste: ratings.find((r) => r.category === OVERALL)?.caste ?? 0,
    ratings: ratings.map((r) => ({
      category: r.category === OVERALL ? "overall" : r.category,
      name: categoryName(r.category),
      mu: r.mu,
      sigma: r.sigma,
      rating: displayed(r),
      games: r.games,
      lastGameAt: r.last_game_at,
      caste: r.caste,
      position: r.position,
    })),
    stats: stats.map((s) => ({
      category: s.category === -2 ? "unranked" : s.category === OVERALL ? "overall" : s.category,
      gamesPlayed: s.games_played,
      wins: s.wins,
      losses: s.losses,
      ties: s.ties,
      damageInflicted: s.damage_inflicted,
      damageReceived: s.damage_received,
      disconnects: s.disconnects,
    })),
    recentGames: recent.map(summaryView),
  };
}

export async function rankingsView(db: D1Database, category: number, limit: number) {
  const rows = await q.leaderboard(db, category, limit);
  return {
    category: category === OVERALL ? "overall" : category,
    name: categoryName(category),
    players: rows.map((r) => ({
      userId: r.user_id,
      name: r.username,
      nick: r.nick,
      position: r.position,
      rating: displayed(r),
      mu: r.mu,
      sigma: r.sigma,
      games: r.games,
      caste: r.caste,
    })),
  };
}
