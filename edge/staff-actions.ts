/**
 * What staff do to players, in one place for the dashboard and the admin API: kick (the room's
 * `kick` RPC, the client gets 21 and is disconnected), ban (the account's ban fields today —
 * the one function to point at the moderation issue's bans module once it lands), message a
 * room. Each writes its audit row before it answers; a ban is stored before the kick.
 */
import { getAccount } from "./accounts.ts";
import { auditStatement, recordAudit } from "./audit.ts";
import { logEvent } from "./log.ts";
import { directoryStub, roomStub } from "./objects.ts";

/** Rooms the directory has this user in (normally one). */
async function roomsOf(env: Env, userId: number): Promise<number[]> {
  const online = await directoryStub(env).online();
  return Object.entries(online)
    .filter(([, ids]) => ids.includes(userId))
    .map(([room]) => Number(room));
}

/** Kicks a user from `roomId`, or from wherever the directory has them; returns connections ended. */
export async function kickPlayer(
  env: Env,
  actor: string,
  userId: number,
  reason: string,
  roomId?: number,
): Promise<number> {
  const rooms = roomId === undefined ? await roomsOf(env, userId) : [roomId];
  await recordAudit(env.DB, { actor, action: "player.kick", target: String(userId), detail: { reason, rooms } });
  let kicked = 0;
  for (const id of rooms) kicked += await roomStub(env, id).kick(userId, reason);
  logEvent("info", "staff", "player.kick", { actor, userId, reason, rooms, connections: kicked });
  return kicked;
}

export interface BanRequest {
  userId: number;
  /** Epoch ms; null lifts the ban. */
  until: number | null;
  reason: string;
}

/**
 * Bans (or unbans) an account: users.banned_until / banned_reason and the audit row in one D1
 * batch, then the player is kicked from any room with the reason. False: no such account.
 */
export async function banAccount(env: Env, actor: string, ban: BanRequest): Promise<boolean> {
  const account = await getAccount(env.DB, ban.userId);
  if (!account) return false;
  const lifting = ban.until === null;
  await env.DB.batch([
    env.DB.prepare("UPDATE users SET banned_until = ?, banned_reason = ? WHERE id = ?").bind(
      ban.until,
      lifting ? null : ban.reason,
      ban.userId,
    ),
    // Web sessions of a banned account end with the ban.
    ...(lifting ? [] : [env.DB.prepare("DELETE FROM web_sessions WHERE user_id = ?").bind(ban.userId)]),
    auditStatement(env.DB, {
      actor,
      action: lifting ? "user.unban" : "user.ban",
      target: String(ban.userId),
      detail: lifting
        ? { username: account.username }
        : { username: account.username, until: ban.until, reason: ban.reason },
    }),
  ]);
  if (!lifting) {
    for (const id of await roomsOf(env, ban.userId)) await roomStub(env, id).kick(ban.userId, `Banned: ${ban.reason}`);
  }
  logEvent("info", "staff", lifting ? "user.unban" : "user.ban", {
    actor,
    userId: ban.userId,
    ...(lifting ? {} : { until: new Date(ban.until as number).toISOString(), reason: ban.reason }),
  });
  return true;
}

/** A blue-bar line to everyone in a room; returns how many received it. */
export async function messageRoom(env: Env, actor: string, roomId: number, text: string): Promise<number> {
  await recordAudit(env.DB, { actor, action: "room.message", target: String(roomId), detail: { text } });
  return roomStub(env, roomId).announce(text);
}
