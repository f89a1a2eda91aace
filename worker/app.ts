/**
 * The Worker's HTTP app: health, public status, the bridge tunnel and the admin API, with one
 * error policy (worker/errors.ts: every failure is JSON `{"error"}` with its status).
 */
import { Hono } from "hono";
import type { AppEnv } from "./context.ts";
import { notFound, onError } from "./errors.ts";
import { admin } from "./routes/admin/index.ts";
import { films } from "./routes/films.ts";
import { health } from "./routes/health.ts";
import { status } from "./routes/status.ts";
import { tunnel } from "./routes/tunnel.ts";

export const app = new Hono<AppEnv>();

app.onError(onError);
app.notFound(notFound);

app.route("/", health);
app.route("/", status);
app.route("/", tunnel);
app.route("/", films);
app.route("/admin", admin);
