import type { PayloadReader } from "../reader.ts";
import type { PayloadWriter } from "../writer.ts";
import { type RgbColor, readRgbColor, writeRgbColor } from "./rgb-color.ts";
import {
  EMPTY_SCORE_DATUM,
  NUMBER_OF_GAME_TYPES,
  type OverallRankingData,
  readOverallRankingData,
  readScoreData,
  readScoreDatum,
  type ScoreDatum,
  writeFixedArray,
  writeOverallRankingData,
  writeScoreDatum,
} from "./scores.ts";

/** player_info (17) body (§5.13): a 4356-byte struct and 7 C strings. */
export interface PlayerInfo {
  readonly administrator: boolean;
  readonly bungieEmployee: boolean;
  readonly orderIndex: number;
  readonly iconIndex: number;
  readonly primaryColor: RgbColor;
  readonly secondaryColor: RgbColor;
  readonly unrankedScore: ScoreDatum;
  /** Myth shows this as "Total". */
  readonly rankedScore: ScoreDatum;
  /** 16 entries. */
  readonly rankedScoreByGameType: readonly ScoreDatum[];
  readonly orderUnrankedScore: ScoreDatum;
  readonly orderRankedScore: ScoreDatum;
  /** 16 entries. */
  readonly orderRankedScoreByGameType: readonly ScoreDatum[];
  readonly overallRankData: OverallRankingData;
  /** GoS: the decimal user id, or "Guest". */
  readonly login: string;
  readonly name: string;
  readonly orderName: string;
  readonly city: string;
  readonly state: string;
  readonly country: string;
  readonly quote: string;
}

export const PLAYER_INFO_FIXED_SIZE = 4356;
/** Description/quote limit (Bungie MAXIMUM_DESCRIPTION_LENGTH). */
export const MAX_QUOTE_LENGTH = 431;
/** Other player_info strings; order names are 63 since GoS "Build 343". */
export const MAX_PLAYER_INFO_STRING = 63;

export function readPlayerInfo(r: PayloadReader, what = "player info"): PlayerInfo {
  const administrator = r.i32(what) !== 0;
  const bungieEmployee = r.i32(what) !== 0;
  const orderIndex = r.i16(what);
  const iconIndex = r.i16(what);
  const primaryColor = readRgbColor(r, what);
  const secondaryColor = readRgbColor(r, what);
  const unrankedScore = readScoreDatum(r, what);
  const rankedScore = readScoreDatum(r, what);
  const rankedScoreByGameType = readScoreData(r, NUMBER_OF_GAME_TYPES, what);
  const orderUnrankedScore = readScoreDatum(r, what);
  const orderRankedScore = readScoreDatum(r, what);
  const orderRankedScoreByGameType = readScoreData(r, NUMBER_OF_GAME_TYPES, what);
  const overallRankData = readOverallRankingData(r, what);
  const s = (field: string, max = MAX_PLAYER_INFO_STRING) => r.cString(`${what} ${field}`, max);
  return {
    administrator,
    bungieEmployee,
    orderIndex,
    iconIndex,
    primaryColor,
    secondaryColor,
    unrankedScore,
    rankedScore,
    rankedScoreByGameType,
    orderUnrankedScore,
    orderRankedScore,
    orderRankedScoreByGameType,
    overallRankData,
    login: s("login"),
    name: s("name"),
    orderName: s("order name"),
    city: s("city"),
    state: s("state"),
    country: s("country"),
    quote: s("quote", MAX_QUOTE_LENGTH),
  };
}

export function writePlayerInfo(w: PayloadWriter, p: PlayerInfo): void {
  const score = (s: ScoreDatum) => writeScoreDatum(w, s);
  w.i32(p.administrator ? 1 : 0)
    .i32(p.bungieEmployee ? 1 : 0)
    .i16(p.orderIndex)
    .i16(p.iconIndex);
  writeRgbColor(w, p.primaryColor);
  writeRgbColor(w, p.secondaryColor);
  score(p.unrankedScore);
  score(p.rankedScore);
  writeFixedArray(p.rankedScoreByGameType, NUMBER_OF_GAME_TYPES, score, EMPTY_SCORE_DATUM);
  score(p.orderUnrankedScore);
  score(p.orderRankedScore);
  writeFixedArray(p.orderRankedScoreByGameType, NUMBER_OF_GAME_TYPES, score, EMPTY_SCORE_DATUM);
  writeOverallRankingData(w, p.overallRankData);
  for (const text of [p.login, p.name, p.orderName, p.city, p.state, p.country, p.quote]) w.cString(text);
}
