/**
 * Games hosted in a room, kept in the room's SQLite storage so they survive hibernation and
 * eviction; an in-memory map is only a cache of the table. GoS uses the host's user id as the
 * game id, so one host has at most one game.
 */
import { decodeMacRoman } from "../../protocol/macroman.ts";
import { encodeMessage, type GameListEntry, type Verb } from "../../protocol/messages.ts";
import { BROADCAST_DIALECT } from "./packets.ts";

export interface Game {
  /** Host user id = game id. */
  readonly hostId: number;
  /** IPv4 as u32 (network order value). */
  host: number;
  port: number;
  order: number;
  /** Opaque game description + names (§4.7), as the host sent it. */
  data: Uint8Array;
  readonly createdAt: number;
  /** Epoch ms of start_game, or null before. */
  startedAt: number | null;
  /** Seconds; ≤ 0 = untimed. */
  timeLimit: number;
  /** User ids the host reported in game_player_list (111). */
  players: number[];
}

interface GameRow extends Record<string, SqlStorageValue> {
  host_id: number;
  host: number;
  port: number;
  order_id: number;
  data: ArrayBuffer;
  created_at: number;
  started_at: number | null;
  time_limit: number;
  players: string;
}

export class GameStore {
  private cache: Map<number, Game> | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS games (
      host_id INTEGER PRIMARY KEY, host INTEGER NOT NULL, port INTEGER NOT NULL, order_id INTEGER NOT NULL,
      data BLOB NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER, time_limit INTEGER NOT NULL,
      players TEXT NOT NULL DEFAULT '[]')`);
    sql.exec(`CREATE TABLE IF NOT EXISTS scores (
      id INTEGER PRIMARY KEY AUTOINCREMENT, game_id INTEGER NOT NULL, reporter_id INTEGER NOT NULL,
      host_id INTEGER, report BLOB NOT NULL, players TEXT NOT NULL, started_at INTEGER, reported_at INTEGER NOT NULL)`);
  }

  private all(): Map<number, Game> {
    if (this.cache) return this.cache;
    const games = new Map<number, Game>();
    for (const row of this.sql.exec<GameRow>("SELECT * FROM games ORDER BY created_at, host_id")) {
      games.set(row.host_id, {
        hostId: row.host_id,
        host: row.host,
        port: row.port,
        order: row.order_id,
        data: new Uint8Array(row.data),
        createdAt: row.created_at,
        startedAt: row.started_at,
        timeLimit: row.time_limit,
        players: parseIds(row.players),
      });
    }
    this.cache = games;
    return games;
  }

  list(): Game[] {
    return [...this.all().values()];
  }

  get count(): number {
    return this.all().size;
  }

  byHost(hostId: number): Game | undefined {
    return this.all().get(hostId);
  }

  create(hostId: number, host: number, port: number, order: number, data: Uint8Array, now: number): Game {
    const game: Game = { hostId, host, port, order, data, createdAt: now, startedAt: null, timeLimit: 0, players: [] };
    this.sql.exec(
      "INSERT OR REPLACE INTO games (host_id, host, port, order_id, data, created_at, started_at, time_limit, players) VALUES (?, ?, ?, ?, ?, ?, NULL, 0, '[]')",
      hostId,
      host,
      port,
      order,
      data,
      now,
    );
    this.all().set(hostId, game);
    return game;
  }

  save(game: Game): void {
    this.sql.exec(
      "UPDATE games SET host = ?, port = ?, order_id = ?, data = ?, started_at = ?, time_limit = ?, players = ? WHERE host_id = ?",
      game.host,
      game.port,
      game.order,
      game.data,
      game.startedAt,
      game.timeLimit,
      JSON.stringify(game.players),
      game.hostId,
    );
  }

  remove(hostId: number): Game | undefined {
    const game = this.all().get(hostId);
    if (!game) return undefined;
    this.sql.exec("DELETE FROM games WHERE host_id = ?", hostId);
    this.all().delete(hostId);
    return game;
  }

  /** Keeps a score report for the results pipeline (D1 comes later); bounded per game. */
  storeScore(gameId: number, reporterId: number, game: Game | undefined, report: Uint8Array, now: number): void {
    this.sql.exec(
      "INSERT INTO scores (game_id, reporter_id, host_id, report, players, started_at, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      gameId,
      reporterId,
      game?.hostId ?? null,
      report,
      JSON.stringify(game?.players ?? []),
      game?.startedAt ?? null,
      now,
    );
    // Keep the table from growing without bound until results move to D1.
    this.sql.exec("DELETE FROM scores WHERE id <= (SELECT MAX(id) FROM scores) - 1000");
  }

  scoreCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM scores").one().n;
  }
}

function parseIds(json: string): number[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is number => typeof x === "number") : [];
  } catch {
    return [];
  }
}

export function elapsedSeconds(game: Game, now: number): number {
  return game.startedAt === null ? 0 : Math.max(0, Math.floor((now - game.startedAt) / 1000));
}

/** aux.seconds_remaining: GoS sends 0 until start_game, then limit − elapsed; -1 for untimed games. */
export function secondsRemaining(game: Game, now: number): number {
  if (game.startedAt === null) return 0;
  if (game.timeLimit <= 0) return -1;
  return Math.max(0, game.timeLimit - elapsedSeconds(game, now));
}

/** One game_list entry: game aux (§4.6) + the host's game data. */
export function gameEntry(game: Game, verb: Verb, now: number): GameListEntry {
  return {
    aux: {
      gameId: game.hostId,
      host: game.host,
      port: game.port,
      verb,
      version: 0,
      secondsRemaining: secondsRemaining(game, now),
      creatorId: game.hostId,
    },
    gameData: game.data,
  };
}

/** game_list (2) with one entry, for add/change/delete broadcasts. */
export function gameListPacket(game: Game, verb: Verb, now: number): Uint8Array {
  return encodeMessage({ type: 2, games: [gameEntry(game, verb, now)] }, BROADCAST_DIALECT);
}

/** What /status.json shows of a game: read from the opaque data at the §4.7 offsets, tolerating short data. */
export interface GameSummary {
  readonly name: string;
  readonly map: string;
  readonly players: number;
  readonly maxPlayers: number;
}

const DESCRIPTION_SIZE = 568;

export function summarizeGame(data: Uint8Array): GameSummary {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const maxPlayers = data.byteLength >= 20 ? view.getInt16(18) : 0;
  const players = data.byteLength > 566 ? view.getUint8(566) : 0;
  let name = "";
  let map = "";
  if (data.byteLength > DESCRIPTION_SIZE) {
    const rest = data.subarray(DESCRIPTION_SIZE);
    const nameEnd = indexOrEnd(rest, 0);
    name = decodeMacRoman(rest.subarray(0, nameEnd));
    const mapPart = rest.subarray(Math.min(rest.byteLength, nameEnd + 1));
    map = decodeMacRoman(mapPart.subarray(0, indexOrEnd(mapPart, 0)));
  }
  return { name, map, players, maxPlayers };
}

function indexOrEnd(bytes: Uint8Array, value: number): number {
  const i = bytes.indexOf(value);
  return i < 0 ? bytes.byteLength : i;
}
