import { elapsedSeconds, summarizeGame } from "../games.ts";
import type { DotCommand } from "./command.ts";

/** `.games`: the games hosted in this room, with host and elapsed time (GoS `dot_games`). */
export const games: DotCommand = {
  name: "games",
  level: 0,
  summary: "lists the games in this room",
  run: (ctx) => {
    const games = ctx.room.gameList();
    if (games.length === 0) return ["No games are currently hosted in this room."];
    return games.map((game) => {
      const s = summarizeGame(game);
      let line = `'${s.name}|p', ${s.players}/${s.maxPlayers}, |iHost:|p '${ctx.room.nickOfUser(game.hostId)}|p'`;
      // GoS marks games listed with the proxy's address.
      if (game.proxy === "proxied") line += " |i(proxied)|p";
      const elapsed = elapsedSeconds(game, ctx.now);
      if (elapsed > 0) line += `, |iElapsed:|p ${formatElapsed(elapsed)}`;
      return line;
    });
  },
};

function formatElapsed(total: number): string {
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mm = String(minutes).padStart(hours > 0 ? 2 : 1, "0");
  const ss = String(seconds).padStart(2, "0");
  return hours > 0 ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}
