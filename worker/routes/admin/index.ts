/**
 * /admin/* — the operator API, bearer ADMIN_TOKEN. Every route is declared with zod schemas
 * (@hono/zod-openapi), so the same schema validates the request and describes it in
 * GET /admin/openapi.json. One file per resource.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { requireBearer } from "../../bearer.ts";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import { validationHook } from "../../errors.ts";
import { films } from "./films.ts";
import { rooms } from "./rooms.ts";
import { users } from "./users.ts";

/** Mount with `app.route("/admin", admin)`. */
export const admin = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

admin.use("*", requireBearer("ADMIN_TOKEN"), withConfig);
admin.route("/", users);
admin.route("/", rooms);
admin.route("/", films);

admin.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: { title: "Myth metaserver admin API", version: "1" },
  security: [{ bearer: [] }],
});
admin.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
