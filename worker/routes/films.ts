/**
 * Public films: GET /api/films?room=&host= (the latest films, newest first),
 * GET /api/films/:id (the Myth II film file, `.m2rec`, its SHA-256 in X-Film-SHA256) and
 * GET /api/films/:id/info (the row: status, size, hash).
 * Films are public as on Gate of Storms; an expired or missing film answers 404 (410 would
 * tell more than players need).
 */
import { Hono } from "hono";
import { type FilmRow, filmOfGame } from "../../edge/films.ts";
import { FILM_CONTENT_TYPE } from "../../protocol/film.ts";
import type { AppEnv } from "../context.ts";
import { httpError } from "../errors.ts";

export const films = new Hono<AppEnv>();

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function filmRow(db: D1Database, id: string | undefined): Promise<FilmRow> {
  if (!id || !ID.test(id)) httpError(404, "no such film");
  const row = await db.prepare("SELECT * FROM films WHERE id = ?").bind(id).first<FilmRow>();
  if (!row || (row.expires_at !== null && row.expires_at <= Date.now())) httpError(404, "no such film");
  return row;
}

const MAX_LISTED = 50;

films.get("/api/films", async (c) => {
  const room = optionalInt(c.req.query("room"), "room");
  const host = optionalInt(c.req.query("host"), "host");
  const { results } = await c.env.DB.prepare(
    `SELECT * FROM films WHERE (?1 IS NULL OR room_id = ?1) AND (?2 IS NULL OR host_user_id = ?2)
     AND (expires_at IS NULL OR expires_at > ?3) ORDER BY ended_at DESC LIMIT ${MAX_LISTED}`,
  )
    .bind(room, host, Date.now())
    .all<FilmRow>();
  return c.json({ films: results.map(describe) });
});

function optionalInt(value: string | undefined, name: string): number | null {
  if (value === undefined || value === "") return null;
  if (!/^\d{1,10}$/.test(value)) httpError(400, `${name} must be a non-negative integer`);
  return Number(value);
}

/**
 * The film of a game (linked by films.game_id, edge/films.ts): the newest one with a file, else
 * 404 saying what became of it.
 */
films.get("/api/games/:id/film", async (c) => {
  const gameId = optionalInt(c.req.param("id"), "game id");
  const row = gameId === null ? null : await filmOfGame(c.env.DB, gameId);
  if (!row) httpError(404, "this game has no film");
  return serveFilm(c.env.FILMS, row);
});

films.get("/api/films/:id/info", async (c) => c.json(describe(await filmRow(c.env.DB, c.req.param("id")))));

function describe(row: FilmRow) {
  return {
    id: row.id,
    roomId: row.room_id,
    roomGameId: row.room_game_id,
    hostUserId: row.host_user_id,
    startedAt: new Date(row.started_at).toISOString(),
    endedAt: new Date(row.ended_at).toISOString(),
    status: row.status,
    bytes: row.bytes,
    sha256: row.sha256,
    fileName: row.file_name,
    gameId: row.game_id,
    download: row.r2_key ? `/api/films/${row.id}` : null,
  };
}

films.get("/api/films/:id", async (c) => serveFilm(c.env.FILMS, await filmRow(c.env.DB, c.req.param("id"))));

async function serveFilm(bucket: R2Bucket, row: FilmRow): Promise<Response> {
  if (!row.r2_key) httpError(404, `this game has no film (${row.status})`);
  const object = await bucket.get(row.r2_key);
  if (!object) httpError(404, "the film file is gone");
  return new Response(object.body, {
    headers: {
      "Content-Type": FILM_CONTENT_TYPE,
      "Content-Length": String(object.size),
      "Content-Disposition": `attachment; filename="${row.file_name ?? `${row.id}.m2rec`}"`,
      "X-Film-Status": row.status,
      ...(row.sha256 ? { "X-Film-SHA256": row.sha256 } : {}),
      "Cache-Control": "public, max-age=3600",
    },
  });
}
