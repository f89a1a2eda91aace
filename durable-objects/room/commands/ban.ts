import type { NewBan } from "../../../edge/moderation/rules.ts";
import type { DotCommand } from "./command.ts";
import { actorOf, hostOf, OUTRANKED, outranks, targetName } from "./staff.ts";
import { NO_TARGET, takeTarget } from "./target.ts";

/** GoS `.ban`'s default length. */
const DEFAULT_BAN_DAYS = 7;
const DAY_MS = 86_400_000;

/** "[days] [reason]" → expiry (null = permanent, days 0) and reason. */
function lengthAndReason(rest: string, now: number): { expiresAt: number | null; reason: string } {
  const m = /^(\d+)(?:\s+(.*))?$/.exec(rest);
  const days = m ? Number(m[1]) : DEFAULT_BAN_DAYS;
  const reason = (m ? (m[2] ?? "") : rest).trim();
  return { expiresAt: days === 0 ? null : now + days * DAY_MS, reason };
}

type Aimed = NonNullable<ReturnType<typeof takeTarget>>["target"];

/** `.ban` and `.banip` differ only in what they ban; both aim, check rank, read "[days] [reason]". */
function banCommand(
  command: Pick<DotCommand, "name" | "usage" | "summary">,
  what: (target: Aimed, reason: string, expiresAt: number | null) => { input: NewBan; shown: string },
): DotCommand {
  return {
    ...command,
    level: 2,
    run: async (ctx, params) => {
      const aimed = takeTarget(ctx, params);
      if (!aimed) return [NO_TARGET];
      const { target, rest } = aimed;
      if (!outranks(ctx, target) || target.player.userId === ctx.caller.userId) return [OUTRANKED];
      const { expiresAt, reason } = lengthAndReason(rest, ctx.now);
      const { input, shown } = what(target, reason, expiresAt);
      const result = await ctx.room.services.moderation.ban(input, actorOf(ctx));
      if (!result.ok) return [result.message];
      return [`${shown} banned. ${result.text}`];
    },
  };
}

/** `.ban [days] [reason]`: the selected player's account (a guest: its name); 7 days by default, 0 = permanent. */
export const ban = banCommand(
  {
    name: "ban",
    usage: "[player] [days] [reason]",
    summary: "bans the selected player (default 7 days, 0 = for good)",
  },
  (target, reason, expiresAt) => ({
    input: target.player.guest
      ? { kind: "guest", guestName: target.player.userName, reason, expiresAt }
      : { kind: "account", userId: target.player.userId, reason, expiresAt },
    shown: targetName(target),
  }),
);

/** `.banip [days] [reason]`: the selected player's address (everyone logging in from it, guests too). */
export const banip = banCommand(
  { name: "banip", usage: "[player] [days] [reason]", summary: "bans the selected player's address" },
  (target, reason, expiresAt) => ({
    input: { kind: "address", address: hostOf(target.clientAddress), reason, expiresAt },
    shown: `${targetName(target)}'s address`,
  }),
);

/** `.unban <name>`: lifts the account bans in force for that login name. */
export const unban: DotCommand = {
  name: "unban",
  level: 2,
  usage: "<name>",
  summary: "lifts the bans of an account",
  run: async (ctx, params) => {
    const name = params.trim();
    if (!name) return ["Usage: .unban <name>"];
    const lifted = await ctx.room.services.moderation.unban(name, actorOf(ctx));
    if (lifted === null) return [`No account named '${name}'.`];
    if (lifted === 0) return [`'${name}' is not banned.`];
    return [`'${name}' is no longer banned.`];
  },
};
