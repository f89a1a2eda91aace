import { PayloadReader } from "../reader.ts";
import { decodeWith, type Result } from "../result.ts";
import { PayloadWriter } from "../writer.ts";
import { type RgbColor, readRgbColor, writeRgbColor } from "./rgb-color.ts";

/**
 * Myth player data (§4.2): a 38-byte struct followed by the nick and team C strings.
 * The 12 unused bytes are not kept: they are written as zeros.
 */
export interface PlayerData {
  readonly coatOfArms: number;
  /** Unused by Myth (it shows aux.caste). */
  readonly casteBitmap: number;
  /** 0 idle, 1 in game. Aleph One: bit0 = away. */
  readonly state: number;
  readonly primaryColor: RgbColor;
  readonly secondaryColor: RgbColor;
  readonly orderIndex: number;
  /** e.g. 2180 for Myth II 1.8.0; Aleph One sends 5000. */
  readonly gameVersion: number;
  readonly buildNumber: number;
  readonly nick: string;
  readonly team: string;
}

export const PLAYER_DATA_FIXED_SIZE = 38;
/** MAXIMUM_METASERVER_PLAYER_DATA_SIZE: the whole block, strings included. */
export const MAX_PLAYER_DATA_SIZE = 128;
export const MAX_NICK_LENGTH = 31;
export const MAX_TEAM_LENGTH = 31;

/** Reads one player-data block that occupies exactly `length` bytes of `r`. */
export function readPlayerData(r: PayloadReader, length: number, what = "player data"): PlayerData {
  if (length > MAX_PLAYER_DATA_SIZE) r.fail("too-long", `${what}: ${length} bytes, limit ${MAX_PLAYER_DATA_SIZE}`);
  if (length < PLAYER_DATA_FIXED_SIZE) r.fail("truncated", `${what}: ${length} bytes, need at least 40`);
  const block = new PayloadReader(r.bytesOf(length, what));
  const coatOfArms = block.i8(what);
  const casteBitmap = block.i8(what);
  const state = block.i16(what);
  const primaryColor = readRgbColor(block, what);
  const secondaryColor = readRgbColor(block, what);
  const orderIndex = block.i16(what);
  const gameVersion = block.i16(what);
  const buildNumber = block.i16(what);
  block.skip(12, what);
  const nick = block.cString(`${what} nick`, MAX_NICK_LENGTH);
  const team = block.cString(`${what} team`, MAX_TEAM_LENGTH);
  block.end(what);
  return {
    coatOfArms,
    casteBitmap,
    state,
    primaryColor,
    secondaryColor,
    orderIndex,
    gameVersion,
    buildNumber,
    nick,
    team,
  };
}

export function writePlayerData(w: PayloadWriter, p: PlayerData): void {
  w.i8(p.coatOfArms).i8(p.casteBitmap).i16(p.state);
  writeRgbColor(w, p.primaryColor);
  writeRgbColor(w, p.secondaryColor);
  w.i16(p.orderIndex).i16(p.gameVersion).i16(p.buildNumber).pad(12);
  w.cString(p.nick).cString(p.team);
}

/** Throws RangeError for a nick or team the block cannot hold (our own data: a programming error). */
export function checkPlayerData(p: PlayerData): void {
  if (p.nick.length > MAX_NICK_LENGTH || p.team.length > MAX_TEAM_LENGTH) {
    throw new RangeError(`player data: nick/team over ${MAX_NICK_LENGTH} characters`);
  }
}

/** The encoded block (38 bytes + nick + team), as stored and echoed in player lists. */
export function encodePlayerData(p: PlayerData): Uint8Array {
  checkPlayerData(p);
  const w = new PayloadWriter(PLAYER_DATA_FIXED_SIZE + 64);
  writePlayerData(w, p);
  return w.finish();
}

export function decodePlayerData(bytes: Uint8Array): Result<PlayerData> {
  return decodeWith(() => readPlayerData(new PayloadReader(bytes), bytes.byteLength));
}
