/**
 * Dot commands (§8.1): chat text starting with '.' and a letter is a command, never relayed.
 * Minimal set for now: `.help` and `.games`; answers are blue-bar lines (10) to the caller.
 */
import { elapsedSeconds, type Game, summarizeGame } from "./games.ts";

/** The command name and its parameters, or null when the text is ordinary chat. */
export function parseDotCommand(text: string): { name: string; params: string } | null {
  if (text.length < 2 || text[0] !== "." || !/[A-Za-z]/.test(text[1] as string)) return null;
  const body = text.slice(1);
  const space = body.indexOf(" ");
  return space < 0 ? { name: body, params: "" } : { name: body.slice(0, space), params: body.slice(space + 1) };
}

export interface DotContext {
  readonly games: readonly Game[];
  /** Host nick by user id (for `.games`). */
  readonly nickOf: (userId: number) => string;
  readonly now: number;
}

/** Blue-bar lines answering the command. */
export function runDotCommand(name: string, ctx: DotContext): string[] {
  switch (name.toLowerCase()) {
    case "help":
      return ["Available commands:", ".help .games"];
    case "games":
      return gamesLines(ctx);
    default:
      return [`Unknown command '.${name}'.`];
  }
}

function gamesLines(ctx: DotContext): string[] {
  if (ctx.games.length === 0) return ["No games are currently hosted in this room."];
  return ctx.games.map((game) => {
    const s = summarizeGame(game.data);
    let line = `'${s.name}|p', ${s.players}/${s.maxPlayers}, |iHost:|p '${ctx.nickOf(game.hostId)}|p'`;
    const elapsed = elapsedSeconds(game, ctx.now);
    if (elapsed > 0) line += `, |iElapsed:|p ${formatElapsed(elapsed)}`;
    return line;
  });
}

function formatElapsed(total: number): string {
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mm = String(minutes).padStart(hours > 0 ? 2 : 1, "0");
  const ss = String(seconds).padStart(2, "0");
  return hours > 0 ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}
