/**
 * The Worker's HTTP app: health, public status, the bridge tunnel, the admin API, the staff dashboard and the player web account, with one
 * error policy (worker/errors.ts: every failure is JSON `{"error"}` with its status).
 */
import { Hono } from "hono";
import type { AppEnv } from "./context.ts";
import { notFound, onError } from "./errors.ts";
import { account } from "./routes/account/index.ts";
import { admin, adminDocs } from "./routes/admin/index.ts";
import { results } from "./routes/api/results.ts";
import { dashboard } from "./routes/dashboard/index.ts";
import { films } from "./routes/films.ts";
import { health } from "./routes/health.ts";
import { metrics } from "./routes/metrics.ts";
import { publicPages } from "./routes/public/index.ts";
import { status } from "./routes/status.ts";
import { tunnel } from "./routes/tunnel.ts";

export const app = new Hono<AppEnv>();

app.onError(onError);
app.notFound(notFound);

app.route("/", health);
app.route("/", status);
app.route("/", metrics);
app.route("/", publicPages);
app.route("/", tunnel);
app.route("/", account);
// The API reference page and the dashboard first: what they do not answer falls through to the API.
app.get("/admin/docs", adminDocs);
app.get("/admin", (c) => c.redirect("/admin/", 301));
app.route("/", dashboard);
app.route("/", results);
app.route("/", films);
app.route("/admin", admin);
