/** /admin/audit: the audit log, newest first, filtered and paged. Read-only: no route changes it. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { queryAudit } from "../../../edge/moderation/audit.ts";
import type { AppEnv } from "../../context.ts";
import { validationHook } from "../../errors.ts";
import { errors } from "./schemas.ts";

const AuditRow = z
  .object({
    id: z.number().int(),
    at: z.number().int().describe("epoch ms"),
    actor: z.string().describe('"user:<id>" (dot commands), "staff:<username>" (dashboard), "admin-token" or "system"'),
    action: z.string(),
    target: z.string().nullable(),
    reason: z.string().nullable(),
    roomId: z.number().int().nullable(),
    actorAddress: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi("AuditRow");

export const audit = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

audit.openapi(
  createRoute({
    method: "get",
    path: "/audit",
    summary: "Audit log, newest first; page on with before = the last id seen",
    request: {
      query: z.object({
        actor: z.string().max(100).optional().openapi({ example: "admin-token" }),
        target: z.string().max(100).optional().openapi({ example: "user:12" }),
        action: z.string().max(50).optional().openapi({ example: "ban.create" }),
        before: z.coerce.number().int().positive().optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: {
      200: {
        description: "Rows",
        content: {
          "application/json": {
            schema: z
              .object({
                entries: z.array(AuditRow),
                next: z.number().int().nullable().describe("the before of the next page; null on the last"),
              })
              .openapi("AuditPage"),
          },
        },
      },
      ...errors(400, 401),
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const page = await queryAudit(c.env.DB, {
      limit: q.limit,
      ...(q.actor !== undefined ? { actor: q.actor } : {}),
      ...(q.target !== undefined ? { target: q.target } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
      ...(q.before !== undefined ? { before: q.before } : {}),
    });
    return c.json(page, 200);
  },
);
