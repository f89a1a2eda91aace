/**
 * /admin/bans: bans by account, IPv4 address or CIDR range, or guest name. A new ban is stored
 * with its audit row, then every live session it covers gets 21 and is closed, wherever it is.
 * Lifting keeps the row (history); expired bans stop applying by themselves.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { getAccount } from "../../../edge/accounts.ts";
import { getBan, listBans, type NewBan } from "../../../edge/moderation/bans.ts";
import { liftBanEverywhere, placeBan } from "../../../edge/staff-actions.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { adminActor } from "./actor.ts";
import { errors, IdParam } from "./schemas.ts";

const BanView = z
  .object({
    id: z.number().int(),
    kind: z.enum(["account", "address", "guest"]),
    userId: z.number().int().nullable(),
    address: z.string().nullable(),
    guestName: z.string().nullable(),
    reason: z.string(),
    createdBy: z.string(),
    createdAt: z.number().int(),
    expiresAt: z.number().int().nullable().describe("epoch ms; null = permanent"),
    liftedBy: z.string().nullable(),
    liftedAt: z.number().int().nullable(),
    active: z.boolean(),
  })
  .openapi("Ban");

const NewBanBody = z
  .object({
    kind: z.enum(["account", "address", "guest"]),
    userId: z.number().int().positive().optional().openapi({ description: "kind account" }),
    address: z
      .string()
      .max(18)
      .optional()
      .openapi({ description: "kind address: a.b.c.d or a.b.c.d/n", example: "203.0.113.0/24" }),
    guestName: z.string().max(31).optional().openapi({ description: "kind guest" }),
    reason: z.string().max(200).default(""),
    durationSeconds: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: "absent (and no expiresAt) = permanent" }),
    expiresAt: z.number().int().positive().optional().openapi({ description: "epoch ms" }),
  })
  .strict()
  .openapi("NewBan");

const Created = z
  .object({ ban: BanView, kicked: z.number().int().describe("live sessions ended") })
  .openapi("CreatedBan");

export const bans = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const view = (ban: Awaited<ReturnType<typeof getBan>> & object, now = Date.now()) => ({
  ...ban,
  active: ban.liftedAt === null && (ban.expiresAt === null || ban.expiresAt > now),
});

bans.openapi(
  createRoute({
    method: "get",
    path: "/bans",
    summary: "Bans, newest first (all of history, or only those in force)",
    request: {
      query: z.object({
        active: z.enum(["true", "false"]).optional(),
        userId: z.coerce.number().int().positive().optional(),
        before: z.coerce.number().int().positive().optional().openapi({ description: "page on: the last id seen" }),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: {
      200: {
        description: "Bans",
        content: { "application/json": { schema: z.object({ bans: z.array(BanView) }).openapi("BanList") } },
      },
      ...errors(400, 401),
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const found = await listBans(c.env.DB, {
      active: q.active === "true",
      limit: q.limit,
      ...(q.userId !== undefined ? { userId: q.userId } : {}),
      ...(q.before !== undefined ? { before: q.before } : {}),
    });
    return c.json({ bans: found.map((b) => view(b)) }, 200);
  },
);

bans.openapi(
  createRoute({
    method: "post",
    path: "/bans",
    summary: "Ban an account, an address or range, or a guest name; live sessions it covers are kicked",
    request: { body: { required: true, content: { "application/json": { schema: NewBanBody } } } },
    responses: {
      201: { description: "Stored, audited and enforced", content: { "application/json": { schema: Created } } },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const now = Date.now();
    if (body.durationSeconds !== undefined && body.expiresAt !== undefined)
      httpError(400, "give durationSeconds or expiresAt, not both");
    const expiresAt = body.expiresAt ?? (body.durationSeconds !== undefined ? now + body.durationSeconds * 1000 : null);
    let input: NewBan;
    if (body.kind === "account") {
      if (body.userId === undefined) httpError(400, "an account ban needs userId");
      if (!(await getAccount(c.env.DB, body.userId))) httpError(404, "no such user");
      input = { kind: "account", userId: body.userId, reason: body.reason, expiresAt };
    } else if (body.kind === "address") {
      if (body.address === undefined) httpError(400, "an address ban needs address");
      input = { kind: "address", address: body.address, reason: body.reason, expiresAt };
    } else {
      if (body.guestName === undefined) httpError(400, "a guest ban needs guestName");
      input = { kind: "guest", guestName: body.guestName, reason: body.reason, expiresAt };
    }
    const created = await placeBan(c.env, input, adminActor(c), now);
    if (!created.ok) httpError(400, created.message);
    return c.json({ ban: view(created.ban, now), kicked: created.kicked }, 201);
  },
);

bans.openapi(
  createRoute({
    method: "delete",
    path: "/bans/{id}",
    summary: "Lift a ban (the row stays, with who lifted it and when)",
    request: { params: IdParam },
    responses: {
      200: { description: "The ban as lifted", content: { "application/json": { schema: BanView } } },
      ...errors(400, 401, 404, 409),
    },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const lifted = await liftBanEverywhere(c.env, id, adminActor(c));
    if (!lifted) {
      if (!(await getBan(c.env.DB, id))) httpError(404, "no such ban");
      httpError(409, "the ban is no longer in force (lifted or expired)");
    }
    return c.json(view(lifted), 200);
  },
);
