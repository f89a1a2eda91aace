/**
 * What player_info (17, §5.13) shows of an account, from D1: the score data per category
 * (bungie_net_player_score_datum, §4.9), the overall ranking data and the profile strings.
 * The order score datums are the player's order's (orders.ts): its members' stats summed per
 * category (q.orderStatsOf), points the members' average, no order caste or place (rank and
 * numerical ranking 0; Bungie's separate order rating has no equivalent here). The order rank
 * data (best order per category) stays empty.
 */
import {
  EMPTY_GAME_RANK_DATA,
  EMPTY_SCORE_DATUM,
  type GameRankData,
  NUMBER_OF_GAME_TYPES,
  type ScoreDatum,
} from "../../protocol/structs/scores.ts";
import { countLiveOrders, orderNameOf } from "../social/orders.ts";
import type { PlayerStats } from "./contracts.ts";
import * as q from "./queries.ts";
import { OVERALL, points, UNRANKED } from "./ratings.ts";

const u32 = (n: number | null | undefined) => Math.max(0, Math.min(0xffffffff, Math.round(n ?? 0)));
const i16 = (n: number) => Math.max(-32768, Math.min(32767, Math.round(n)));
const i32 = (n: number) => Math.max(-0x80000000, Math.min(0x7fffffff, Math.round(n)));

export type { PlayerStats };

type CategoryStats = Omit<q.StatsRow, "user_id">;

function scoreDatum(
  s: CategoryStats | undefined,
  shown: { points: number; rank: number; position: number },
): ScoreDatum {
  if (!s) return EMPTY_SCORE_DATUM;
  return {
    gamesPlayed: i16(s.games_played),
    wins: i16(s.wins),
    losses: i16(s.losses),
    ties: i16(s.ties),
    damageInflicted: i32(s.damage_inflicted),
    damageReceived: i32(s.damage_received),
    disconnects: i16(s.disconnects),
    points: shown.points,
    rank: shown.rank,
    highestPoints: i16(s.highest_points),
    highestRank: i16(s.highest_rank),
    numericalRanking: u32(shown.position),
  };
}

export async function loadPlayerStats(db: D1Database, userId: number): Promise<PlayerStats> {
  const [stats, ratings, profile, summaries, users, order, orders] = await Promise.all([
    q.statsOf(db, userId),
    q.ratingsOfUser(db, userId),
    q.profileById(db, userId),
    q.categorySummaries(db),
    q.countUsers(db),
    orderNameOf(db, userId),
    countLiveOrders(db),
  ]);
  const [orderStats, orderRatings] = order
    ? await Promise.all([q.orderStatsOf(db, order.id), q.orderRatingsOf(db, order.id)])
    : [[], []];
  const datum = (category: number): ScoreDatum => {
    const r = ratings.find((x) => x.category === category);
    return scoreDatum(
      stats.find((x) => x.category === category),
      { points: r ? points(r) : 0, rank: r?.caste ?? 0, position: r?.position ?? 0 },
    );
  };
  const orderDatum = (category: number): ScoreDatum => {
    const rated = orderRatings.filter((x) => x.category === category);
    const mean = rated.length === 0 ? 0 : rated.reduce((n, r) => n + points(r), 0) / rated.length;
    return scoreDatum(
      orderStats.find((x) => x.category === category),
      { points: i16(mean), rank: 0, position: 0 },
    );
  };
  const rankData = (category: number): GameRankData => {
    const s = summaries.find((x) => x.category === category);
    if (!s) return EMPTY_GAME_RANK_DATA;
    return {
      topRankedPlayer: (s.top_player ?? "").slice(0, 31),
      points: { average: u32(s.avg_points), best: u32(s.best_points) },
      gamesPlayed: { average: u32(s.avg_games), best: u32(s.best_games) },
      wins: { average: u32(s.avg_wins), best: u32(s.best_wins) },
      damageInflicted: { average: u32(s.avg_damage_inflicted), best: u32(s.best_damage_inflicted) },
      damageReceived: { average: u32(s.avg_damage_received), best: u32(s.best_damage_received) },
    };
  };
  const byType = Array.from({ length: NUMBER_OF_GAME_TYPES }, (_, i) => i);
  return {
    unrankedScore: datum(UNRANKED),
    rankedScore: datum(OVERALL),
    rankedScoreByGameType: byType.map(datum),
    orderName: (order?.displayName ?? "").slice(0, 63),
    orderScores: {
      unranked: orderDatum(UNRANKED),
      ranked: orderDatum(OVERALL),
      byGameType: byType.map(orderDatum),
    },
    overallRankData: {
      totalUsers: u32(users),
      totalOrders: u32(orders),
      unranked: rankData(UNRANKED),
      ranked: rankData(OVERALL),
      rankedByGameType: byType.map(rankData),
      orderUnranked: EMPTY_GAME_RANK_DATA,
      orderRanked: EMPTY_GAME_RANK_DATA,
      orderRankedByGameType: byType.map(() => EMPTY_GAME_RANK_DATA),
    },
    city: profile?.city ?? "",
    state: profile?.state ?? "",
    country: profile?.country ?? "",
    quote: profile?.quote ?? "",
  };
}
