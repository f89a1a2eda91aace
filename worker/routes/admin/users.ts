/** /admin/users: accounts. Every change writes an audit_log row in the same D1 batch as the change. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type Account, createAccount, getAccount } from "../../../edge/accounts.ts";
import { patchUser, resetPassword, searchUsers } from "../../../edge/moderation/users.ts";
import { directoryStub } from "../../../edge/objects.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { adminActor } from "./actor.ts";
import { clearLockout, Lockout } from "./limits.ts";
import { errors, IdParam } from "./schemas.ts";

const NewUser = z
  .object({
    username: z.string().openapi({ example: "alice" }),
    password: z.string().openapi({ example: "secret" }),
    nick: z.string().optional(),
    team: z.string().optional(),
    adminLevel: z.number().int().min(0).max(2).optional().openapi({ description: "0 player, 1 moderator, 2 admin" }),
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
    disabled: z.boolean(),
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
      audit: {
        actor: "admin-token",
        action: "user.create",
        detail: { username: input.username, ...(input.adminLevel ? { adminLevel: input.adminLevel } : {}) },
      },
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
    return c.json(userView(account), 200);
  },
);

function userView(account: Account) {
  const { playerData, ...rest } = account;
  return { ...rest, hasPlayerData: playerData !== null };
}

const PAGE_SIZE = 50;

const UserList = z
  .object({
    users: z.array(
      z.object({
        id: z.number().int(),
        username: z.string(),
        nick: z.string(),
        adminLevel: z.number().int(),
        disabled: z.boolean(),
        lastLoginAt: z.number().int().nullable(),
      }),
    ),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  })
  .openapi("UserList");

users.openapi(
  createRoute({
    method: "get",
    path: "/users",
    summary: "Search accounts by login name or nick, paged",
    request: {
      query: z.object({
        query: z.string().max(64).default("").openapi({ example: "ali" }),
        page: z.coerce.number().int().min(0).default(0),
      }),
    },
    responses: {
      200: {
        description: "One page of matching accounts, by id",
        content: { "application/json": { schema: UserList } },
      },
      ...errors(400, 401),
    },
  }),
  async (c) => {
    const { query, page } = c.req.valid("query");
    const found = await searchUsers(c.env.DB, query, page, PAGE_SIZE);
    return c.json({ ...found, page, pageSize: PAGE_SIZE }, 200);
  },
);

const UserPatch = z
  .object({
    nick: z.string().optional(),
    team: z.string().optional(),
    adminLevel: z.number().int().min(0).max(2).optional().openapi({ example: 2 }),
    disabled: z.boolean().optional(),
  })
  .strict()
  .openapi("UserPatch");

users.openapi(
  createRoute({
    method: "patch",
    path: "/users/{id}",
    summary: "Change nick, team, admin level or disabled (from the next login; disabling also ends a live session)",
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: UserPatch } } } },
    responses: {
      200: { description: "The account after the change", content: { "application/json": { schema: User } } },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const patch = c.req.valid("json");
    const result = await patchUser(c.env.DB, c.req.valid("param").id, patch, adminActor(c));
    if (!result.ok) httpError(result.status, result.message);
    // A disabled account's live session ends now (a new level waits for the next login).
    if (patch.disabled === true) await directoryStub(c.env).kickUser(result.account.id, "This account is disabled.");
    return c.json(userView(result.account), 200);
  },
);

users.openapi(
  createRoute({
    method: "post",
    path: "/users/{id}/password",
    summary: "Reset an account's password",
    request: {
      params: IdParam,
      body: {
        required: true,
        content: { "application/json": { schema: z.object({ password: z.string() }).openapi("PasswordReset") } },
      },
    },
    responses: {
      204: { description: "Changed; the old password no longer works" },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const result = await resetPassword(c.env.DB, c.req.valid("param").id, c.req.valid("json").password, adminActor(c));
    if (!result.ok) httpError(result.status, result.message);
    return c.body(null, 204);
  },
);

users.openapi(
  createRoute({
    method: "delete",
    path: "/users/{id}/lockout",
    summary: "Clear the login lockout of this account's name (audited lockout.clear)",
    description:
      "The per-account failures and delay issue 10's limits keep for the account's login name; the same as DELETE /admin/lockouts/account/{name}.",
    request: { params: IdParam },
    responses: {
      200: { description: "What was cleared", content: { "application/json": { schema: Lockout } } },
      ...errors(401, 404),
    },
  }),
  async (c) => {
    const account = await getAccount(c.env.DB, c.req.valid("param").id);
    if (!account) httpError(404, "no such user");
    return c.json(await clearLockout(c.env, "account", account.username, adminActor(c)), 200);
  },
);
