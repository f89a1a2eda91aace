import type { PayloadReader } from "../reader.ts";
import type { PayloadWriter } from "../writer.ts";

/** MAXIMUM_NUMBER_OF_GAME_TYPES: the canonical 16 (§4.9). */
export const NUMBER_OF_GAME_TYPES = 16;

/** bungie_net_player_score_datum (§4.9), 48 bytes. */
export interface ScoreDatum {
  readonly gamesPlayed: number;
  readonly wins: number;
  readonly losses: number;
  readonly ties: number;
  readonly damageInflicted: number;
  readonly damageReceived: number;
  readonly disconnects: number;
  readonly points: number;
  readonly rank: number;
  readonly highestPoints: number;
  readonly highestRank: number;
  readonly numericalRanking: number;
}

export const SCORE_DATUM_SIZE = 48;

export function readScoreDatum(r: PayloadReader, what = "score datum"): ScoreDatum {
  const gamesPlayed = r.i16(what);
  const wins = r.i16(what);
  const losses = r.i16(what);
  const ties = r.i16(what);
  const damageInflicted = r.i32(what);
  const damageReceived = r.i32(what);
  const disconnects = r.i16(what);
  r.skip(2, what);
  const points = r.i16(what);
  const rank = r.i16(what);
  const highestPoints = r.i16(what);
  const highestRank = r.i16(what);
  const numericalRanking = r.u32(what);
  r.skip(16, what);
  return {
    gamesPlayed,
    wins,
    losses,
    ties,
    damageInflicted,
    damageReceived,
    disconnects,
    points,
    rank,
    highestPoints,
    highestRank,
    numericalRanking,
  };
}

export function writeScoreDatum(w: PayloadWriter, s: ScoreDatum): void {
  w.i16(s.gamesPlayed).i16(s.wins).i16(s.losses).i16(s.ties).i32(s.damageInflicted).i32(s.damageReceived);
  w.i16(s.disconnects).u16(0).i16(s.points).i16(s.rank).i16(s.highestPoints).i16(s.highestRank);
  w.u32(s.numericalRanking).pad(16);
}

/** ranking_data (8 bytes). */
export interface RankingData {
  readonly average: number;
  readonly best: number;
}

/** game_rank_data (72 bytes). */
export interface GameRankData {
  /** char[32], NUL padded. */
  readonly topRankedPlayer: string;
  readonly points: RankingData;
  readonly gamesPlayed: RankingData;
  readonly wins: RankingData;
  readonly damageInflicted: RankingData;
  readonly damageReceived: RankingData;
}

export const GAME_RANK_DATA_SIZE = 72;

function readRanking(r: PayloadReader, what: string): RankingData {
  return { average: r.u32(what), best: r.u32(what) };
}

export function readGameRankData(r: PayloadReader, what = "game rank data"): GameRankData {
  const topRankedPlayer = r.fixedString(32, `${what} top player`);
  return {
    topRankedPlayer,
    points: readRanking(r, what),
    gamesPlayed: readRanking(r, what),
    wins: readRanking(r, what),
    damageInflicted: readRanking(r, what),
    damageReceived: readRanking(r, what),
  };
}

export function writeGameRankData(w: PayloadWriter, g: GameRankData): void {
  w.fixedString(g.topRankedPlayer, 32);
  for (const d of [g.points, g.gamesPlayed, g.wins, g.damageInflicted, g.damageReceived]) w.u32(d.average).u32(d.best);
}

/** overall_ranking_data (2600 bytes). */
export interface OverallRankingData {
  readonly totalUsers: number;
  readonly totalOrders: number;
  readonly unranked: GameRankData;
  readonly ranked: GameRankData;
  /** 16 entries. */
  readonly rankedByGameType: readonly GameRankData[];
  readonly orderUnranked: GameRankData;
  readonly orderRanked: GameRankData;
  /** 16 entries. */
  readonly orderRankedByGameType: readonly GameRankData[];
}

export const OVERALL_RANKING_DATA_SIZE = 2600;

function readMany<T>(n: number, read: () => T): T[] {
  return Array.from({ length: n }, read);
}

/** Writes exactly n items; missing ones are filled with `empty`. */
export function writeFixedArray<T>(items: readonly T[], n: number, write: (item: T) => void, empty: T): void {
  if (items.length > n) throw new RangeError(`${items.length} entries where the layout holds ${n}`);
  for (let i = 0; i < n; i++) write(items[i] ?? empty);
}

export function readOverallRankingData(r: PayloadReader, what = "overall ranking"): OverallRankingData {
  const totalUsers = r.u32(what);
  const totalOrders = r.u32(what);
  const unranked = readGameRankData(r, what);
  const ranked = readGameRankData(r, what);
  const rankedByGameType = readMany(NUMBER_OF_GAME_TYPES, () => readGameRankData(r, what));
  const orderUnranked = readGameRankData(r, what);
  const orderRanked = readGameRankData(r, what);
  const orderRankedByGameType = readMany(NUMBER_OF_GAME_TYPES, () => readGameRankData(r, what));
  return {
    totalUsers,
    totalOrders,
    unranked,
    ranked,
    rankedByGameType,
    orderUnranked,
    orderRanked,
    orderRankedByGameType,
  };
}

