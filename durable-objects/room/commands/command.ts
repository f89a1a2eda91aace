/**
 * A dot command (§8.1): chat text starting with '.' and a letter, never relayed. Each command is
 * a module with a row in commands/index.ts; it gets a context and returns blue-bar lines for
 * the caller.
 */
import type { HostCheckMode } from "../../../tunnel/mux.ts";
import type { Game } from "../games.ts";
import type { PlayerState } from "../state.ts";

export interface CommandContext {
  readonly caller: PlayerState;
  readonly games: readonly Game[];
  /** A player's nick by user id (user id as text when not in the room). */
  readonly nickOf: (userId: number) => string;
  readonly now: number;
  /** Every command the caller may use, in table order (for `.help`). */
  readonly commands: readonly DotCommand[];
  /** The caller's state changed (a setting): keep it. */
  readonly saveCaller: () => void;
  /** Asks the caller's bridge to check its game port; false when that bridge cannot. */
  readonly hostCheck: (port: number, mode: HostCheckMode) => boolean;
}

export interface DotCommand {
  readonly name: string;
  /** One line for `.help`. */
  readonly summary: string;
  run(ctx: CommandContext, params: string): string[];
}
