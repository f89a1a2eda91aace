/**
 * The dot-command table (§8.1). Adding a command is one module and one row here. `.help` lists
 * the rows the caller's level allows, in this order.
 */
import { familyOf } from "../../../protocol/families.ts";
import { MessageType } from "../../../protocol/message-types.ts";
import type { DirectedDataMessage, RoomBroadcastMessage } from "../../../protocol/messages.ts";
import type { RoomCore } from "../core.ts";
import type { PlayerConnection } from "../state.ts";
import { afk, back, me } from "./away.ts";
import { ban, banip, unban } from "./ban.ts";
import type { DotCommand } from "./command.ts";
import { gag, ungag } from "./gag.ts";
import { games } from "./games.ts";
import { help } from "./help.ts";
import { info } from "./info.ts";
import { kick } from "./kick.ts";
import { block, blocklist, mute, mutelist, unblock, unmute } from "./lists.ts";
import { lock, unlock } from "./lock.ts";
import { announce, message } from "./message.ts";
import { proxy } from "./proxy.ts";
import { test } from "./test.ts";
import { about, time, who } from "./who.ts";

export const COMMANDS: readonly DotCommand[] = [
  help,
  games,
  proxy,
  test,
  time,
  who,
  info,
  afk,
  back,
  me,
  mute,
  unmute,
  mutelist,
  block,
  unblock,
  blocklist,
  about,
  kick,
  gag,
  ungag,
  message,
  announce,
  ban,
  banip,
  unban,
  lock,
  unlock,
];

/** The command name and its parameters, or null when the text is ordinary chat. */
export function parseDotCommand(text: string): { name: string; params: string } | null {
  if (text.length < 2 || text[0] !== "." || !/[A-Za-z]/.test(text[1] as string)) return null;
  const body = text.slice(1);
  const space = body.indexOf(" ");
  return space < 0 ? { name: body, params: "" } : { name: body.slice(0, space), params: body.slice(space + 1) };
}

export function findCommand(name: string): DotCommand | undefined {
  const key = name.toLowerCase();
  return COMMANDS.find((c) => c.name === key || c.aliases?.includes(key));
}

/**
 * The player a command is aimed at (§8.1): a 201's header target for every family; GoS takes
 * no other (sent as 200 it has none), Bungie-era and Aleph One clients also the chat header's
 * selected player.
 */
export function selectedPlayer(
  room: RoomCore,
  conn: PlayerConnection,
  msg: RoomBroadcastMessage | DirectedDataMessage,
): PlayerConnection | undefined {
  if (msg.type === MessageType.DirectedData) return room.findPlayer(msg.targetPlayerId);
  if (familyOf(conn.player.dialect) === "gos") return undefined;
  const id = msg.header.selectedPlayerId;
  return id ? room.findPlayer(id) : undefined;
}

/**
 * Runs a dot command and answers the caller with blue-bar lines. Unknown commands answer as
 * GoS does; one above the caller's level says so. A command that fails (D1 down) answers that
 * it failed: nothing is acknowledged that was not done.
 */
export async function runDotCommand(
  room: RoomCore,
  conn: PlayerConnection,
  msg: RoomBroadcastMessage | DirectedDataMessage,
  parsed: { name: string; params: string },
): Promise<void> {
  const caller = conn.player;
  const command = findCommand(parsed.name);
  let lines: string[];
  if (!command) lines = [`Unknown command '.${parsed.name}'.`];
  else if (caller.adminLevel < command.level)
    lines = [`Only ${command.level >= 2 ? "admins" : "moderators"} may use '.${command.name}'.`];
  else {
    try {
      lines = await command.run(
        {
          room,
          conn,
          caller,
          selected: selectedPlayer(room, conn, msg),
          now: room.services.now(),
          commands: COMMANDS.filter((c) => c.level <= caller.adminLevel),
          saveCaller: () => room.save(conn),
          hostCheck: (port, mode) => room.out.hostCheck(conn.id, port, mode),
        },
        parsed.params,
      );
    } catch (e) {
      console.error(`room: .${command.name} failed`, e);
      lines = [`'.${command.name}' failed; nothing was done. Try again later.`];
    }
  }
  if (room.isOpen(conn)) for (const line of lines) room.say(conn, line);
}
