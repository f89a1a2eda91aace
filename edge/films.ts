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

/**
 * Films ↔ results. A film belongs to the game of its room and host whose start (games.started_at,
 * start_game 114) lies between a minute before the film's first header chunk and the film's end,
 * the nearest to the film's start; a film of a game that never started (no games row) stays
 * unlinked. Whichever row is written second sets the link: the room after writing a film row
 * (`linkFilm`), the Results object after inserting a game (`linkFilmsOfGame`). games.film_status
 * follows the film that `filmOfGame` serves. Linking is best effort: a film never holds up a result.
 */
const HEADER_BEFORE_START_MS = 60_000;

const MATCH_GAME = `(SELECT g.id FROM games g WHERE g.room_id = films.room_id AND g.host_id = films.host_user_id
  AND g.started_at BETWEEN films.started_at - ${HEADER_BEFORE_START_MS} AND films.ended_at
  ORDER BY ABS(g.started_at - films.started_at), g.id DESC LIMIT 1)`;

/** The film a game shows and serves: the newest one with a file, else the newest (what became of it). */
const FILM_OF_GAME = `SELECT * FROM films WHERE game_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)
  ORDER BY r2_key IS NULL, ended_at DESC LIMIT 1`;

function filmStatusStatement(db: D1Database, gameId: number | null, filmId: string | null): D1PreparedStatement {
  // Either the game, or the game a film was just linked to.
  return db
    .prepare(
      `UPDATE games SET film_status = (SELECT f.status FROM films f WHERE f.game_id = games.id
         ORDER BY f.r2_key IS NULL, f.ended_at DESC LIMIT 1)
       WHERE id = COALESCE(?1, (SELECT game_id FROM films WHERE id = ?2))`,
    )
    .bind(gameId, filmId);
}

/** A film row was just written: link it to its game when that game's row is already there. */
export async function linkFilm(db: D1Database, filmId: string): Promise<number | null> {
  await db.batch([
    db.prepare(`UPDATE films SET game_id = ${MATCH_GAME} WHERE id = ? AND game_id IS NULL`).bind(filmId),
    filmStatusStatement(db, null, filmId),
  ]);
  const row = await db
    .prepare("SELECT game_id FROM films WHERE id = ?")
    .bind(filmId)
    .first<{ game_id: number | null }>();
  return row?.game_id ?? null;
}

/** A game row was just written: link the films of its room and host that were written before it. */
export async function linkFilmsOfGame(db: D1Database, gameId: number): Promise<void> {
  await db.batch([
    db
      .prepare(
        `UPDATE films SET game_id = ${MATCH_GAME}
         WHERE game_id IS NULL AND room_id = (SELECT room_id FROM games WHERE id = ?1)
           AND host_user_id = (SELECT host_id FROM games WHERE id = ?1)
           AND ended_at >= (SELECT started_at FROM games WHERE id = ?1)`,
      )
      .bind(gameId),
    filmStatusStatement(db, gameId, null),
  ]);
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
