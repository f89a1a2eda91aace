import type { DotCommand } from "./command.ts";
import { actorOf, auditTarget, OUTRANKED, outranks, targetName } from "./staff.ts";
import { NO_TARGET, takeTarget } from "./target.ts";

/** `.kick [reason]`: 21 with the reason, then close (GoS dot_kick); audited before it happens. */
export const kick: DotCommand = {
  name: "kick",
  level: 1,
  usage: "[player] [reason]",
  summary: "disconnects the selected player",
  run: async (ctx, params) => {
    const aimed = takeTarget(ctx, params);
    if (!aimed) return [NO_TARGET];
    const { target, rest } = aimed;
    if (!outranks(ctx, target)) return [OUTRANKED];
    const reason = rest || "Kicked by a moderator.";
    await ctx.room.services.moderation.audit({
      ...actorOf(ctx),
      action: "kick",
      target: auditTarget(target),
      reason,
    });
    await ctx.room.kick(target.player.userId, reason);
    await ctx.room.services.moderation.endSession(target.player.userId, reason);
    return [`${targetName(target)} was kicked.`];
  },
};
