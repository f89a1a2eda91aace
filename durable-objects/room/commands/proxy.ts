import type { DotCommand } from "./command.ts";

/**
 * `.proxy [on|off|unknown]` (GoS `dot_proxy`): overrides host-port detection for the caller's
 * next games ("unknown" probes again), then says the setting. Anything else only shows it.
 */
export const proxy: DotCommand = {
  name: "proxy",
  level: 0,
  summary: "shows or sets your host proxy setting (on, off, unknown)",
  run: (ctx, params) => {
    const wanted = params.trim().toLowerCase();
    if (wanted === "on" || wanted === "off" || wanted === "unknown") {
      ctx.caller.hostProxy = wanted;
      ctx.saveCaller();
    }
    return [`Your host proxy setting is: |i${ctx.caller.hostProxy ?? "unknown"}|p`];
  },
};
