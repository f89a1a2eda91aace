/**
 * Films (§5.23): a Myth II 1.8 host streams its recording while it plays — 204 header chunks,
 * 205 commands, 206 end — in rooms whose config supports films. The room keeps every piece as
 * it arrives (the shell stores them in its SQLite, not in memory) and hands the film on at
 * 206, or marks it partial when the game goes first. Bounds: FILM_MAX_BYTES per film and a
 * command rate; a host past either, or one that sends a command that is not one, has its
 * recording cut with a blue message and plays on.
 */
import { decodeRecordingCommand, NULL_COMMAND_VERB } from "../../../protocol/film.ts";
import type { MessageOf } from "../../../protocol/messages.ts";
import type { RoomCore } from "../core.ts";
import type { FilmProgress, Game } from "../games.ts";
import { blueMessage } from "../packets.ts";
import type { PlayerConnection } from "../state.ts";
import type { Handler } from "./handler.ts";

/** The recording header is a few hundred bytes; more is not a header. */
export const MAX_FILM_HEADER_BYTES = 64 * 1024;
/** Bursts of this many seconds' worth of commands pass the rate limit. */
const BURST_SECONDS = 10;

export const FILM_CUT_TEXT = "Your game is no longer being recorded: the recording broke the server's limits.";

/** The host's game, when this room takes films and `conn` hosts one. */
function filmGame(room: RoomCore, conn: PlayerConnection): Game | undefined {
  if (!room.config.films) return undefined;
  return room.gameOf(conn.player.userId);
}

export const recordingHeader: Handler<MessageOf<204>> = (room, conn, msg) => {
  const game = filmGame(room, conn);
  if (!game || game.film?.status === "cut") return;
  let film = game.film;
  if (!film || film.status === "ended" || film.commands > 0) {
    // A header after commands (or after an end) starts a new recording, as in GoS.
    if (film) room.out.filmDiscard(game.hostId);
    const limits = room.services.edgeConfig().films;
    film = {
      status: "recording",
      startedAt: room.services.now(),
      headerBytes: 0,
      commandBytes: 0,
      commands: 0,
      lastTime: 0,
      tokens: limits.maxCommandsPerSecond * BURST_SECONDS,
      refilledAt: room.services.now(),
    };
    game.film = film;
  }
  if (film.headerBytes + msg.data.byteLength > MAX_FILM_HEADER_BYTES) return cut(room, conn, game);
  film.headerBytes += msg.data.byteLength;
  if (overBudget(room, film)) return cut(room, conn, game);
  room.out.filmChunk(game.hostId, "header", msg.data);
  room.updateGame(game, false);
};

export const recordingCommand: Handler<MessageOf<205>> = (room, conn, msg) => {
  const game = filmGame(room, conn);
  const film = game?.film;
  if (!game || !film || film.status !== "recording") return;
  const command = decodeRecordingCommand(msg.command);
  if (!command.ok || !takeToken(room, film)) return cut(room, conn, game);
  film.lastTime = command.value.time;
  // Null commands only move the time on: GoS keeps none of them in the file.
  if (command.value.verb !== NULL_COMMAND_VERB) {
    film.commandBytes += msg.command.byteLength;
    film.commands++;
    if (overBudget(room, film)) return cut(room, conn, game);
    room.out.filmChunk(game.hostId, "command", msg.command);
  }
  room.updateGame(game, false);
};

export const recordingEnd: Handler<MessageOf<206>> = (room, conn, msg) => {
  const game = filmGame(room, conn);
  const film = game?.film;
  if (!game || !film || film.status !== "recording") return;
  film.status = "ended";
  room.out.filmEnd({
    hostId: game.hostId,
    status: "complete",
    startedAt: film.startedAt,
    endedAt: room.services.now(),
    endTime: msg.endTime,
  });
  room.updateGame(game, false);
};

/**
 * The game is going (removed, or its host left): a film still recording is partial; a started
 * game in a room that requires films and sent none is marked missing; a cut one is recorded as cut.
 */
export function filmOnGameEnd(room: RoomCore, game: Game): void {
  if (!room.config.films) return;
  const film = game.film;
  const now = room.services.now();
  if (!film) {
    if (room.config.films === "required" && game.startedAt !== null) {
      room.out.filmEnd({ hostId: game.hostId, status: "missing", startedAt: game.startedAt, endedAt: now, endTime: 0 });
    }
    return;
  }
  if (film.status === "ended") return;
  room.out.filmEnd({
    hostId: game.hostId,
    status: film.status === "cut" ? "cut" : "partial",
    startedAt: film.startedAt,
    endedAt: now,
    endTime: film.lastTime,
  });
}

function cut(room: RoomCore, conn: PlayerConnection, game: Game): void {
  const film = game.film;
  if (film) film.status = "cut";
  room.out.filmDiscard(game.hostId);
  room.updateGame(game, false);
  room.reply(conn, blueMessage(FILM_CUT_TEXT));
}

function overBudget(room: RoomCore, film: FilmProgress): boolean {
  return film.headerBytes + film.commandBytes > room.services.edgeConfig().films.maxBytes;
}

function takeToken(room: RoomCore, film: FilmProgress): boolean {
  const rate = room.services.edgeConfig().films.maxCommandsPerSecond;
  const now = room.services.now();
  film.tokens = Math.min(rate * BURST_SECONDS, film.tokens + ((now - film.refilledAt) / 1000) * rate);
  film.refilledAt = now;
  if (film.tokens < 1) return false;
  film.tokens -= 1;
  return true;
}
