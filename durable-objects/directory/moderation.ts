/**
 * The directory's part in moderation: who is online (for `.who` and GET /admin/online) and
 * which live sessions a kick or a new ban reaches, wherever they are. Plain functions over the
 * session table; the Directory object does the room calls.
 */
import type { OnlinePlayer } from "../../edge/contracts.ts";
import { type Ban, banCovers } from "../../edge/moderation/rules.ts";
import { decodePlayerData } from "../../protocol/messages.ts";
import type { Session, SessionTable } from "./sessions.ts";

export function onlinePlayers(sessions: SessionTable): OnlinePlayer[] {
  return sessions.all().map(({ user, roomId, since }) => {
    const data = decodePlayerData(user.playerData);
    return {
      userId: user.userId,
      userName: user.userName,
      nick: data.ok ? data.value.nick : user.userName,
      guest: user.guest,
      adminLevel: user.adminLevel,
      dialect: user.dialect,
      build: user.build,
      appVersion: user.appVersion,
      clientAddress: user.clientAddress,
      roomId,
      since,
    };
  });
}

/** The sessions a ban covers (an account, every login from an address range, a guest name). */
export function sessionsCoveredBy(sessions: SessionTable, scope: Ban): Session[] {
  return sessions.all().filter(({ user }) =>
    banCovers(scope, {
      userId: user.guest ? null : user.userId,
      guest: user.guest,
      userName: user.userName,
      clientAddress: user.clientAddress,
    }),
  );
}
