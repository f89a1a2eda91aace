import { MAX_GAG_MINUTES, placeGag } from "../moderation.ts";
import type { DotCommand } from "./command.ts";
import { actorOf, auditTarget, OUTRANKED, outranks, targetName } from "./staff.ts";
import { NO_TARGET, takeTarget } from "./target.ts";

/** `.gag <minutes> [reason]`: the player's chat in this room is dropped until then, and they are told (Bungie's gag). */
export const gag: DotCommand = {
  name: "gag",
  level: 1,
  usage: "[player] <minutes> [reason]",
  summary: "silences the selected player in this room",
  run: async (ctx, params) => {
    const aimed = takeTarget(ctx, params);
    if (!aimed) return [NO_TARGET];
    const { target, rest } = aimed;
    const m = /^(\d+)\s*(.*)$/.exec(rest);
    if (!m) return ["Usage: .gag <minutes> [reason]"];
    const minutes = Math.min(Number(m[1]), MAX_GAG_MINUTES);
    if (minutes < 1) return ["Usage: .gag <minutes> [reason] (at least 1 minute)"];
    if (!outranks(ctx, target)) return [OUTRANKED];
    const reason = m[2] ?? "";
    await ctx.room.services.moderation.audit({
      ...actorOf(ctx),
      action: "gag",
      target: auditTarget(target),
      reason,
      detail: { ...actorOf(ctx).detail, minutes },
    });
    placeGag(ctx.room, target.player.userId, minutes, reason, ctx.now);
    return [`${targetName(target)} is gagged for ${minutes} minute${minutes === 1 ? "" : "s"}.`];
  },
};

/** `.ungag`: lifts the selected player's gag here. */
export const ungag: DotCommand = {
  name: "ungag",
  level: 1,
  usage: "[player]",
  summary: "lifts the selected player's gag",
  run: async (ctx, params) => {
    const aimed = takeTarget(ctx, params);
    if (!aimed) return [NO_TARGET];
    const { target } = aimed;
    if (!ctx.room.moderation.gags[target.player.userId]) return [`${targetName(target)} is not gagged.`];
    await ctx.room.services.moderation.audit({ ...actorOf(ctx), action: "ungag", target: auditTarget(target) });
    delete ctx.room.moderation.gags[target.player.userId];
    ctx.room.saveModeration();
    ctx.room.say(target, "You may chat again.");
    return [`${targetName(target)} may chat again.`];
  },
};
