import type { PayloadReader } from "../reader.ts";
import type { PayloadWriter } from "../writer.ts";
import { readVerb, type Verb } from "./player-aux.ts";

/** Game data (§4.7) is opaque to the server; the limit comes from Bungie and GoS. */
export const MAX_GAME_DATA_SIZE = 1024;

/** Game aux data (§4.6), 32 bytes; game_data_size is derived from the game data. */
export interface GameAux {
  /** GoS uses the host's user id. */
  readonly gameId: number;
  /** IPv4 u32 of the host (or its proxy). */
  readonly host: number;
  readonly port: number;
  readonly verb: Verb;
  /** Bungie/GoS 0; A1 reads it as "gameEnable". */
  readonly version: number;
  /** -1 = untimed/unknown. */
  readonly secondsRemaining: number;
  readonly creatorId: number;
}

export const GAME_AUX_SIZE = 32;

/** One game_list / game_list_pref entry. */
export interface GameListEntry {
  readonly aux: GameAux;
  /** Opaque game description as sent in create_game, at most 1024 bytes. */
  readonly gameData: Uint8Array;
}

export function readGameListEntry(r: PayloadReader, what = "game entry"): GameListEntry {
  const gameId = r.u32(what);
  const host = r.u32(what);
  const port = r.u16(what);
  const verb = readVerb(r, r.i8(what), what);
  const version = r.i8(what);
  const secondsRemaining = r.i32(what);
  const creatorId = r.u32(what);
  const size = r.i16(what);
  r.skip(10, what);
  if (size < 0 || size > MAX_GAME_DATA_SIZE)
    r.fail("too-long", `${what}: game data size ${size}, limit ${MAX_GAME_DATA_SIZE}`);
  const gameData = r.bytesOf(size, `${what} game data`);
  return { aux: { gameId, host, port, verb, version, secondsRemaining, creatorId }, gameData };
}

export function writeGameListEntry(w: PayloadWriter, e: GameListEntry): void {
  if (e.gameData.byteLength > MAX_GAME_DATA_SIZE) {
    throw new RangeError(`game data of ${e.gameData.byteLength} bytes exceeds ${MAX_GAME_DATA_SIZE}`);
  }
  const a = e.aux;
  w.u32(a.gameId).u32(a.host).u16(a.port).i8(a.verb).i8(a.version).i32(a.secondsRemaining).u32(a.creatorId);
  w.i16(e.gameData.byteLength).pad(10).bytes(e.gameData);
}
