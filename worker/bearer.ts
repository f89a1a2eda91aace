/**
 * Bearer-token middleware shared by /admin and /tunnel. Secure by default: when the secret
 * is not configured every request is refused (503) rather than let through.
 */
import type { MiddlewareHandler } from "hono";
import { secretsEqual } from "../edge/passwords.ts";

type SecretName = "ADMIN_TOKEN" | "BRIDGE_TOKEN";

export function requireBearer(secret: SecretName): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const expected = (c.env as Partial<Record<SecretName, string>>)[secret];
    if (!expected) return c.json({ error: `${secret} is not configured on this server` }, 503);
    const header = c.req.header("Authorization") ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m || !(await secretsEqual((m[1] as string).trim(), expected))) {
      return c.json({ error: "missing or wrong bearer token" }, 401, { "WWW-Authenticate": "Bearer" });
    }
    await next();
  };
}