const ZERO_RANKING: RankingData = { average: 0, best: 0 };
export const EMPTY_GAME_RANK_DATA: GameRankData = {
  topRankedPlayer: "",
  points: ZERO_RANKING,
  gamesPlayed: ZERO_RANKING,
  wins: ZERO_RANKING,
  damageInflicted: ZERO_RANKING,
  damageReceived: ZERO_RANKING,
};
export const EMPTY_SCORE_DATUM: ScoreDatum = {
  gamesPlayed: 0,
  wins: 0,
  losses: 0,
  ties: 0,
  damageInflicted: 0,
  damageReceived: 0,
  disconnects: 0,
  points: 0,
  rank: 0,
  highestPoints: 0,
  highestRank: 0,
  numericalRanking: 0,
};

export function writeOverallRankingData(w: PayloadWriter, o: OverallRankingData): void {
  const write = (g: GameRankData) => writeGameRankData(w, g);
  w.u32(o.totalUsers).u32(o.totalOrders);
  write(o.unranked);
  write(o.ranked);
  writeFixedArray(o.rankedByGameType, NUMBER_OF_GAME_TYPES, write, EMPTY_GAME_RANK_DATA);
  write(o.orderUnranked);
  write(o.orderRanked);
  writeFixedArray(o.orderRankedByGameType, NUMBER_OF_GAME_TYPES, write, EMPTY_GAME_RANK_DATA);
}

export function readScoreData(r: PayloadReader, n: number, what: string): ScoreDatum[] {
  return readMany(n, () => readScoreDatum(r, what));
}

/** Game ended codes in a score report (§4.8). */
export const GameEndedCode = { Normal: 0, HostLost: 1, PlayerQuit: 2 } as const;

/** Maximum teams and players per game (§11). */
export const MAX_TEAMS = 16;
export const MAX_PLAYERS = 16;

/** Per-team standing in game_score (112), 12 bytes. */
export interface TeamStanding {
  /** 0 = first. */
  readonly place: number;
  readonly captainPlayerIndex: number;
  readonly valid: boolean;
  readonly eliminated: boolean;
  readonly timeOfElimination: number;
}

export const TEAM_STANDING_SIZE = 12;

export function readTeamStanding(r: PayloadReader, what = "team standing"): TeamStanding {
  const place = r.i16(what);
  const captainPlayerIndex = r.i16(what);
  const valid = r.i16(what) !== 0;
  const eliminated = r.i16(what) !== 0;
  const timeOfElimination = r.i32(what);
  return { place, captainPlayerIndex, valid, eliminated, timeOfElimination };
}

export function writeTeamStanding(w: PayloadWriter, t: TeamStanding): void {
  w.i16(t.place)
    .i16(t.captainPlayerIndex)
    .i16(t.valid ? 1 : 0)
    .i16(t.eliminated ? 1 : 0)
    .i32(t.timeOfElimination);
}

export const EMPTY_TEAM_STANDING: TeamStanding = {
  place: 0,
  captainPlayerIndex: 0,
  valid: false,
  eliminated: false,
  timeOfElimination: 0,
};

/** Per-player standing in game_score (112), 28 bytes. */
export interface PlayerStanding {
  readonly teamIndex: number;
  /** false = dropped. */
  readonly finishedGame: boolean;
  readonly timePlayed: number;
  readonly unitsKilled: number;
  readonly unitsLost: number;
  /** Damage given. */
  readonly pointsKilled: number;
  /** Damage taken. */
  readonly pointsLost: number;
  readonly playerId: number;
}

export const PLAYER_STANDING_SIZE = 28;

export function readPlayerStanding(r: PayloadReader, what = "player standing"): PlayerStanding {
  const teamIndex = r.i16(what);
  const finishedGame = r.i16(what) !== 0;
  const timePlayed = r.i32(what);
  const unitsKilled = r.i32(what);
  const unitsLost = r.i32(what);
  const pointsKilled = r.i32(what);
  const pointsLost = r.i32(what);
  const playerId = r.u32(what);
  return { teamIndex, finishedGame, timePlayed, unitsKilled, unitsLost, pointsKilled, pointsLost, playerId };
}

export function writePlayerStanding(w: PayloadWriter, p: PlayerStanding): void {
  w.i16(p.teamIndex)
    .i16(p.finishedGame ? 1 : 0)
    .i32(p.timePlayed)
    .i32(p.unitsKilled)
    .i32(p.unitsLost);
  w.i32(p.pointsKilled).i32(p.pointsLost).u32(p.playerId);
}

export const EMPTY_PLAYER_STANDING: PlayerStanding = {
  teamIndex: 0,
  finishedGame: false,
  timePlayed: 0,
  unitsKilled: 0,
  unitsLost: 0,
  pointsKilled: 0,
  pointsLost: 0,
  playerId: 0,
};
