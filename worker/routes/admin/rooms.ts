/** /admin/rooms: rooms as their Durable Objects see them right now (this wakes a sleeping room). */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { roomById } from "../../../edge/config.ts";
import { roomStub } from "../../../edge/objects.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { errors, IdParam } from "./schemas.ts";

const RoomConfig = z
  .object({
    id: z.number().int(),
    wireId: z.number().int(),
    name: z.string(),
    game: z.enum(["myth1", "myth2", "myth3", "marathon"]),
    type: z.enum(["unranked", "ranked", "tournament"]),
    port: z.number().int(),
    capacity: z.number().int(),
    guests: z.boolean(),
    joinMessages: z.array(z.string()).readonly(),
    films: z.enum(["supported", "required"]).optional(),
  })
  .openapi("RoomConfig");

const RoomView = z
  .object({
    room: RoomConfig,
    players: z.array(
      z.object({
        userId: z.number().int(),
        nick: z.string(),
        inGame: z.boolean(),
        guest: z.boolean(),
        primaryColor: z.number().int(),
        secondaryColor: z.number().int(),
      }),
    ),
    games: z.array(
      z.object({
        name: z.string(),
        map: z.string(),
        scoring: z.number().int(),
        hostUserId: z.number().int(),
        players: z.number().int(),
        maxPlayers: z.number().int(),
        elapsedSeconds: z.number().int(),
      }),
    ),
    instanceStartedAt: z.number().describe("when the room object's current instance started (epoch ms)"),
  })
  .openapi("RoomView");

export const rooms = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

rooms.openapi(
  createRoute({
    method: "get",
    path: "/rooms/{id}",
    summary: "One room, live",
    request: { params: IdParam },
    responses: {
      200: { description: "The room's config and live state", content: { "application/json": { schema: RoomView } } },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const room = roomById(c.var.config, id);
    if (!room) httpError(404, "no such room");
    const status = await roomStub(c.env, id).status();
    return c.json({ room, ...status }, 200);
  },
);
