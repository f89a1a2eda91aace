/**
 * Game data (PROTOCOL.md §4.7): the 568-byte game description, then the game name and the map
 * name as C strings. Servers store and forward the host's bytes unchanged; this is the one
 * reader/writer for the few places that look inside (game lists on the web, `.games`, results,
 * game search, the test clients).
 */
import { PayloadReader } from "../reader.ts";
import { decodeWith, type Result } from "../result.ts";
import { PayloadWriter } from "../writer.ts";

export const GAME_DESCRIPTION_SIZE = 568;
const PLUGIN_DATA_SIZE = 512;
/** Names as the client limits them (§4.7). */
export const MAX_GAME_NAME_LENGTH = 31;
export const MAX_MAP_NAME_LENGTH = 63;
/** Myth counts time in ticks of 1/30 s. */
export const TICKS_PER_SECOND = 30;

/** Scorings (§4.8), index = the description's `scoring` field. */
export const SCORING_NAMES: readonly string[] = [
  "Body Count",
  "Steal the Bacon",
  "Last Man on the Hill",
  "Scavenger Hunt",
  "Flag Rally",
  "Capture the Flag",
  "Balls on Parade",
  "Territories",
  "Captures",
  "King of the Hill",
  "Stampede",
  "Assassin",
  "Hunting",
  "Custom",
  "King of the Hill (TFL)",
  "King of the Map",
];

export function scoringName(scoring: number): string {
  return SCORING_NAMES[scoring] ?? `Scoring ${scoring}`;
}

/** option_flags bits (§4.8) a server cares about. */
export const GameOption = {
  AllowTeams: 1 << 1,
  UnitTrading: 1 << 4,
  Veterans: 1 << 5,
  Cooperative: 1 << 7,
  Alliances: 1 << 13,
} as const;

export interface GameDescription {
  readonly type: number;
  readonly scoring: number;
  readonly optionFlags: number;
  /** Ticks (30/s); -1 (or ≤ 0) untimed. */
  readonly timeLimit: number;
  readonly scenarioTag: number;
  readonly difficulty: number;
  readonly maxPlayers: number;
  readonly initialTeamRandomSeed: number;
  readonly maxTeams: number;
  readonly randomSeed: number;
  readonly pregameTimeLimit: number;
  readonly unused: Uint8Array;
  readonly unusedShort: number;
  readonly pluginCount: number;
  /** 512 bytes (Aleph One keeps its strings here). */
  readonly pluginData: Uint8Array;
  readonly publicTagsChecksum: number;
  readonly privateTagsChecksum: number;
  readonly flags: number;
  readonly playerCount: number;
  /** The padding byte (Aleph One's "action"). */
  readonly action: number;
}

export interface GameData {
  readonly description: GameDescription;
  readonly name: string;
  readonly map: string;
}

export function readGameDescription(r: PayloadReader): GameDescription {
  return {
    type: r.i16("game type"),
    scoring: r.i16("game scoring"),
    optionFlags: r.u32("game option flags"),
    timeLimit: r.i32("game time limit"),
    scenarioTag: r.u32("game scenario tag"),
    difficulty: r.i16("game difficulty"),
    maxPlayers: r.i16("game maximum players"),
    initialTeamRandomSeed: r.u16("game team seed"),
    maxTeams: r.i16("game maximum teams"),
    randomSeed: r.u32("game random seed"),
    pregameTimeLimit: r.i32("game pregame time"),
    unused: r.bytesOf(8, "game unused"),
    unusedShort: r.i16("game unused short"),
    pluginCount: r.i16("game plugin count"),
    pluginData: r.bytesOf(PLUGIN_DATA_SIZE, "game plugin data"),
    publicTagsChecksum: r.i32("game public tags checksum"),
    privateTagsChecksum: r.i32("game private tags checksum"),
    flags: r.u16("game flags"),
    playerCount: r.u8("game player count"),
    action: r.u8("game action"),
  };
}

