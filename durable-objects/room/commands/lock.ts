import type { DotCommand } from "./command.ts";
import { actorOf } from "./staff.ts";

function setLock(locked: boolean): DotCommand["run"] {
  return async (ctx) => {
    if (ctx.room.moderation.locked === locked) return [`The room is already ${locked ? "locked" : "open"}.`];
    await ctx.room.services.moderation.audit({
      ...actorOf(ctx),
      action: locked ? "room.lock" : "room.unlock",
      target: `room:${ctx.room.config.id}`,
    });
    ctx.room.moderation.locked = locked;
    ctx.room.saveModeration();
    return [locked ? "The room is locked: only staff may join." : "The room is open again."];
  };
}

/**
 * `.lock`: no new joins (staff excepted) until `.unlock`; who is in stays. The same state as
 * PATCH /admin/rooms/:id `locked` and the dashboard's checkbox (edge/staff-actions.ts configureRoom).
 */
export const lock: DotCommand = { name: "lock", level: 2, summary: "no new joins in this room", run: setLock(true) };
export const unlock: DotCommand = { name: "unlock", level: 2, summary: "lets players join again", run: setLock(false) };
