/**
 * Parses the configuration once per request and puts it on the context (`c.var.config`). An
 * invalid Worker var throws ConfigError, which app.onError answers with 500 naming the var.
 */
import type { MiddlewareHandler } from "hono";
import { loadConfig } from "../edge/config.ts";
import type { AppEnv } from "./context.ts";

export const withConfig: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("config", loadConfig(c.env));
  await next();
};
