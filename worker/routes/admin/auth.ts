/**
 * Who may call /admin/*: the bearer ADMIN_TOKEN (automation), or a staff member signed in to
 * the dashboard (admin level ≥ 1, worker/web/session.ts) — then unsafe methods must carry the
 * session's CSRF token in X-CSRF-Token. An Authorization header always means the token path.
 */
import type { MiddlewareHandler } from "hono";
import { requireBearer } from "../../bearer.ts";
import type { AppEnv } from "../../context.ts";
import { CSRF_HEADER, csrfMatches } from "../../web/csrf.ts";
import { currentSession } from "../../web/session.ts";

/** The lowest admin level that opens the dashboard and the admin API by cookie. */
export const STAFF_LEVEL = 1;

const bearer = requireBearer("ADMIN_TOKEN");

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header("Authorization") !== undefined) return bearer(c as never, next);
  const session = await currentSession(c);
  if (!session || session.account.adminLevel < STAFF_LEVEL) {
    return c.json({ error: "missing or wrong bearer token" }, 401, { "WWW-Authenticate": "Bearer" });
  }
  const safe = c.req.method === "GET" || c.req.method === "HEAD";
  if (!safe && !(await csrfMatches(c, session.csrf))) {
    return c.json({ error: `missing or wrong ${CSRF_HEADER}` }, 403);
  }
  c.set("staff", session);
  await next();
};
