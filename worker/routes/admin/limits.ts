/**
 * /admin/limits: what the abuse limits have done (counters of the isolate that answers), and
 * the login lockouts an operator may look at and clear (per account name, per address).
 * Clearing writes an audit_log row.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { counterSnapshot } from "../../../edge/abuse/counters.ts";
import { appendAudit } from "../../../edge/moderation/audit.ts";
import type { AuditEntry } from "../../../edge/moderation/rules.ts";
import { accountLimiterStub, loginLimiterStub } from "../../../edge/objects.ts";
import { parseIPv4 } from "../../../protocol/ipv4.ts";
import { normalizeUserName } from "../../../protocol/text.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { adminActor } from "./actor.ts";
import { errors } from "./schemas.ts";

const Counters = z
  .object({
    limits: z.record(z.string(), z.number().int()),
    work: z.record(z.string(), z.number().int()),
  })
  .openapi("LimitCounters");

export const Lockout = z
  .object({
    failures: z.number().int().openapi({ description: "failures counted for an address in its window" }),
    accountFailures: z.number().int().openapi({ description: "failures counted for an account" }),
    lockedUntil: z.number().int().nullable().openapi({ description: "epoch ms the account's delay ends" }),
  })
  .openapi("Lockout");

const Target = z.object({
  kind: z.enum(["account", "address"]).openapi({ param: { name: "kind", in: "path" } }),
  key: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "key", in: "path" }, example: "alice" }),
});

export const limits = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

limits.openapi(
  createRoute({
    method: "get",
    path: "/limits",
    summary: "How often each abuse limit fired (this isolate's counters)",
    responses: {
      200: { description: "Counters", content: { "application/json": { schema: Counters } } },
      ...errors(401),
    },
  }),
  (c) => c.json(counterSnapshot(), 200),
);

function stubFor(env: Env, kind: "account" | "address", key: string) {
  if (kind === "account") {
    if (normalizeUserName(key).length === 0) httpError(400, "account name is empty after normalising");
    return accountLimiterStub(env, key);
  }
  if (parseIPv4(key) === null) httpError(400, "address must be a dotted IPv4 address");
  return loginLimiterStub(env, key);
}

limits.openapi(
  createRoute({
    method: "get",
    path: "/lockouts/{kind}/{key}",
    summary: "The login failures and delay held for an account name or an address",
    request: { params: Target },
    responses: {
      200: { description: "Lockout state", content: { "application/json": { schema: Lockout } } },
      ...errors(400, 401),
    },
  }),
  async (c) => {
    const { kind, key } = c.req.valid("param");
    return c.json(await stubFor(c.env, kind, key).state(), 200);
  },
);

/**
 * Clears an account name's or an address's login failures and delay, then writes the audit row
 * "lockout.clear" (target "account:<name>" or "address:<ip>", detail what was cleared). The one
 * path for DELETE /admin/lockouts/:kind/:key and DELETE /admin/users/:id/lockout.
 */
export async function clearLockout(
  env: Env,
  kind: "account" | "address",
  key: string,
  actor: Omit<AuditEntry, "action" | "target" | "reason">,
): Promise<z.infer<typeof Lockout>> {
  const { failures, accountFailures, lockedUntil } = await stubFor(env, kind, key).clear();
  const before = { failures, accountFailures, lockedUntil };
  await appendAudit(env.DB, { ...actor, action: "lockout.clear", target: `${kind}:${key}`, detail: before });
  return before;
}

limits.openapi(
  createRoute({
    method: "delete",
    path: "/lockouts/{kind}/{key}",
    summary: "Clear the failures and delay of an account name or an address (audited)",
    request: { params: Target },
    responses: {
      200: { description: "What was cleared", content: { "application/json": { schema: Lockout } } },
      ...errors(400, 401),
    },
  }),
  async (c) => {
    const { kind, key } = c.req.valid("param");
    return c.json(await clearLockout(c.env, kind, key, adminActor(c)), 200);
  },
);
