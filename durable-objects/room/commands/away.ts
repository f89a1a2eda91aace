import { Verb } from "../../../protocol/messages.ts";
import { relayedChat } from "../packets.ts";
import { nickOf, playerListPacket } from "../player.ts";
import type { CommandContext, DotCommand } from "./command.ts";

/** Away shows as A1S does: Aleph One clients get the player's entry without "not away"; Myth clients hear "(away)" when they whisper. */
function setAway(ctx: CommandContext, away: string | undefined): void {
  const p = ctx.caller;
  if (away === undefined) delete p.away;
  else p.away = away;
  ctx.room.save(ctx.conn);
  if (p.listed) ctx.room.broadcast(playerListPacket(p, Verb.Change));
}

/** `.afk [message]`. */
export const afk: DotCommand = {
  name: "afk",
  level: 0,
  usage: "[message]",
  summary: "marks you away",
  run: (ctx, params) => {
    setAway(ctx, params.trim());
    return ["You are marked away. Type .back when you return."];
  },
};

/** `.back`. */
export const back: DotCommand = {
  name: "back",
  level: 0,
  summary: "you are back",
  run: (ctx) => {
    if (ctx.caller.away === undefined) return ["You were not away."];
    setAway(ctx, undefined);
    return ["Welcome back."];
  },
};

/**
 * `.me <action>` / `.action`: an action line to the room as chat from the player, written
 * "*action*" (our choice: every client shows chat as "name: text").
 */
export const me: DotCommand = {
  name: "me",
  aliases: ["action"],
  level: 0,
  usage: "<action>",
  summary: "an action line to the room",
  run: (ctx, params) => {
    const action = params.trim();
    if (!action) return ["Usage: .me <action>"];
    const p = ctx.caller;
    const packet = relayedChat(
      {
        type: 200,
        header: { chatType: 0, color: p.playerData.primaryColor, flags: 0, playerId: p.userId, selectedPlayerId: 0 },
        senderName: nickOf(p),
        text: `*${action}*`,
      },
      p.userId,
      nickOf(p),
    );
    ctx.room.broadcastChat(packet, p.userId);
    return [];
  },
};
