/**
 * Games hosted in a room. GoS uses the host's user id as the game id, so one host has at most
 * one game. The room core keeps them in memory; the shell stores them (game-table.ts).
 */
import { encodeMessage, type GameListEntry, type Verb } from "../../protocol/messages.ts";
import { type GameSummary, summarizeGameData } from "../../protocol/structs/game-description.ts";
import { BROADCAST_DIALECT } from "./packets.ts";

export interface Game {
  /** Host user id = game id. */
  readonly hostId: number;
  /** IPv4 as u32 (network order value). */
  host: number;
  port: number;
  order: number;
  /** Game data (§4.7), as the host sent it. */
  data: Uint8Array;
  readonly createdAt: number;
  /** Epoch ms of start_game, or null before. */
  startedAt: number | null;
  /** Seconds; ≤ 0 = untimed. */
  timeLimit: number;
  /** User ids the host reported in game_player_list (111). */
  players: number[];
  /**
   * Host proxy (§7.6): "checking" while the bridge probes the host's game port (the game is
   * held back from the lists until the answer), "proxied" when it is listed with the bridge's
   * client port; absent for a game listed with the host's own address.
   */
  proxy?: "checking" | "proxied";
  /** The host's recording stream (204–206), while the room takes it (handlers/films.ts). */
  film?: FilmProgress;
}

/** Where a game's film stands; its bytes are in the shell's storage, not here. */
export interface FilmProgress {
  /** recording: chunks arriving; ended: 206 came and the film was handed on; cut: over a limit. */
  status: "recording" | "ended" | "cut";
  /** Epoch ms of the first header chunk: the film's name. */
  readonly startedAt: number;
  headerBytes: number;
  commandBytes: number;
  commands: number;
  /** Latest game time a command carried (a partial film ends there). */
  lastTime: number;
  /** Token bucket for the command rate. */
  tokens: number;
  refilledAt: number;
}

/** What the shell makes of a film when it is over (a row in D1, and the file in R2 when there is one). */
export interface FilmEnd {
  readonly hostId: number;
  readonly status: "complete" | "partial" | "missing" | "cut";
  readonly startedAt: number;
  readonly endedAt: number;
  /** Game time at the end (206, or the last command's for a partial film). */
  readonly endTime: number;
}

export function elapsedSeconds(game: Game, now: number): number {
  return game.startedAt === null ? 0 : Math.max(0, Math.floor((now - game.startedAt) / 1000));
}

/**
 * aux.seconds_remaining: `unstarted` until start_game (GoS 0, A1S -1: families.ts), then
 * limit − elapsed; -1 for untimed games.
 */
export function secondsRemaining(game: Game, now: number, unstarted: number): number {
  if (game.startedAt === null) return unstarted;
  if (game.timeLimit <= 0) return -1;
  return Math.max(0, game.timeLimit - elapsedSeconds(game, now));
}

/** One game_list entry: game aux (§4.6) + the host's game data. */
export function gameEntry(game: Game, verb: Verb, now: number, unstarted: number): GameListEntry {
  return {
    aux: {
      gameId: game.hostId,
      host: game.host,
      port: game.port,
      verb,
      version: 0,
      secondsRemaining: secondsRemaining(game, now, unstarted),
      creatorId: game.hostId,
    },
    gameData: game.data,
  };
}

/** game_list (2) with one entry, for add/change/delete broadcasts. */
export function gameListPacket(game: Game, verb: Verb, now: number, unstarted: number): Uint8Array {
  return encodeMessage({ type: 2, games: [gameEntry(game, verb, now, unstarted)] }, BROADCAST_DIALECT);
}

/** What lists and pages show of a game (blanks when the host's data is not a game description). */
export function summarizeGame(game: Game): GameSummary {
  return summarizeGameData(game.data);
}
