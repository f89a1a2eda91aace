/**
 * Live moderation over HTTP: who is online, kicks, room messages and announcements — the same
 * operations as the in-game commands and the dashboard (edge/staff-actions.ts), each audited
 * ("admin-token", or "staff:<name>" from the dashboard) before it is done.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { roomById } from "../../../edge/config.ts";
import { appendAudit } from "../../../edge/moderation/audit.ts";
import { directoryStub } from "../../../edge/objects.ts";
import { kickPlayer, messageRoom } from "../../../edge/staff-actions.ts";
import { familyOf } from "../../../protocol/families.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { adminActor } from "./actor.ts";
import { errors, IdParam } from "./schemas.ts";

const OnlineList = z
  .object({
    players: z.array(
      z.object({
        userId: z.number().int(),
        userName: z.string(),
        nick: z.string(),
        guest: z.boolean(),
        adminLevel: z.number().int(),
        roomId: z.number().int().nullable().describe("null between the login server and a room"),
        family: z.enum(["gos", "bungie", "aleph-one"]),
        dialect: z.string(),
        appVersion: z.number().int(),
        build: z.number().int(),
        address: z.string().describe("ipv4:port as the bridge saw it"),
        since: z.number().int().nullable().describe("when the player logged in (epoch ms)"),
      }),
    ),
  })
  .openapi("OnlineList");

const Text = z.object({ text: z.string().min(1).max(1000) }).strict();
const Reason = z.object({ reason: z.string().max(200).default("Kicked by an administrator.") }).strict();
const UserIdParam = z.object({
  userId: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "userId", in: "path" }, example: 1 }),
});

export const moderation = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

moderation.openapi(
  createRoute({
    method: "get",
    path: "/online",
    summary: "Every online player: room, client family and version, address",
    responses: {
      200: { description: "Players online", content: { "application/json": { schema: OnlineList } } },
      ...errors(401),
    },
  }),
  async (c) => {
    const online = await directoryStub(c.env).onlinePlayers();
    return c.json(
      {
        players: online.map((p) => ({
          userId: p.userId,
          userName: p.userName,
          nick: p.nick,
          guest: p.guest,
          adminLevel: p.adminLevel,
          roomId: p.roomId,
          family: familyOf(p.dialect),
          dialect: p.dialect,
          appVersion: p.appVersion,
          build: p.build,
          address: p.clientAddress,
          since: p.since,
        })),
      },
      200,
    );
  },
);

moderation.openapi(
  createRoute({
    method: "post",
    path: "/sessions/{userId}/kick",
    summary: "Kick a player wherever they are (21 with the reason, then close)",
    request: {
      params: UserIdParam,
      body: { required: false, content: { "application/json": { schema: Reason } } },
    },
    responses: {
      200: {
        description: "Kicked",
        content: { "application/json": { schema: z.object({ kicked: z.literal(true) }) } },
      },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const { userId } = c.req.valid("param");
    // The body is optional: without one the reason is the default.
    const reason = (c.req.valid("json") as { reason?: string } | undefined)?.reason ?? "Kicked by an administrator.";
    if (!(await kickPlayer(c.env, adminActor(c), userId, reason))) httpError(404, "that player is not online");
    return c.json({ kicked: true as const }, 200);
  },
);

moderation.openapi(
  createRoute({
    method: "post",
    path: "/rooms/{id}/message",
    summary: "A blue message to everyone in one room",
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: Text } } } },
    responses: { 204: { description: "Sent" }, ...errors(400, 401, 404) },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const { text } = c.req.valid("json");
    if (!roomById(c.var.config, id)) httpError(404, "no such room");
    await messageRoom(c.env, adminActor(c), id, text);
    return c.body(null, 204);
  },
);

moderation.openapi(
  createRoute({
    method: "post",
    path: "/announce",
    summary: "A blue message to every occupied room of every game",
    request: { body: { required: true, content: { "application/json": { schema: Text } } } },
    responses: {
      200: {
        description: "Sent",
        content: { "application/json": { schema: z.object({ rooms: z.number().int() }).openapi("Announced") } },
      },
      ...errors(400, 401),
    },
  }),
  async (c) => {
    const { text } = c.req.valid("json");
    await appendAudit(c.env.DB, { ...adminActor(c), action: "announce", target: "all", detail: { text } });
    const rooms = await directoryStub(c.env).announce(text);
    return c.json({ rooms }, 200);
  },
);
