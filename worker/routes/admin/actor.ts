/**
 * Who an admin request acts as, for the audit log: the staff member signed in to the dashboard
 * ("staff:<username>"), else the bearer token ("admin-token"); from the caller's address.
 */
import type { Context } from "hono";
import { ADMIN_TOKEN_ACTOR, type AuditEntry } from "../../../edge/moderation/rules.ts";
import type { AppEnv } from "../../context.ts";

export function adminActor(c: Context<AppEnv>): Omit<AuditEntry, "action" | "target" | "reason"> {
  return { actor: actorOf(c), actorAddress: c.req.header("CF-Connecting-IP") ?? null };
}

export function actorOf(c: Context<AppEnv>): string {
  const staff = c.get("staff");
  return staff ? `staff:${staff.account.username}` : ADMIN_TOKEN_ACTOR;
}
