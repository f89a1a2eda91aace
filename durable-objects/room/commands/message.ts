import type { DotCommand } from "./command.ts";
import { actorOf, auditTarget, targetName } from "./staff.ts";

/** `.message <text>`: a blue line to the selected player, or to the whole room (GoS dot_message). */
export const message: DotCommand = {
  name: "message",
  level: 1,
  usage: "<text>",
  summary: "a blue message to the selected player or the room",
  run: async (ctx, params) => {
    const text = params.trim();
    if (!text) return ["Usage: .message <text>"];
    const target = ctx.selected;
    await ctx.room.services.moderation.audit({
      ...actorOf(ctx),
      action: "message",
      target: target ? auditTarget(target) : `room:${ctx.room.config.id}`,
      detail: { ...actorOf(ctx).detail, text },
    });
    if (target) {
      ctx.room.say(target, text);
      return [`Sent to ${targetName(target)}.`];
    }
    ctx.room.roomMessage(text);
    return [];
  },
};

/** `.announce <text>`: a blue line in every room of every game. */
export const announce: DotCommand = {
  name: "announce",
  level: 1,
  usage: "<text>",
  summary: "a blue message to every room of every game",
  run: async (ctx, params) => {
    const text = params.trim();
    if (!text) return ["Usage: .announce <text>"];
    await ctx.room.services.moderation.audit({
      ...actorOf(ctx),
      action: "announce",
      target: "all",
      detail: { ...actorOf(ctx).detail, text },
    });
    const rooms = await ctx.room.services.moderation.announce(text);
    return [`Announced in ${rooms} room${rooms === 1 ? "" : "s"}.`];
  },
};
