/**
 * A dot command (§8.1): chat text starting with '.' and a letter, never relayed. Each command is
 * a module with a row in commands/index.ts; it names the staff level it needs (edge/moderation/
 * levels.ts), gets a context and returns blue-bar lines for the caller. Commands with effects
 * (kicks, bans, gags) write their audit row through the room's services and await it before
 * they act and answer.
 */
import type { HostCheckMode } from "../../../tunnel/mux.ts";
import type { RoomCore } from "../core.ts";
import type { PlayerConnection, PlayerState } from "../state.ts";

export interface CommandContext {
  readonly room: RoomCore;
  readonly conn: PlayerConnection;
  readonly caller: PlayerState;
  /**
   * The player the command is aimed at by the family's rule (§8.1): GoS only through a command
   * sent as a private message (201, its target id); Bungie-era and Aleph One clients also
   * through the chat header's selected player. A player-name argument is the fallback
   * (commands/target.ts).
   */
  readonly selected: PlayerConnection | undefined;
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
  readonly aliases?: readonly string[];
  /** Lowest admin level that may run it: 0 everyone, 1 moderators, 2 admins. */
  readonly level: number;
  /** `.help`'s line: the arguments, then what it does. */
  readonly usage?: string;
  readonly summary: string;
  run(ctx: CommandContext, params: string): string[] | Promise<string[]>;
}
