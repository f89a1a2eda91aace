/** Chat: room_broadcast (200), directed_data (201), and the dot commands they may carry (§8, §8.1). */
import { MessageType } from "../../../protocol/message-types.ts";
import { type DirectedDataMessage, type RoomBroadcastMessage, ServerMessageCode } from "../../../protocol/messages.ts";
import { parseDotCommand, runDotCommand } from "../commands/index.ts";
import { blueMessage, relayedChat, serverMessage } from "../packets.ts";
import { nickOf } from "../player.ts";
import type { Handler } from "./handler.ts";

export const chat: Handler<RoomBroadcastMessage | DirectedDataMessage> = (room, conn, msg) => {
  const player = conn.player;
  const command = parseDotCommand(msg.text);
  if (command) {
    const lines = runDotCommand(command.name, command.params, {
      caller: player,
      games: room.gameList(),
      nickOf: (id) => room.nickOfUser(id),
      now: room.services.now(),
      saveCaller: () => room.save(conn),
      hostCheck: (port, mode) => room.out.hostCheck(conn.id, port, mode),
    });
    for (const line of lines) room.reply(conn, blueMessage(line));
    return;
  }
  // Never relay a forged sender: id and name are the ones the room vouches for (GoS).
  const packet = relayedChat(msg, player.userId, nickOf(player));
  if (msg.type === MessageType.RoomBroadcast) {
    room.broadcast(packet);
    return;
  }
  const target = room.findPlayer(msg.targetPlayerId);
  if (!target) {
    room.reply(conn, serverMessage(ServerMessageCode.PlayerNotInRoom, player.dialect));
    return;
  }
  room.reply(target, packet);
  if (msg.echo && msg.targetPlayerId !== player.userId) room.reply(conn, packet);
};
