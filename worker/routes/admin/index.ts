/**
 * /admin/* — the operator API: bearer ADMIN_TOKEN, or a signed-in staff member's cookie
 * (auth.ts). `/admin/docs` is the API reference page over `/admin/openapi.json`. Every route is declared with zod schemas
 * (@hono/zod-openapi), so the same schema validates the request and describes it in
 * GET /admin/openapi.json. One file per resource.
 */

import { swaggerUI } from "@hono/swagger-ui";
import { OpenAPIHono } from "@hono/zod-openapi";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import { validationHook } from "../../errors.ts";
import { audit } from "./audit.ts";
import { requireAdmin } from "./auth.ts";
import { bans } from "./bans.ts";
import { films } from "./films.ts";
import { gamePasswords } from "./game-passwords.ts";
import { games } from "./games.ts";
import { limits } from "./limits.ts";
import { moderation } from "./moderation.ts";
import { orders } from "./orders.ts";
import { rooms } from "./rooms.ts";
import { users } from "./users.ts";

/** Mount with `app.route("/admin", admin)`. */
export const admin = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

admin.use("*", requireAdmin, withConfig);
admin.route("/", users);
admin.route("/", rooms);
admin.route("/", limits);
admin.route("/", bans);
admin.route("/", moderation);
admin.route("/", audit);
admin.route("/", orders);
admin.route("/", gamePasswords);
admin.route("/", games);
admin.route("/", films);

admin.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: { title: "Myth metaserver admin API", version: "1" },
  security: [{ bearer: [] }],
});
admin.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

// The reference page itself is public HTML, the document it reads is not: a signed-in staff
// member's browser fetches it with the cookie; with the token, use "Authorize".
export const adminDocs = swaggerUI({ url: "/admin/openapi.json", title: "Myth metaserver admin API" });
