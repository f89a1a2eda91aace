/**
 * The message table of a room: message type → handler, one module per area. Adding a message
 * is one handler and one row here. Types without a row (login-server messages 100, 106, 108,
 * 109, 115, and 203) have no place in a room: syntax error and close.
 */
import { MessageType as T } from "../../../protocol/message-types.ts";
import { type Message, ServerMessageCode } from "../../../protocol/messages.ts";
import type { RoomCore } from "../core.ts";
import { serverMessage } from "../packets.ts";
import type { PlayerConnection } from "../state.ts";
import { chat } from "./chat.ts";
import { recordingCommand, recordingEnd, recordingHeader } from "./films.ts";
import { createGame, gamePlayerList, gameScore, removeGame, startGame } from "./games.ts";
import { type Handler, type HandlerTable, ignore } from "./handler.ts";
import { requestFullUpdate, setPlayerData, setPlayerMode } from "./players.ts";
import { updatePlayerInformation } from "./profile.ts";
import { playerInfo } from "./queries.ts";
import { logout, roomLoginAgain } from "./session.ts";
import { buddyQuery, gameSearch, orderQuery, playerSearch, updateBuddy } from "./social.ts";

export { handleBeforeLogin } from "./session.ts";

export const HANDLERS: HandlerTable = {
  [T.RoomBroadcast]: chat,
  [T.DirectedData]: chat,
  [T.SetPlayerData]: setPlayerData,
  [T.SetPlayerMode]: setPlayerMode,
  [T.RequestFullUpdate]: requestFullUpdate,
  [T.CreateGame]: createGame,
  [T.RemoveGame]: removeGame,
  [T.StartGame]: startGame,
  [T.GamePlayerList]: gamePlayerList,
  [T.GameScore]: gameScore,
  [T.PlayerInfoQuery]: playerInfo,
  [T.GameSearchQuery]: gameSearch,
  [T.PlayerSearchQuery]: playerSearch,
  [T.BuddyQuery]: buddyQuery,
  [T.OrderQuery]: orderQuery,
  [T.UpdateBuddy]: updateBuddy,
  [T.Logout]: logout,
  [T.RoomLogin]: roomLoginAgain,
  [T.Keepalive]: ignore,
  [T.ResetGame]: ignore,
  [T.UpdatePlayerInformation]: updatePlayerInformation,
  [T.RecordingStreamHeader]: recordingHeader,
  [T.RecordingStreamCommand]: recordingCommand,
  [T.RecordingStreamEnd]: recordingEnd,
};

export function handleMessage(
  room: RoomCore,
  conn: PlayerConnection,
  msg: Message,
  packet: Uint8Array,
): void | Promise<void> {
  const handler = HANDLERS[msg.type] as Handler | undefined;
  if (!handler) return room.drop(conn, serverMessage(ServerMessageCode.SyntaxError, conn.player.dialect));
  return handler(room, conn, msg, packet);
}
