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
