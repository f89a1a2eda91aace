/** A player's own state: set_player_data (103), set_player_mode (107), request_full_update (110). */
import { familyTraits } from "../../../protocol/families.ts";
import type { MessageOf, PlayerData } from "../../../protocol/messages.ts";
import { Verb } from "../../../protocol/messages.ts";
import { normalizeUserName } from "../../../protocol/text.ts";
import type { RoomCore } from "../core.ts";
import { blueMessage } from "../packets.ts";
import { ownPlayerDataPacket, playerListPacket } from "../player.ts";
import type { PlayerConnection } from "../state.ts";
import type { Handler } from "./handler.ts";

/** The blue line a guest gets when a 103 tries to take a registered player's name. */
export const GUEST_RENAME_REFUSED_TEXT = "That name belongs to a registered player; you keep your guest name.";

/** The nick a guest last asked for while its check is running: only the latest one is applied. */
const wantedNick = new WeakMap<PlayerConnection["player"], string>();

export function applyPlayerData(room: RoomCore, conn: PlayerConnection, sent: PlayerData): void | Promise<void> {
  const player = conn.player;
  // A registered player keeps the nick the login vouched for, in every family: a 103 cannot
  // rename one (issue 10, impersonation). Guests may rename (Bungie and A1S clients do), and
  // stay marked as guests in every list, but never to a registered player's login name or nick
  // (normalised, §1.3): as at login, such a rename is refused, the guest keeps its name and
  // hears why. The rest of the block applies at once; the new nick only once D1 says it is free.
  const renames =
    player.guest &&
    !familyTraits(player.dialect).roomPlayerDataStateOnly &&
    normalizeUserName(sent.nick) !== normalizeUserName(player.playerData.nick);
  applyData(room, conn, { ...sent, nick: player.guest && !renames ? sent.nick : player.playerData.nick });
  if (!renames) {
    // A later block that keeps the name outdates a rename still being checked.
    wantedNick.delete(player);
    return;
  }
  wantedNick.set(player, sent.nick);
  return room.services.guestNameTaken([sent.nick]).then((taken) => {
    if (wantedNick.get(player) !== sent.nick || !room.isOpen(conn)) return;
    wantedNick.delete(player);
    if (taken) {
      room.out.send(conn.id, blueMessage(GUEST_RENAME_REFUSED_TEXT));
      return;
    }
    player.playerData = { ...player.playerData, nick: sent.nick };
    room.save(conn);
    room.broadcast(playerListPacket(player, Verb.Change));
  });
}

function applyData(room: RoomCore, conn: PlayerConnection, data: PlayerData): void {
  const player = conn.player;
  if (!player.listed) {
    // Bungie: the first set_player_data brings the newcomer into the lists (§7.4).
    player.playerData = { ...data, orderIndex: player.playerData.orderIndex };
    player.listed = true;
    room.save(conn);
    room.invalidate();
    room.broadcast(playerListPacket(player, Verb.Add), conn.id);
    room.sendFullUpdate(conn);
    room.out.send(conn.id, ownPlayerDataPacket(player));
    return;
  }
  // GoS takes only the in-game state and keeps the login-time data (no spoofing in the room);
  // Bungie and A1S store the whole block.
  // The order field stays the login server's (edge/social/orders.ts): no claiming an order here.
  player.playerData = familyTraits(player.dialect).roomPlayerDataStateOnly
    ? { ...player.playerData, state: data.state }
    : { ...data, orderIndex: player.playerData.orderIndex };
  room.save(conn);
  room.broadcast(playerListPacket(player, Verb.Change));
}

export const setPlayerData: Handler<MessageOf<103>> = (room, conn, msg) => applyPlayerData(room, conn, msg.player);

/** Deaf clients get no room traffic; the codec already refused modes other than 0 and 1 (GoS and Bungie drop the client). */
export const setPlayerMode: Handler<MessageOf<107>> = (room, conn, msg) => {
  conn.player.deaf = msg.mode === 1;
  room.save(conn);
  room.invalidate();
};

/** ~27 KB out for 32 bytes in: limited per connection (chat-guard.ts), with a note the client shows. */
export const requestFullUpdate: Handler<MessageOf<110>> = (room, conn) => {
  if (conn.player.deaf) return;
  const verdict = room.chatGuard.fullUpdate(conn.id, conn.player.userId, room.services.now());
  if (verdict.kind === "pass") room.sendFullUpdate(conn);
  else if (verdict.kind === "drop" && verdict.tell) room.out.send(conn.id, blueMessage(verdict.tell));
};
