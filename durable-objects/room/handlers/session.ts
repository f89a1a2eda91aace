/** Room login (101, §7.4) and what comes before it; logout (102, §7.7). */
import { mayEnter } from "../../../edge/room-list.ts";
import { dialectsOf, familyTraits } from "../../../protocol/families.ts";
import { MessageType } from "../../../protocol/message-types.ts";
import { decodePlayerData, type Message, ServerMessageCode, Verb } from "../../../protocol/messages.ts";
import { keepaliveControl } from "../../../tunnel/control.ts";
import type { RoomCore } from "../core.ts";
import { admit } from "../moderation.ts";
import { roomLoginSuccessful, serverMessage } from "../packets.ts";
import { playerListPacket, showsCastes } from "../player.ts";
import type { Connection, PlayerConnection, PlayerState } from "../state.ts";
import type { Handler } from "./handler.ts";
import { applyPlayerData } from "./players.ts";
import { afterJoin } from "./social.ts";

/** A connection that has not logged in yet: only room_login, keepalives and an early set_player_data. */
export async function handleBeforeLogin(room: RoomCore, conn: Connection, msg: Message): Promise<void> {
  if (msg.type === MessageType.RoomLogin) return roomLogin(room, conn, msg.token);
  if (msg.type === MessageType.Keepalive) return;
  if (msg.type === MessageType.SetPlayerData) {
    // Clients send 103 right behind 101; should it arrive first, apply it after the login.
    conn.pendingPlayerData = msg.player;
    room.save(conn);
    return;
  }
  return room.drop(conn, serverMessage(ServerMessageCode.UserNotLoggedIn, null));
}

async function roomLogin(room: RoomCore, conn: Connection, token: Uint8Array): Promise<void> {
  const config = room.config;
  const redeemed = await room.services.redeem(token, conn.clientAddress);
  const user = redeemed && "refused" in redeemed ? null : redeemed;
  if (!room.isOpen(conn)) {
    // The client went away while the directory answered.
    if (user) await room.services.left(user.userId);
    return;
  }
  // A ban in force (made since the login, or covering this connection's address): code 14 with its text.
  if (redeemed && "refused" in redeemed)
    return room.drop(conn, serverMessage(ServerMessageCode.MetaserverAccountLocked, null, redeemed.refused));
  if (!user) return room.drop(conn, serverMessage(ServerMessageCode.UserNotLoggedIn, null));

  const refuse = async (code: ServerMessageCode, text?: string) => {
    await room.drop(conn, serverMessage(code, user.dialect, text));
    await room.services.left(user.userId);
  };
  // GoS refuses guests in ranked/tournament rooms with code 4 (builds ≥ 428 have 16, but the
  // room itself answers 4); a client of another game does not belong here either.
  if (!mayEnter(config, user)) return refuse(ServerMessageCode.UserNotLoggedIn);
  if (!dialectsOf(config.game).includes(user.dialect)) return refuse(ServerMessageCode.UserNotLoggedIn);
  const admission = await admit(room, user);
  if (!room.isOpen(conn)) return room.services.left(user.userId);
  if ("refusal" in admission) return refuse(admission.refusal.code, admission.refusal.text);

  // A second login of the same account kicks the first (GoS kicks the earlier session).
  for (const other of room.otherConnectionsOf(user.userId, conn)) {
    await room.drop(other, serverMessage(ServerMessageCode.AccountAlreadyLoggedIn, other.player.dialect), false);
  }
  if (room.playerCount() >= config.capacity) return refuse(ServerMessageCode.RoomFull);

  // Ranked and tournament rooms show the account's caste from its first player list entry.
  const caste = showsCastes(config) && !user.guest ? await room.services.results.casteOf(user.userId) : undefined;
  if (!room.isOpen(conn)) return room.services.left(user.userId);

  // The login server stored this block with the same codec; a bad one is a bug there.
  const playerData = decodePlayerData(user.playerData);
  if (!playerData.ok) return refuse(ServerMessageCode.SyntaxError);
  const traits = familyTraits(user.dialect);
  const player: PlayerState = {
    userId: user.userId,
    userName: user.userName,
    guest: user.guest,
    adminLevel: user.adminLevel,
    dialect: user.dialect,
    build: user.build,
    playerData: playerData.value,
    deaf: false,
    listed: traits.listedOnJoin,
    joinedAt: room.nextJoinOrder(),
    ...admission.lists,
    ...(caste === undefined ? {} : { caste }),
  };
  conn.player = player;
  room.save(conn);
  room.invalidate();
  const joined = conn as PlayerConnection;

  // The bridge sends 202s and drops silent clients itself, so the room can sleep.
  room.out.control(conn.id, keepaliveControl(traits.keepalive));
  room.out.send(conn.id, roomLoginSuccessful(player.userId, config.capacity));
  room.out.send(conn.id, serverMessage(ServerMessageCode.LoginSuccessful, player.dialect));

  if (player.listed) {
    // GoS and A1S: the others see the newcomer (A1S leaves the newcomer out), then the lists, MOTD last.
    room.broadcast(playerListPacket(player, Verb.Add), traits.seesOwnJoin ? undefined : conn.id);
    room.sendFullUpdate(conn);
    await room.reportCounts();
    await room.ensureRoomList(conn);
    room.sendJoinMessages(conn);
  } else {
    // Bungie: MOTD now, lists after the client's first set_player_data.
    room.sendJoinMessages(conn);
    await room.reportCounts();
    await room.ensureRoomList(conn);
  }
  const pending = conn.pendingPlayerData;
  if (pending && room.isOpen(conn)) {
    delete conn.pendingPlayerData;
    await applyPlayerData(room, joined, pending);
  }
  if (room.isOpen(conn)) await afterJoin(room, joined);
}

/** room_login on a connection that is already logged in. */
export const roomLoginAgain: Handler = (room, conn) =>
  room.drop(conn, serverMessage(ServerMessageCode.UserAlreadyLoggedIn, conn.player.dialect));

/** logout (102): Bungie answers "logged out" and removes the player; A1S closes; GoS ignores it (§7.7). */
export const logout: Handler = (room, conn) => {
  switch (familyTraits(conn.player.dialect).roomLogout) {
    case "answer-and-close":
      return room.drop(conn, serverMessage(ServerMessageCode.LogoutSuccessful, conn.player.dialect));
    case "close":
      return room.drop(conn, null);
    case "ignore":
      return;
  }
};
