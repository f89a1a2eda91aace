/** /admin/users: accounts. Every change writes an audit_log row in the same D1 batch as the change. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createAccount, getAccount, searchAccounts, setPassword, updateAccount } from "../../../edge/accounts.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { actorOf } from "./actor.ts";
import { errors, IdParam } from "./schemas.ts";

const NewUser = z
  .object({
    username: z.string().openapi({ example: "alice" }),
    password: z.string().openapi({ example: "secret" }),
    nick: z.string().optional(),
    team: z.string().optional(),
  })
  .openapi("NewUser");

const Created = z.object({ id: z.number().int(), username: z.string() }).openapi("CreatedUser");

const User = z
  .object({
    id: z.number().int(),
    username: z.string(),
    displayName: z.string(),
    nick: z.string(),
    team: z.string(),
    primaryColor: z.number().int(),
    secondaryColor: z.number().int(),
    coatOfArms: z.number().int(),
    adminLevel: z.number().int(),
    bannedUntil: z.number().int().nullable(),
    bannedReason: z.string().nullable(),
    hasPlayerData: z.boolean(),
  })
  .openapi("User");

export const users = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

users.openapi(
  createRoute({
    method: "post",
    path: "/users",
    summary: "Create an account",
    request: { body: { required: true, content: { "application/json": { schema: NewUser } } } },
    responses: {
      201: { description: "Created", content: { "application/json": { schema: Created } } },
      ...errors(400, 401, 409),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const result = await createAccount(c.env.DB, input, {
      audit: { actor: actorOf(c), action: "user.create", detail: { username: input.username } },
    });
    if (!result.ok) httpError(result.reason === "duplicate" ? 409 : 400, result.message, { reason: result.reason });
    return c.json({ id: result.account.id, username: result.account.username }, 201);
  },
);

users.openapi(
  createRoute({
    method: "get",
    path: "/users/{id}",
    summary: "One account",
    request: { params: IdParam },
    responses: {
      200: { description: "The account", content: { "application/json": { schema: User } } },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const account = await getAccount(c.env.DB, c.req.valid("param").id);
    if (!account) httpError(404, "no such user");
    const { playerData, ...rest } = account;
    return c.json({ ...rest, hasPlayerData: playerData !== null }, 200);
  },
);

const UserPatch = z
  .object({
    adminLevel: z.number().int().min(0).max(255).optional().describe("0 player; 1 or more opens the dashboard"),
    nick: z.string().min(1).max(31).optional(),
    team: z.string().max(31).optional(),
  })
  .strict()
  .openapi("UserPatch");

users.openapi(
  createRoute({
    method: "patch",
    path: "/users/{id}",
    summary: "Change an account's level, nick or team",
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: UserPatch } } } },
    responses: {
      200: { description: "The account as it is now", content: { "application/json": { schema: User } } },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const patch = c.req.valid("json");
    const ok = await updateAccount(c.env.DB, id, patch, { actor: actorOf(c), action: "user.update", detail: patch });
    if (!ok) httpError(404, "no such user");
    const account = await getAccount(c.env.DB, id);
    if (!account) httpError(404, "no such user");
    const { playerData, ...rest } = account;
    return c.json({ ...rest, hasPlayerData: playerData !== null }, 200);
  },
);

const UserLine = z
  .object({ id: z.number().int(), username: z.string(), nick: z.string(), adminLevel: z.number().int() })
  .openapi("UserLine");

users.openapi(
  createRoute({
    method: "get",
    path: "/users",
    summary: "Search accounts by name or nick (first 50)",
    request: { query: z.object({ q: z.string().max(31).default("") }) },
    responses: {
      200: {
        description: "Matching accounts",
        content: { "application/json": { schema: z.object({ users: z.array(UserLine) }) } },
      },
      ...errors(400, 401),
    },
  }),
  async (c) => c.json({ users: await searchAccounts(c.env.DB, c.req.valid("query").q) }, 200),
);

users.openapi(
  createRoute({
    method: "put",
    path: "/users/{id}/password",
    summary: "Reset an account's password",
    description:
      "The account's web sessions end; the game login takes the new password at once. Audited without the password.",
    request: {
      params: IdParam,
      body: {
        required: true,
        content: { "application/json": { schema: z.object({ password: z.string() }).openapi("NewPassword") } },
      },
    },
    responses: {
      204: { description: "Changed" },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const result = await setPassword(c.env.DB, id, c.req.valid("json").password, {
      actor: actorOf(c),
      action: "user.password",
    });
    if (!result.ok) httpError(result.reason === "missing" ? 404 : 400, result.message);
    return c.body(null, 204);
  },
);
