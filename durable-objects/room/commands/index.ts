/**
 * The dot-command table (§8.1). Adding a command is one module and one row here.
 */
import type { CommandContext, DotCommand } from "./command.ts";
import { games } from "./games.ts";
import { help } from "./help.ts";
import { proxy } from "./proxy.ts";
import { test } from "./test.ts";

export const COMMANDS: readonly DotCommand[] = [help, games, proxy, test];

/** The command name and its parameters, or null when the text is ordinary chat. */
export function parseDotCommand(text: string): { name: string; params: string } | null {
  if (text.length < 2 || text[0] !== "." || !/[A-Za-z]/.test(text[1] as string)) return null;
  const body = text.slice(1);
  const space = body.indexOf(" ");
  return space < 0 ? { name: body, params: "" } : { name: body.slice(0, space), params: body.slice(space + 1) };
}

/** Blue-bar lines answering the command; unknown commands answer as GoS does. */
export function runDotCommand(name: string, params: string, ctx: Omit<CommandContext, "commands">): string[] {
  const command = COMMANDS.find((c) => c.name === name.toLowerCase());
  if (!command) return [`Unknown command '.${name}'.`];
  return command.run({ ...ctx, commands: COMMANDS }, params);
}
