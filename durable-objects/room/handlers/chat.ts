/** Chat: room_broadcast (200), directed_data (201), and the dot commands they may carry (§8, §8.1). */

import { addressOf } from "../../../edge/abuse/address.ts";
import { MessageType } from "../../../protocol/message-types.ts";
import { type DirectedDataMessage, type RoomBroadcastMessage, ServerMessageCode } from "../../../protocol/messages.ts";
import { parseDotCommand, runDotCommand } from "../commands/index.ts";
import { auditTarget } from "../commands/staff.ts";
import { droppedByGag, whisperStopped } from "../moderation.ts";
import { blueMessage, relayedChat, serverMessage } from "../packets.ts";
import { nickOf } from "../player.ts";
import type { Handler } from "./handler.ts";

export const chat: Handler<RoomBroadcastMessage | DirectedDataMessage> = (room, conn, msg) => {
  const player = conn.player;
  const now = room.services.now();
  // Dot commands are lines too: a flood of ".who" costs the room as much as chat.
  const verdict = room.chatGuard.line(player.userId, addressOf(conn.clientAddress), msg.text, now, {
    target: auditTarget(conn),
    roomId: room.config.id,
  });
  if (verdict.kind === "kick") return room.kick(player.userId, verdict.reason).then(() => {});
  if (verdict.kind === "drop") {
    // The sender hears why even when deaf: it is about its own lines.
    if (verdict.tell) room.out.send(conn.id, blueMessage(verdict.tell));
    return;
  }
  const command = parseDotCommand(msg.text);
  if (command) return runDotCommand(room, conn, msg, command);
  if (droppedByGag(room, conn)) return;
  // Never relay a forged sender: id and name are the ones the room vouches for (GoS).
  const packet = relayedChat(msg, player.userId, nickOf(player));
  if (msg.type === MessageType.RoomBroadcast) {
    room.broadcastChat(packet, player.userId);
    return;
  }
  const target = room.findPlayer(msg.targetPlayerId);
  if (!target) {
    room.reply(conn, serverMessage(ServerMessageCode.PlayerNotInRoom, player.dialect));
    return;
  }
  // The target's budget is shared by every sender: a whisper bomb is cut, the victim stays.
  if (!room.chatGuard.whisperTo(target.player.userId, player.userId, now)) return;
  if (!whisperStopped(room, conn, target)) room.reply(target, packet);
  if (msg.echo && msg.targetPlayerId !== player.userId) room.reply(conn, packet);
};
