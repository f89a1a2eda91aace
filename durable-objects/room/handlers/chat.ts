/** Chat: room_broadcast (200), directed_data (201), and the dot commands they may carry (§8, §8.1). */

import { addressOf } from "../../../edge/abuse/address.ts";
import { MessageType } from "../../../protocol/message-types.ts";
import { type DirectedDataMessage, type RoomBroadcastMessage, ServerMessageCode } from "../../../protocol/messages.ts";
import type { ChatVerdict } from "../chat-guard.ts";
import { parseDotCommand, runDotCommand } from "../commands/index.ts";
import { auditTarget } from "../commands/staff.ts";
import type { RoomCore } from "../core.ts";
import { droppedByGag, whisperStopped } from "../moderation.ts";
import { blueMessage, relayedChat, serverMessage } from "../packets.ts";
import { nickOf } from "../player.ts";
import type { PlayerConnection } from "../state.ts";
import type { Handler } from "./handler.ts";

export const chat: Handler<RoomBroadcastMessage | DirectedDataMessage> = (room, conn, msg) => {
  const player = conn.player;
  const now = room.services.now();
  // Dot commands are lines too: a flood of ".who" costs the room as much as chat.
  const verdict = room.chatGuard.line(player.userId, addressOf(conn.clientAddress), msg.text, now, {
    target: auditTarget(conn),
    roomId: room.config.id,
  });
  // A promise only when the room asks the address's limiter for more lines (chat-guard.ts).
  if (verdict instanceof Promise) return verdict.then((v) => judged(room, conn, msg, v, now));
  return judged(room, conn, msg, verdict, now);
};

function judged(
  room: RoomCore,
  conn: PlayerConnection,
  msg: RoomBroadcastMessage | DirectedDataMessage,
  verdict: ChatVerdict,
  now: number,
): void | Promise<void> {
  const player = conn.player;
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
}
