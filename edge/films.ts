/**
 * Deleting films (D1 row + R2 file), for the admin API and for whatever deletes a game: its
 * film goes with it (`deleteFilmsOfGame`, by the films.game_id link). The file goes first, so
 * a row never names a file that is gone.
 */
export interface FilmBindings {
  readonly DB: D1Database;
  readonly FILMS: R2Bucket;
}

/** Deletes one film; false when there was none. */
export async function deleteFilm(env: FilmBindings, id: string): Promise<boolean> {
  const row = await env.DB.prepare("SELECT r2_key FROM films WHERE id = ?").bind(id).first<{ r2_key: string | null }>();
  if (!row) return false;
  if (row.r2_key) await env.FILMS.delete(row.r2_key);
  await env.DB.prepare("DELETE FROM films WHERE id = ?").bind(id).run();
  return true;
}

/** Deletes the films linked to a game (films.game_id); returns how many. */
export async function deleteFilmsOfGame(env: FilmBindings, gameId: number): Promise<number> {
  const { results } = await env.DB.prepare("SELECT id FROM films WHERE game_id = ?").bind(gameId).all<{ id: string }>();
  for (const { id } of results) await deleteFilm(env, id);
  return results.length;
}

/** Films kept past their time (films.expires_at) per sweep; the rest wait for the next one. */
export const EXPIRED_FILMS_PER_SWEEP = 50;

/**
 * Retention: deletes up to `limit` films whose time has passed (file first, then row), in any
 * room; returns how many. The Results object's alarm runs it, so films expire even in a room
 * that never saves another film.
 */
export async function sweepExpiredFilms(
  env: FilmBindings,
  now = Date.now(),
  limit = EXPIRED_FILMS_PER_SWEEP,
): Promise<number> {
  const { results } = await env.DB.prepare(
    "SELECT id FROM films WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?",
  )
    .bind(now, limit)
    .all<{ id: string }>();
  for (const { id } of results) await deleteFilm(env, id);
  return results.length;
}

/**
 * Films ↔ results. A film belongs to the game of its room and host whose start (games.started_at,
 * start_game 114) lies between a minute before the film's first header chunk and the film's end,
 * the nearest to the film's start; a film of a game that never started (no games row) stays
 * unlinked. Whichever row is written second sets the link: the room after writing a film row
 * (`linkFilm`), the Results object after inserting a game (`linkFilmsOfGame`). games.film_status
 * follows the film that `filmOfGame` serves. Linking is best effort: a film never holds up a result.
 */
const HEADER_BEFORE_START_MS = 60_000;

/** The film a game shows and serves: the newest one with a file, else the newest (what became of it). */
const FILM_OF_GAME = `SELECT * FROM films WHERE game_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)
  ORDER BY r2_key IS NULL, ended_at DESC LIMIT 1`;

type FilmSpan = Pick<FilmRow, "id" | "room_id" | "host_user_id" | "started_at" | "ended_at">;

async function matchingGame(db: D1Database, f: FilmSpan): Promise<number | null> {
  const row = await db
    .prepare(
      `SELECT id FROM games WHERE room_id = ? AND host_id = ? AND started_at BETWEEN ? AND ?
       ORDER BY ABS(started_at - ?), id DESC LIMIT 1`,
    )
    .bind(f.room_id, f.host_user_id, f.started_at - HEADER_BEFORE_START_MS, f.ended_at, f.started_at)
    .first<{ id: number }>();
  return row?.id ?? null;
}

function linkStatements(db: D1Database, filmIds: readonly string[], gameId: number): D1PreparedStatement[] {
  return [
    ...filmIds.map((id) =>
      db.prepare("UPDATE films SET game_id = ? WHERE id = ? AND game_id IS NULL").bind(gameId, id),
    ),
    db
      .prepare(
        `UPDATE games SET film_status = (SELECT f.status FROM films f WHERE f.game_id = ?1
           ORDER BY f.r2_key IS NULL, f.ended_at DESC LIMIT 1) WHERE id = ?1`,
      )
      .bind(gameId),
  ];
}

/** A film row was just written: link it to its game when that game's row is already there. */
export async function linkFilm(db: D1Database, filmId: string): Promise<number | null> {
  const film = await db
    .prepare("SELECT id, room_id, host_user_id, started_at, ended_at, game_id FROM films WHERE id = ?")
    .bind(filmId)
    .first<FilmSpan & { game_id: number | null }>();
  if (!film) return null;
  if (film.game_id !== null) return film.game_id;
  const gameId = await matchingGame(db, film);
  if (gameId !== null) await db.batch(linkStatements(db, [film.id], gameId));
  return gameId;
}

/** A game row was just written: link the films of its room and host that were written before it. */
export async function linkFilmsOfGame(db: D1Database, gameId: number): Promise<void> {
  const game = await db
    .prepare("SELECT room_id, host_id, started_at FROM games WHERE id = ?")
    .bind(gameId)
    .first<{ room_id: number; host_id: number; started_at: number }>();
  if (!game) return;
  const { results } = await db
    .prepare(
      `SELECT id, room_id, host_user_id, started_at, ended_at FROM films WHERE game_id IS NULL AND room_id = ?
       AND host_user_id = ? AND ended_at >= ? AND started_at <= ?`,
    )
    .bind(game.room_id, game.host_id, game.started_at, game.started_at + HEADER_BEFORE_START_MS)
    .all<FilmSpan>();
  const mine: string[] = [];
  for (const f of results) if ((await matchingGame(db, f)) === gameId) mine.push(f.id);
  if (mine.length > 0) await db.batch(linkStatements(db, mine, gameId));
}

export interface FilmRow {
  id: string;
  room_id: number;
  room_game_id: number;
  host_user_id: number;
  started_at: number;
  ended_at: number;
  bytes: number;
  sha256: string | null;
  status: "complete" | "partial" | "missing" | "cut";
  r2_key: string | null;
  file_name: string | null;
  expires_at: number | null;
  game_id: number | null;
}

export function filmOfGame(db: D1Database, gameId: number, now = Date.now()): Promise<FilmRow | null> {
  return db.prepare(FILM_OF_GAME).bind(gameId, now).first<FilmRow>();
}

/** What a game's JSON and page say of its film. */
export interface GameFilmView {
  status: FilmRow["status"];
  /** The file (GET /api/games/:id/film); null when there is none (missing, cut, or too short). */
  download: string | null;
  bytes: number;
  sha256: string | null;
}

export async function gameFilmView(db: D1Database, gameId: number): Promise<GameFilmView | null> {
  const row = await filmOfGame(db, gameId);
  if (!row) return null;
  return {
    status: row.status,
    download: row.r2_key ? `/api/games/${gameId}/film` : null,
    bytes: row.bytes,
    sha256: row.sha256,
  };
}
