import type { PlayerState } from "../state.ts";
import type { CommandContext, DotCommand } from "./command.ts";
import { NO_TARGET, takeTarget } from "./target.ts";

type Kind = "mutes" | "blocks";

const field = (kind: Kind): "muted" | "blocked" => (kind === "mutes" ? "muted" : "blocked");

/**
 * Adds or removes the target on the caller's list. A registered caller's list about a
 * registered player is stored in D1 before the answer; guests' lists (and entries about guests,
 * whose ids are reused) last for this connection only.
 */
async function change(ctx: CommandContext, params: string, kind: Kind, on: boolean): Promise<string[]> {
  const aimed = takeTarget(ctx, params);
  if (!aimed) return [NO_TARGET];
  const { target } = aimed;
  const me: PlayerState = ctx.caller;
  if (target.player.userId === me.userId) return ["That is you."];
  const list = me[field(kind)] ?? [];
  const id = target.player.userId;
  const has = list.includes(id);
  const nick = target.player.playerData.nick;
  const word = kind === "mutes" ? "muted" : "blocked";
  if (has === on) return [`${nick} is ${on ? "already" : "not"} ${word}.`];
  if (on && list.length >= 200) return ["Your list is full."];
  if (!me.guest && !target.player.guest) await ctx.room.services.moderation.setListed(kind, me.userId, id, on);
  me[field(kind)] = on ? [...list, id] : list.filter((x) => x !== id);
  ctx.room.save(ctx.conn);
  ctx.room.invalidate();
  if (kind === "mutes") return [on ? `You no longer see ${nick}'s chat.` : `You see ${nick}'s chat again.`];
  return [on ? `${nick} can no longer send you private messages.` : `${nick} may send you private messages again.`];
}

async function show(ctx: CommandContext, kind: Kind): Promise<string[]> {
  const ids = ctx.caller[field(kind)] ?? [];
  if (ids.length === 0) return [kind === "mutes" ? "You have muted nobody." : "You have blocked nobody."];
  const stored = ctx.caller.guest ? [] : await ctx.room.services.moderation.listNames(kind, ctx.caller.userId);
  const names = ids.map((id) => stored.find((s) => s.id === id)?.name ?? ctx.room.nickOfUser(id));
  return [`${kind === "mutes" ? "Muted" : "Blocked"}: ${names.join(", ")}`];
}

/** `.mute <player>` (Aleph One's `.ignore` too): hide that player's chat from me. */
export const mute: DotCommand = {
  name: "mute",
  aliases: ["ignore"],
  level: 0,
  usage: "<player>",
  summary: "hides a player's chat from you",
  run: (ctx, params) => change(ctx, params, "mutes", true),
};
export const unmute: DotCommand = {
  name: "unmute",
  level: 0,
  usage: "<player>",
  summary: "shows a muted player's chat again",
  run: (ctx, params) => change(ctx, params, "mutes", false),
};
export const mutelist: DotCommand = {
  name: "mutelist",
  level: 0,
  summary: "the players you muted",
  run: (ctx) => show(ctx, "mutes"),
};
/** `.block <player>`: they cannot whisper me. */
export const block: DotCommand = {
  name: "block",
  level: 0,
  usage: "<player>",
  summary: "a player may not send you private messages",
  run: (ctx, params) => change(ctx, params, "blocks", true),
};
export const unblock: DotCommand = {
  name: "unblock",
  level: 0,
  usage: "<player>",
  summary: "lifts a block",
  run: (ctx, params) => change(ctx, params, "blocks", false),
};
export const blocklist: DotCommand = {
  name: "blocklist",
  level: 0,
  summary: "the players you blocked",
  run: (ctx) => show(ctx, "blocks"),
};
