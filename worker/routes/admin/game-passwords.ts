/**
 * /admin/users/{id}/game-passwords: revocable game passwords (edge/social/game-passwords.ts).
 * The server makes each one and shows it once, in the answer that creates it; a revoked one is
 * refused at the next login (code 3). Audited, without the password.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { writeAudit } from "../../../edge/accounts.ts";
import { createGamePassword, listGamePasswords, revokeGamePassword } from "../../../edge/social/game-passwords.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { errors, IdParam } from "./schemas.ts";

const ACTOR = "admin-token";

const Credential = z
  .object({
    id: z.number().int(),
    label: z.string(),
    createdAt: z.number().int(),
    lastUsedAt: z.number().int().nullable(),
    revokedAt: z.number().int().nullable(),
  })
  .openapi("GamePassword");

const Created = Credential.extend({
  password: z.string().openapi({ description: "shown only here; the server keeps a hash" }),
}).openapi("CreatedGamePassword");

const NewCredential = z
  .object({ label: z.string().max(64).optional().openapi({ example: "laptop" }) })
  .openapi("NewGamePassword");

const CredentialParams = IdParam.extend({
  credentialId: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "credentialId", in: "path" }, example: 1 }),
});

export const gamePasswords = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

gamePasswords.openapi(
  createRoute({
    method: "post",
    path: "/users/{id}/game-passwords",
    summary: "Make a game password for an account (at most 5 active)",
    request: {
      params: IdParam,
      body: { required: false, content: { "application/json": { schema: NewCredential } } },
    },
    responses: {
      201: { description: "Created", content: { "application/json": { schema: Created } } },
      ...errors(400, 401, 404, 409),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const label = c.req.valid("json")?.label ?? "";
    const result = await createGamePassword(c.env.DB, id, label);
    if (!result.ok) httpError(result.reason === "not-found" ? 404 : 409, result.message, { reason: result.reason });
    await writeAudit(
      c.env.DB,
      { actor: ACTOR, action: "game-password.create", detail: { credentialId: result.credential.id } },
      String(id),
    );
    return c.json({ ...result.credential, password: result.password }, 201);
  },
);

gamePasswords.openapi(
  createRoute({
    method: "get",
    path: "/users/{id}/game-passwords",
    summary: "An account's game passwords (never the passwords)",
    request: { params: IdParam },
    responses: {
      200: { description: "The list", content: { "application/json": { schema: z.array(Credential) } } },
      ...errors(400, 401),
    },
  }),
  async (c) => c.json(await listGamePasswords(c.env.DB, c.req.valid("param").id), 200),
);

gamePasswords.openapi(
  createRoute({
    method: "delete",
    path: "/users/{id}/game-passwords/{credentialId}",
    summary: "Revoke a game password (it fails from the next login on)",
    request: { params: CredentialParams },
    responses: {
      200: {
        description: "Revoked",
        content: { "application/json": { schema: z.object({ revoked: z.literal(true) }) } },
      },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const { id, credentialId } = c.req.valid("param");
    if (!(await revokeGamePassword(c.env.DB, id, credentialId))) httpError(404, "no such game password");
    await writeAudit(c.env.DB, { actor: ACTOR, action: "game-password.revoke", detail: { credentialId } }, String(id));
    return c.json({ revoked: true as const }, 200);
  },
);
