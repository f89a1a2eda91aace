/**
 * The public read API of ranked play (JSON, no token, cacheable for a short while): players,
 * game history, one game, leaderboards. Views in edge/results/views.ts.
 */
import { Hono } from "hono";
import * as q from "../../../edge/results/queries.ts";
import { OVERALL } from "../../../edge/results/ratings.ts";
import { gameView, playerView, rankingsView, summaryView } from "../../../edge/results/views.ts";
import type { AppEnv } from "../../context.ts";
import { httpError } from "../../errors.ts";

export const results = new Hono<AppEnv>();

/** Results change after each game: a short public cache keeps load off D1 without going stale. */
const CACHE = "public, max-age=15";
const PAGE = 50;

results.use("/api/*", async (c, next) => {
  await next();
  if (c.res.status === 200) c.header("Cache-Control", CACHE);
});

/** A non-negative integer query parameter, or undefined when absent. */
function intParam(value: string | undefined, name: string, max = 0x7fffffff): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) httpError(400, `${name} must be an integer from 0 to ${max}`);
  return n;
}

results.get("/api/players/:name", async (c) => {
  const view = await playerView(c.env.DB, c.req.param("name"));
  if (!view) httpError(404, "no such player");
  return c.json(view);
});

results.get("/api/games", async (c) => {
  const db = c.env.DB;
  const player = c.req.query("player");
  let playerId: number | undefined;
  if (player) {
    const profile = await q.profileByName(db, player);
    if (!profile) httpError(404, "no such player");
    playerId = profile.id;
  }
  const limit = intParam(c.req.query("limit"), "limit", 200) ?? PAGE;
  const games = await q.listGames(db, {
    playerId,
    roomId: intParam(c.req.query("room"), "room", 32767),
    scoring: intParam(c.req.query("type"), "type", 15),
    before: intParam(c.req.query("before"), "before"),
    limit: Math.max(1, limit),
  });
  const last = games.at(-1);
  return c.json({ games: games.map(summaryView), next: games.length === limit && last ? last.id : null });
});

results.get("/api/games/:id", async (c) => {
  const id = intParam(c.req.param("id"), "id");
  const view = id === undefined ? null : await gameView(c.env.DB, id);
  if (!view) httpError(404, "no such game");
  return c.json(view);
});

results.get("/api/rankings", async (c) => {
  const type = c.req.query("gameType");
  const category = type === undefined || type === "" || type === "overall" ? OVERALL : intParam(type, "gameType", 15);
  const limit = intParam(c.req.query("limit"), "limit", 500) ?? 100;
  return c.json(await rankingsView(c.env.DB, category ?? OVERALL, Math.max(1, limit)));
});
