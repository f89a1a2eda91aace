/** /admin/audit: the audit log, newest first, filtered and paged (edge/audit.ts). */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { listAudit } from "../../../edge/audit.ts";
import type { AppEnv } from "../../context.ts";
import { validationHook } from "../../errors.ts";
import { errors } from "./schemas.ts";

export const AuditQuerySchema = z.object({
  action: z.string().max(64).optional().openapi({ description: "substring of the action", example: "user.ban" }),
  actor: z.string().max(64).optional().openapi({ description: "substring of the actor", example: "staff:" }),
  target: z.string().max(64).optional(),
  before: z.coerce.number().int().positive().optional().openapi({ description: "the `next` of the previous page" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.number().int().describe("epoch ms"),
    actor: z.string().describe('"admin-token" or "staff:<username>"'),
    action: z.string(),
    target: z.string().nullable(),
    detail: z.unknown(),
  })
  .openapi("AuditEntry");

export const audit = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

audit.openapi(
  createRoute({
    method: "get",
    path: "/audit",
    summary: "The audit log, newest first",
    request: { query: AuditQuerySchema },
    responses: {
      200: {
        description: "One page; pass `next` as `before` for the following one",
        content: {
          "application/json": {
            schema: z.object({ entries: z.array(AuditEntry), next: z.number().int().nullable() }),
          },
        },
      },
      ...errors(400, 401),
    },
  }),
  async (c) => {
    const page = await listAudit(c.env.DB, c.req.valid("query"));
    const entries = page.rows.map((r) => ({ ...r, detail: parseDetail(r.detail) }));
    return c.json({ entries, next: page.next }, 200);
  },
);

function parseDetail(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
