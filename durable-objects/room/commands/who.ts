import { formatUtc } from "../../../edge/moderation/rules.ts";
import { gameOf } from "../../../protocol/families.ts";
import type { DotCommand } from "./command.ts";

/** Most names one room's line shows (a blue line holds 1023 characters; the rest is counted). */
const MAX_NAMES = 40;

/**
 * `.who` / `.online`: who is online in every room of this game, and a count for the other
 * games (a cross-game view no reference server has).
 */
export const who: DotCommand = {
  name: "who",
  // Aleph One's client answers .who and .available itself; should they arrive, they get this.
  aliases: ["online", "available", "avail"],
  level: 0,
  summary: "who is online in every room",
  run: async (ctx) => {
    const online = await ctx.room.services.moderation.online();
    const rooms = ctx.room.services.edgeConfig().rooms;
    const game = ctx.room.config.game;
    const lines: string[] = [];
    for (const room of rooms.filter((r) => r.game === game)) {
      const here = online.filter((p) => p.roomId === room.id);
      if (here.length === 0) continue;
      const names = here.slice(0, MAX_NAMES).map((p) => p.nick);
      const more = here.length > MAX_NAMES ? ` and ${here.length - MAX_NAMES} more` : "";
      lines.push(`${room.name} (${here.length}): ${names.join(", ")}${more}`);
    }
    if (lines.length === 0) lines.push("Nobody is in a room of this game.");
    const others = new Map<string, number>();
    for (const p of online) {
      const g = gameOf(p.dialect);
      if (g !== game) others.set(g, (others.get(g) ?? 0) + 1);
    }
    if (others.size > 0) lines.push(`Other games: ${[...others].map(([g, n]) => `${g} ${n}`).join(", ")}`);
    return lines;
  },
};

/** `.time`: the server's clock (GoS `.time`). */
export const time: DotCommand = {
  name: "time",
  level: 0,
  summary: "the server's time",
  run: (ctx) => [`Server time: ${formatUtc(ctx.now)}`],
};

/** `.about` / `.credits` (A1S). */
export const about: DotCommand = {
  name: "about",
  aliases: ["credits"],
  level: 0,
  summary: "about this server",
  run: () => [
    "Myth metaserver: a rebuild on Cloudflare Workers, speaking the protocol of Bungie.net, Gate of Storms and the Aleph One metaserver.",
  ],
};
