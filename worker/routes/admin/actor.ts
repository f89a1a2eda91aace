/** Who the admin API acts as in the audit log: the admin token, from the caller's address. */
import type { Context } from "hono";
import { ADMIN_TOKEN_ACTOR, type AuditEntry } from "../../../edge/moderation/rules.ts";
import type { AppEnv } from "../../context.ts";

export function adminActor(c: Context<AppEnv>): Omit<AuditEntry, "action" | "target" | "reason"> {
  return { actor: ADMIN_TOKEN_ACTOR, actorAddress: c.req.header("CF-Connecting-IP") ?? null };
}
