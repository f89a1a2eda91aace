import type { DotCommand } from "./command.ts";

/** `.help`: the commands the caller may use. */
export const help: DotCommand = {
  name: "help",
  summary: "lists the commands",
  run: (ctx) => ["Available commands:", ctx.commands.map((c) => `.${c.name}`).join(" ")],
};
