import type { PayloadReader } from "../reader.ts";
import type { PayloadWriter } from "../writer.ts";
import { checkPlayerData, type PlayerData, readPlayerData, writePlayerData } from "./player-data.ts";

/** List verbs shared by player aux (u16) and game aux (i8). */
export const Verb = { Add: 0, Delete: 1, Change: 2 } as const;
export type Verb = (typeof Verb)[keyof typeof Verb];

export function readVerb(r: PayloadReader, value: number, what: string): Verb {
  if (value !== 0 && value !== 1 && value !== 2) r.fail("out-of-range", `${what}: verb ${value} is not 0, 1 or 2`);
  return value;
}

/** Player aux flags (§4.3). */
export const PlayerAuxFlag = {
  /** Row background "myth myth myth" (Bungie: employees; A1 calls it "Bungie"; A1S: registered user). */
  Administrator: 0x0001,
  /** Guest. */
  Anonymous: 0x0002,
  /** Forces the administrator caste icon (A1 calls it "Admin"). */
  BungieCasteIcon: 0x0004,
  /** A1S: moderator. */
  AlephOneModerator: 1 << 12,
  /** A1S: set when the player is not away (A1 clients sort on it). */
  AlephOneNotAway: 1 << 14,
} as const;

/** Caste icon "none" (§4.10); 17 is the administrator icon. */
export const CASTE_NONE = -1;
export const CASTE_ADMINISTRATOR = 17;

/** Player aux data (§4.3), 24 bytes; player_data_length is derived from the player data. */
export interface PlayerAux {
  readonly verb: Verb;
  readonly flags: number;
  /** Bungie: caste/score; GoS: 0. */
  readonly ranking: number;
  readonly playerId: number;
  /** Meaningful in search/buddy lists only. */
  readonly roomId: number;
  /** Caste icon index, -1 = none. */
  readonly caste: number;
  readonly order: number;
}

export const PLAYER_AUX_SIZE = 24;
/** Offset of player_data_length inside the aux block. */
const PLAYER_DATA_LENGTH_OFFSET = 18;

export function readPlayerAux(r: PayloadReader, what = "player aux"): { aux: PlayerAux; playerDataLength: number } {
  const verb = readVerb(r, r.u16(what), what);
  const flags = r.u16(what);
  const ranking = r.i32(what);
  const playerId = r.u32(what);
  const roomId = r.i32(what);
  const caste = r.i16(what);
  const playerDataLength = r.i16(what);
  const order = r.i16(what);
  r.skip(2, what);
  return { aux: { verb, flags, ranking, playerId, roomId, caste, order }, playerDataLength };
}

export function writePlayerAux(w: PayloadWriter, aux: PlayerAux, playerDataLength: number): void {
  w.u16(aux.verb).u16(aux.flags).i32(aux.ranking).u32(aux.playerId).i32(aux.roomId);
  w.i16(aux.caste).i16(playerDataLength).i16(aux.order).u16(0);
}

/** One player_list (1) entry (§4.5); also the body of set_player_data_from_metaserver (8). */
export interface PlayerListEntry {
  readonly aux: PlayerAux;
  readonly player: PlayerData;
}

export function readPlayerListEntry(r: PayloadReader, what = "player entry"): PlayerListEntry {
  const { aux, playerDataLength } = readPlayerAux(r, what);
  return { aux, player: readPlayerData(r, playerDataLength, what) };
}

/** Writes aux + player data, filling in player_data_length once the data is written. */
export function writePlayerListEntry(w: PayloadWriter, e: PlayerListEntry): void {
  checkPlayerData(e.player);
  const lengthAt = w.size + PLAYER_DATA_LENGTH_OFFSET;
  writePlayerAux(w, e.aux, 0);
  const start = w.size;
  writePlayerData(w, e.player);
  w.setI16(lengthAt, w.size - start);
}

/** One entry of player_search_list / buddy_list / order_list (14/15/16). */
export interface PlayerSearchEntry {
  readonly roomId: number;
  readonly aux: PlayerAux;
  readonly player: PlayerData;
}

export function readPlayerSearchEntry(r: PayloadReader, what = "player search entry"): PlayerSearchEntry {
  const roomId = r.i32(what);
  return { roomId, ...readPlayerListEntry(r, what) };
}

export function writePlayerSearchEntry(w: PayloadWriter, e: PlayerSearchEntry): void {
  w.i32(e.roomId);
  writePlayerListEntry(w, e);
}
