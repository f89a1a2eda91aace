import type { DotCommand } from "./command.ts";

/** `.help`: only the commands the caller may use, one line each. */
export const help: DotCommand = {
  name: "help",
  level: 0,
  summary: "lists the commands you may use",
  run: (ctx) => [
    "Available commands:",
    ...ctx.commands.map((c) => {
      const names = [c.name, ...(c.aliases ?? [])].map((n) => `.${n}`).join(" / ");
      return `${names}${c.usage ? ` ${c.usage}` : ""} - ${c.summary}`;
    }),
  ],
};
