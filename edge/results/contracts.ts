/** What rooms and admin routes send the Results object (durable-objects/results/object.ts), as plain data. */
import type { OverallRankingData, ScoreDatum } from "../../protocol/structs/scores.ts";
import type { Standings } from "./standings.ts";

export interface ResultPlayer {
  readonly userId: number;
  readonly name: string;
  readonly guest: boolean;
  /** Client IPv4 (no port) as the bridge saw it, or "" when unknown. */
  readonly address: string;
}

export interface GameStart {
  readonly roomId: number;
  readonly roomType: string;
  readonly hostId: number;
  readonly client: string;
  /** The host's game data (§4.7) as sent in create_game. */
  readonly gameData: Uint8Array;
  /** Seconds; 0 untimed. */
  readonly timeLimit: number;
  readonly startedAt: number;
  /** The host, and the players of game_player_list when it came before start_game. */
  readonly players: readonly ResultPlayer[];
}

export interface ScoreReportIn {
  readonly roomId: number;
  /** The room's game id (= the host's user id). */
  readonly hostId: number;
  readonly reporterId: number;
  readonly standings: Standings;
  readonly at: number;
}

/** One shape (not a union) so it crosses the RPC boundary with its type intact. */
export interface ReportAnswer {
  readonly ok: boolean;
  readonly error?: string;
}

export interface Resolution {
  /** The report whose standings become the result; default: the one that counts now. */
  readonly reportId?: number;
  /** Rate the game (also clears a shared-address flag) or keep it unrated. */
  readonly rate: boolean;
  readonly actor: string;
}

/** What player_info (17, §5.13) shows of an account from D1 (edge/results/player-info.ts reads it). */
export interface PlayerStats {
  readonly unrankedScore: ScoreDatum;
  readonly rankedScore: ScoreDatum;
  readonly rankedScoreByGameType: readonly ScoreDatum[];
  /** The player's live order's shown name; "" in none. */
  readonly orderName: string;
  /** The player's order's stats (its members' summed, player-info.ts); zeros in no order. */
  readonly orderScores: {
    readonly unranked: ScoreDatum;
    readonly ranked: ScoreDatum;
    readonly byGameType: readonly ScoreDatum[];
  };
  readonly overallRankData: OverallRankingData;
  readonly city: string;
  readonly state: string;
  readonly country: string;
  readonly quote: string;
}
