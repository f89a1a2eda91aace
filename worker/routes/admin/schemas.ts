/** Schemas shared by the admin routes: one zod schema validates a request and describes it in /admin/openapi.json. */
import { z } from "@hono/zod-openapi";

export const ErrorBody = z.object({ error: z.string() }).openapi("Error");

export const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .nonnegative()
    .openapi({ param: { name: "id", in: "path" }, example: 1 }),
});

/** The standard error responses, spread into a route's `responses`. */
export function errors(...statuses: (400 | 401 | 404 | 409 | 503)[]) {
  const text: Record<number, string> = {
    400: "Invalid request",
    401: "Missing or wrong bearer token",
    404: "Not found",
    409: "Conflict",
    503: "ADMIN_TOKEN is not configured",
  };
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: text[s] as string, content: { "application/json": { schema: ErrorBody } } },
    ]),
  ) as Record<
    (typeof statuses)[number],
    { description: string; content: { "application/json": { schema: typeof ErrorBody } } }
  >;
}
