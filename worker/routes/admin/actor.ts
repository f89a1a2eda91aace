/** Who an admin request acts as, for the audit log: the staff member signed in, else the bearer token. */
import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";

export function actorOf(c: Context<AppEnv>): string {
  const staff = c.get("staff");
  return staff ? `staff:${staff.account.username}` : "admin-token";
}
