/** What moderation commands share: the audit row they write first, and who may act on whom. */
import type { AuditEntry } from "../../../edge/moderation/rules.ts";
import { userActor } from "../../../edge/moderation/rules.ts";
import type { PlayerConnection } from "../state.ts";
import type { CommandContext } from "./command.ts";

/** The audit fields every in-room action shares: the caller, its address, this room. */
export function actorOf(ctx: CommandContext): Omit<AuditEntry, "action" | "target" | "reason"> {
  return {
    actor: userActor(ctx.caller.userId),
    actorAddress: hostOf(ctx.conn.clientAddress),
    roomId: ctx.room.config.id,
    detail: { actorName: ctx.caller.userName },
  };
}

/** Staff cannot be acted on by staff of a lower or the same level (a moderator cannot kick an admin). */
export function outranks(ctx: CommandContext, target: PlayerConnection): boolean {
  return target.player.userId === ctx.caller.userId || ctx.caller.adminLevel > target.player.adminLevel;
}

export const OUTRANKED = "You cannot do that to a staff member of your level or above.";

/** "ipv4:port" → "ipv4". */
export function hostOf(clientAddress: string): string {
  const colon = clientAddress.lastIndexOf(":");
  return colon < 0 ? clientAddress : clientAddress.slice(0, colon);
}

export function targetName(t: PlayerConnection): string {
  return t.player.playerData.nick;
}

/** "user:12" for accounts, "guest:<name>" for guests (the audit log's target column). */
export function auditTarget(t: PlayerConnection): string {
  return t.player.guest ? `guest:${t.player.userName}` : userActor(t.player.userId);
}
