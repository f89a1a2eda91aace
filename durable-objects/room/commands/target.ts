/** Who a moderation command is aimed at: the selected player (§8.1), else a player-name argument. */
import { normalizeUserName } from "../../../protocol/text.ts";
import type { RoomCore } from "../core.ts";
import { nickOf } from "../player.ts";
import type { PlayerConnection } from "../state.ts";
import type { CommandContext } from "./command.ts";

export const NO_TARGET = "You must first select a player by clicking on their name, or give their name.";

/**
 * The selected player with all of `params`, or — when nobody is selected — the player named by
 * the first word (nick or login name, case and formatting ignored) with the rest.
 */
export function takeTarget(ctx: CommandContext, params: string): { target: PlayerConnection; rest: string } | null {
  if (ctx.selected) return { target: ctx.selected, rest: params.trim() };
  const [first, ...rest] = params.trim().split(/\s+/);
  if (!first) return null;
  const target = findByName(ctx.room, first);
  return target ? { target, rest: rest.join(" ") } : null;
}

export function findByName(room: RoomCore, name: string): PlayerConnection | undefined {
  const key = normalizeUserName(name);
  if (key === "") return undefined;
  return room
    .roster()
    .find((c) => normalizeUserName(nickOf(c.player)) === key || normalizeUserName(c.player.userName) === key);
}
