/** The Hono environment every route of the Worker shares. */
import type { EdgeConfig } from "../edge/config.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Parsed once per request by the config middleware (worker/app.ts). */
    config: EdgeConfig;
  };
}
