import { levelName } from "../../../edge/moderation/levels.ts";
import { gagOf } from "../moderation.ts";
import type { DotCommand } from "./command.ts";
import { hostOf } from "./staff.ts";
import { NO_TARGET, takeTarget } from "./target.ts";

/**
 * `.info` / `.caste`: the selected player's public info; staff also see id, client version and
 * build, and address (GoS `.info`).
 */
export const info: DotCommand = {
  name: "info",
  aliases: ["caste"],
  level: 0,
  usage: "[player]",
  summary: "shows the selected player's info",
  run: (ctx, params) => {
    const aimed = takeTarget(ctx, params);
    if (!aimed) return [NO_TARGET];
    const t = aimed.target;
    const p = t.player;
    const lines = [
      `${p.playerData.nick}${p.playerData.team ? ` (${p.playerData.team})` : ""}: ${p.guest ? "guest" : "registered"}, ${levelName(p.adminLevel)}`,
    ];
    if (ctx.caller.adminLevel >= 1) {
      lines.push(
        `id ${p.userId}, login '${p.userName}', client ${p.dialect} version ${p.playerData.gameVersion} build ${p.build}, address ${hostOf(t.clientAddress)}`,
      );
      const gag = gagOf(ctx.room, p.userId);
      if (gag) lines.push(`gagged until ${new Date(gag.until).toISOString()}`);
    }
    return lines;
  },
};
