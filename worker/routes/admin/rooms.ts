/**
 * /admin/rooms: rooms as their Durable Objects see them right now (this wakes a sleeping room),
 * and live changes to them (PATCH: stored by the room, in effect at once, no restart).
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { roomById } from "../../../edge/config.ts";
import { roomStub } from "../../../edge/objects.ts";
import { configureRoom } from "../../../edge/staff-actions.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { adminActor } from "./actor.ts";
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
    locked: z
      .boolean()
      .optional()
      .describe("only staff may enter: the room's moderation lock (PATCH locked, or .lock/.unlock in the room)"),
  })
  .openapi("RoomConfig");

const Overrides = z
  .object({
    capacity: z.number().int().min(1).optional(),
    guests: z.boolean().optional(),
    joinMessages: z.array(z.string().max(255)).max(32).optional(),
  })
  .openapi("RoomOverrides");

const OverridesPatch = z
  .object({
    capacity: z.number().int().min(1).nullable().optional(),
    guests: z.boolean().nullable().optional(),
    joinMessages: z.array(z.string().max(255)).max(32).nullable().optional(),
    locked: z.boolean().nullable().optional(),
  })
  .strict()
  .openapi("RoomOverridesPatch", {
    description:
      "Fields to change live; null puts a field back to its configured value (ROOM_CONFIG). `locked` is the " +
      "room's moderation lock, the same state as the in-room .lock/.unlock (null or false opens the room).",
    example: { capacity: 16, locked: true, joinMessages: ["Maintenance at 20:00 UTC"] },
  });

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
        userName: z.string(),
        away: z.boolean(),
        coatOfArms: z.number().int(),
        dialect: z.string().describe("client family (protocol/dialect.ts)"),
        build: z.number().int(),
        address: z.string().describe("client ipv4:port as the bridge saw it"),
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

const RoomSummary = z
  .object({
    room: RoomConfig,
    overrides: Overrides,
    players: z.number().int(),
    games: z.number().int(),
    gamesInProgress: z.number().int(),
    capacity: z.number().int().describe("the limit in effect"),
  })
  .openapi("RoomSummary");

export const rooms = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

rooms.openapi(
  createRoute({
    method: "get",
    path: "/rooms",
    summary: "Every room, live: players, games, limits in effect",
    responses: {
      200: {
        description: "One entry per configured room",
        content: { "application/json": { schema: z.object({ rooms: z.array(RoomSummary) }) } },
      },
      ...errors(401),
    },
  }),
  async (c) => {
    const list = await Promise.all(
      c.var.config.rooms.map(async (base) => {
        const stub = roomStub(c.env, base.id);
        const [settings, status] = await Promise.all([stub.settings(), stub.status()]);
        const room = settings.config ?? base;
        return {
          room,
          overrides: settings.overrides,
          players: status.players.length,
          games: status.games.length,
          gamesInProgress: status.games.filter((g) => g.elapsedSeconds > 0).length,
          capacity: room.capacity,
        };
      }),
    );
    return c.json({ rooms: list }, 200);
  },
);

rooms.openapi(
  createRoute({
    method: "patch",
    path: "/rooms/{id}",
    summary: "Change a room live (capacity, guests, join messages, locked)",
    description:
      "Stored by the room and in effect at once: the next room login sees the new capacity, guest policy and lock " +
      "(a locked room refuses non-staff with code 4, as after .lock); audited as room.update, and room.lock / " +
      "room.unlock when the lock changes; " +
      "join messages go to the next player who enters. Players already inside stay. The login server's room list " +
      "keeps showing the configured guest flag until its config changes (only the room enforces the override).",
    request: {
      params: IdParam,
      body: { required: true, content: { "application/json": { schema: OverridesPatch } } },
    },
    responses: {
      200: {
        description: "The room's effective config and the overrides in force",
        content: { "application/json": { schema: z.object({ room: RoomConfig, overrides: Overrides }) } },
      },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const patch = c.req.valid("json");
    if (!roomById(c.var.config, id)) httpError(404, "no such room");
    if (patch.capacity != null && patch.capacity > c.var.config.maxRoomCapacity) {
      httpError(400, `invalid request: capacity: at most MAX_ROOM_CAPACITY (${c.var.config.maxRoomCapacity})`);
    }
    const result = await configureRoom(c.env, adminActor(c), id, patch);
    if (!result) httpError(404, "no such room");
    return c.json({ room: result.config, overrides: result.overrides }, 200);
  },
);

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
    const base = roomById(c.var.config, id);
    if (!base) httpError(404, "no such room");
    const stub = roomStub(c.env, id);
    const [settings, status] = await Promise.all([stub.settings(), stub.status()]);
    // The config in effect: overrides and the lock, however it was set.
    return c.json({ room: settings.config ?? base, ...status }, 200);
  },
);
