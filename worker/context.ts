/** The Hono environment every route of the Worker shares. */
import type { EdgeConfig } from "../edge/config.ts";
import type { WebSession } from "./web/session.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Parsed once per request by the config middleware (worker/app.ts). */
    config: EdgeConfig;
    /** Set when a signed-in staff member (not the bearer token) makes an admin request. */
    staff?: WebSession;
  };
}
