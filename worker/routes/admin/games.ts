/**
 * /admin/games: games kept out of ratings until an operator decides — disputed (the reports
 * disagree on placings) and flagged (opponents shared a client address) — and the decision;
 * deleting a game with its film.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { deleteFilmsOfGame } from "../../../edge/films.ts";
import { auditStatement } from "../../../edge/moderation/audit.ts";
import { resultsStub } from "../../../edge/objects.ts";
import * as q from "../../../edge/results/queries.ts";
import { gameView, summaryView } from "../../../edge/results/views.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { adminActor } from "./actor.ts";
import { errors, IdParam } from "./schemas.ts";

const GameSummary = z
  .object({
    id: z.number().int(),
    roomId: z.number().int(),
    roomType: z.string(),
    hostId: z.number().int(),
    name: z.string(),
    map: z.string(),
    gameType: z.number().int(),
    gameTypeName: z.string(),
    startedAt: z.number(),
    endedAt: z.number().nullable(),
    elapsed: z.number().nullable().describe("actual_time_elapsed as the client reported it"),
    status: z.enum(["playing", "reported", "rated", "unrated", "disputed", "abandoned"]),
    unratedReason: z.string().nullable(),
    disputed: z.boolean(),
    abandoned: z.boolean(),
    flagged: z.boolean(),
    filmStatus: z.string().nullable(),
  })
  .openapi("GameSummary");

const Report = z
  .object({
    id: z.number().int(),
    reporterId: z.number().int(),
    at: z.number(),
    placings: z.string().describe('"user:place" of each playing player, sorted by user'),
  })
  .openapi("GameReport");

const DisputedGame = GameSummary.extend({ reports: z.array(Report) }).openapi("DisputedGame");

const Resolve = z
  .object({
    reportId: z
      .number()
      .int()
      .optional()
      .describe("the report whose standings become the result; default: the one the game has now"),
    rate: z.boolean().describe("true: rate the game (also clears a shared-address flag); false: keep it unrated"),
  })
  .openapi("ResolveGame");

export const games = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

games.openapi(
  createRoute({
    method: "get",
    path: "/games/disputed",
    summary: "Games kept out of ratings until an admin decides (disputed or flagged), with their reports",
    responses: {
      200: {
        description: "Newest first",
        content: { "application/json": { schema: z.object({ games: z.array(DisputedGame) }) } },
      },
      ...errors(401),
    },
  }),
  async (c) => {
    const db = c.env.DB;
    const rows = await q.listGames(db, { needsDecision: true, limit: 200 });
    const out = [];
    for (const g of rows) {
      const reports = await q.reportsOf(db, g.id);
      out.push({
        ...summaryView(g),
        reports: reports.map((r) => ({ id: r.id, reporterId: r.reporter_id, at: r.at, placings: r.placings })),
      });
    }
    return c.json({ games: out }, 200);
  },
);

games.openapi(
  createRoute({
    method: "post",
    path: "/games/{id}/resolve",
    summary: "Decide a disputed or flagged game: take one report's standings, rated or not",
    request: {
      params: IdParam,
      body: { content: { "application/json": { schema: Resolve } }, required: true },
    },
    responses: {
      200: {
        description: "The game as it is now",
        content: { "application/json": { schema: z.object({ status: z.string(), game: z.unknown() }) } },
      },
      ...errors(400, 401, 404, 409),
    },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const body = c.req.valid("json");
    const answer = await resultsStub(c.env).resolve(id, {
      ...(body.reportId === undefined ? {} : { reportId: body.reportId }),
      rate: body.rate,
      actor: "admin-token",
    });
    if (!answer.ok) {
      if (answer.error === "no such game") httpError(404, answer.error);
      httpError(409, answer.error);
    }
    return c.json({ status: answer.status, game: await gameView(c.env.DB, id) }, 200);
  },
);

games.openapi(
  createRoute({
    method: "delete",
    path: "/games/{id}",
    summary: "Delete a settled game: its rows and its films (R2 file, then row); ratings are not recomputed",
    request: { params: IdParam },
    responses: {
      200: {
        description: "Deleted",
        content: {
          "application/json": {
            schema: z.object({ deleted: z.number().int(), films: z.number().int().describe("films deleted with it") }),
          },
        },
      },
      ...errors(400, 401, 404, 409),
    },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const db = c.env.DB;
    const game = await q.gameById(db, id);
    if (!game) httpError(404, "no such game");
    // An unsettled game is still the Results object's (reports may come): it must settle first.
    if (game.status === "playing" || game.status === "reported") httpError(409, "the game is not settled yet");
    // Films first, so no film row is left pointing at a game that is gone.
    const films = await deleteFilmsOfGame(c.env, id);
    await db.batch([
      ...q.deleteGameStatements(db, id),
      // The audit entry lands in the same batch as the deletion it records.
      auditStatement(
        db,
        {
          ...adminActor(c),
          action: "game.delete",
          target: `game:${id}`,
          roomId: game.room_id,
          detail: { films, status: game.status, host: game.host_id },
        },
        Date.now(),
      ),
    ]);
    return c.json({ deleted: id, films }, 200);
  },
);