export function writeGameDescription(w: PayloadWriter, d: GameDescription): void {
  w.i16(d.type)
    .i16(d.scoring)
    .u32(d.optionFlags)
    .i32(d.timeLimit)
    .u32(d.scenarioTag)
    .i16(d.difficulty)
    .i16(d.maxPlayers)
    .u16(d.initialTeamRandomSeed)
    .i16(d.maxTeams)
    .u32(d.randomSeed)
    .i32(d.pregameTimeLimit)
    .bytes(fixed(d.unused, 8, "unused"))
    .i16(d.unusedShort)
    .i16(d.pluginCount)
    .bytes(fixed(d.pluginData, PLUGIN_DATA_SIZE, "plugin data"))
    .i32(d.publicTagsChecksum)
    .i32(d.privateTagsChecksum)
    .u16(d.flags)
    .u8(d.playerCount)
    .u8(d.action);
}

/**
 * Reads game data. Bytes after the map name are ignored: the host's blob is forwarded as it
 * came, and clients have been seen to pad it.
 */
export function readGameData(r: PayloadReader): GameData {
  const description = readGameDescription(r);
  const name = r.cString("game name", MAX_GAME_NAME_LENGTH);
  const map = r.cString("map name", MAX_MAP_NAME_LENGTH);
  return { description, name, map };
}

export function writeGameData(w: PayloadWriter, g: GameData): void {
  if (g.name.length > MAX_GAME_NAME_LENGTH) throw new RangeError(`game name over ${MAX_GAME_NAME_LENGTH} characters`);
  if (g.map.length > MAX_MAP_NAME_LENGTH) throw new RangeError(`map name over ${MAX_MAP_NAME_LENGTH} characters`);
  writeGameDescription(w, g.description);
  w.cString(g.name).cString(g.map);
}

export function decodeGameData(bytes: Uint8Array): Result<GameData> {
  return decodeWith(() => readGameData(new PayloadReader(bytes)));
}

export function encodeGameData(g: GameData): Uint8Array {
  const w = new PayloadWriter(GAME_DESCRIPTION_SIZE + g.name.length + g.map.length + 2);
  writeGameData(w, g);
  return w.finish();
}

/** A description with every field zero but those given (clients, tests, tools). */
export function gameDescription(fields: Partial<GameDescription> = {}): GameDescription {
  return {
    type: 0,
    scoring: 0,
    optionFlags: 0,
    timeLimit: -1,
    scenarioTag: 0,
    difficulty: 2,
    maxPlayers: 16,
    initialTeamRandomSeed: 0,
    maxTeams: 16,
    randomSeed: 0,
    pregameTimeLimit: 0,
    unused: new Uint8Array(8),
    unusedShort: 0,
    pluginCount: 0,
    pluginData: new Uint8Array(PLUGIN_DATA_SIZE),
    publicTagsChecksum: 0,
    privateTagsChecksum: 0,
    flags: 0,
    playerCount: 0,
    action: 0,
    ...fields,
  };
}

/** What lists and pages show of a game; blanks when the host's blob is not a game description. */
export interface GameSummary {
  readonly name: string;
  readonly map: string;
  readonly scoring: number;
  readonly players: number;
  readonly maxPlayers: number;
}

export function summarizeGameData(bytes: Uint8Array): GameSummary {
  const decoded = decodeGameData(bytes);
  if (!decoded.ok) return { name: "", map: "", scoring: 0, players: 0, maxPlayers: 0 };
  const { description: d, name, map } = decoded.value;
  return { name, map, scoring: d.scoring, players: d.playerCount, maxPlayers: d.maxPlayers };
}

function fixed(bytes: Uint8Array, size: number, what: string): Uint8Array {
  if (bytes.byteLength !== size) throw new RangeError(`game ${what} must be ${size} bytes, got ${bytes.byteLength}`);
  return bytes;
}
