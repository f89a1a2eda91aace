/**
 * One error policy for HTTP: every failure is JSON `{"error": "..."}` with the right status.
 * Routes throw (HTTPException for an answer they chose, ConfigError for a bad Worker var) and
 * app.onError turns it into the response.
 */
import type { Hook } from "@hono/zod-openapi";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigError } from "../edge/config.ts";
import { directoryStub, tryCall } from "../edge/objects.ts";
import { isMissingTable } from "../edge/schema.ts";
import type { AppEnv } from "./context.ts";

/** Throws the JSON error answer `status` with `message` (and extra fields, e.g. a reason). */
export function httpError(status: ContentfulStatusCode, message: string, extra: Record<string, unknown> = {}): never {
  throw new HTTPException(status, {
    res: new Response(JSON.stringify({ error: message, ...extra }), {
      status,
      headers: { "Content-Type": "application/json" },
    }),
  });
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof HTTPException) {
    const res = err.getResponse();
    if (res.headers.get("Content-Type")?.startsWith("application/json")) return res;
    // Hono's own exceptions (malformed JSON body, …) carry plain text: wrap it.
    return c.json({ error: err.message || res.statusText }, err.status);
  }
  if (err instanceof ConfigError) {
    console.error(`config: ${err.message}`);
    return c.json({ error: `server misconfigured: ${err.message}` }, 500);
  }
  if (isMissingTable(err)) {
    console.error(`database schema is behind: ${err.message}`);
    return c.json({ error: "database schema is behind: apply the D1 migrations (docs/admin.md)" }, 503);
  }
  console.error("unhandled error:", err);
  countError(c);
  return c.json({ error: "internal error" }, 500);
};

/** Counts an HTTP 500 at the directory (/metrics, the dashboard), never failing the answer. */
function countError(c: Context<AppEnv>): void {
  const counted = tryCall("worker: directory.noteError", () => directoryStub(c.env).noteError("worker"));
  try {
    c.executionCtx.waitUntil(counted);
  } catch {
    // No execution context (app.request in a unit test): the promise runs on its own.
  }
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404);

/** zod validation failures of any route: 400 with what was wrong, field by field. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c: Context<AppEnv>) => {
  if (result.success) return;
  const problems = result.error.issues.map((i) =>
    i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message,
  );
  return c.json({ error: `invalid request: ${problems.join("; ")}` }, 400);
};
