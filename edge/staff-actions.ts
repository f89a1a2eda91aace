/**
 * What staff do to players and rooms, one path for every caller — the dashboard, the admin API
 * and (for bans) the in-game dot commands: kick through the directory (wherever the player is;
 * the session's token dies), bans in issue 11's bans table (stored and audited in one batch,
 * then enforced on live sessions by the directory), a room message, and live room settings
 * (the lock is the room's moderation state, the same one `.lock` sets). Every action writes its
 * audit row (edge/moderation/audit.ts) before it is acknowledged.
 */
import { getAccount } from "./accounts.ts";
import { appendAudit } from "./moderation/audit.ts";
import { type Ban, banText, createBan, liftBan, type NewBan } from "./moderation/bans.ts";
import type { AuditEntry } from "./moderation/rules.ts";
import { directoryStub, roomStub } from "./objects.ts";

/** Who acts, for the audit row (worker/routes/admin/actor.ts adminActor, or a dot command's user). */
export type Actor = Omit<AuditEntry, "action" | "target" | "reason">;

/**
 * Kicks a player wherever they are: 21 with `reason`, the connection closes and the session's
 * token dies. False when the player is not online (nothing is audited then).
 */
export async function kickPlayer(env: Env, actor: Actor, userId: number, reason: string): Promise<boolean> {
  const directory = directoryStub(env);
  const online = (await directory.onlinePlayers()).find((p) => p.userId === userId);
  if (!online) return false;
  await appendAudit(env.DB, {
    ...actor,
    action: "kick",
    target: online.guest ? `guest:${online.userName}` : `user:${userId}`,
    reason,
    roomId: online.roomId,
  });
  await directory.kickUser(userId, reason);
  return true;
}

/**
 * Gags a player in the room they are in now, for `minutes` (capped at a day by the room): the
 * audit row ("gag", as `.gag` writes it), then the room's placeGag — the one `.gag` uses. Null
 * when the player is not in a room; else the room they were gagged in.
 */
export async function gagPlayer(
  env: Env,
  actor: Actor,
  userId: number,
  minutes: number,
  reason: string,
): Promise<number | null> {
  const online = (await directoryStub(env).onlinePlayers()).find((p) => p.userId === userId);
  // Between the login server and a room there is no room to gag in.
  if (!online || online.roomId === null) return null;
  await appendAudit(env.DB, {
    ...actor,
    action: "gag",
    target: online.guest ? `guest:${online.userName}` : `user:${userId}`,
    reason,
    roomId: online.roomId,
    detail: { ...actor.detail, minutes },
  });
  await roomStub(env, online.roomId).gag(userId, minutes, reason);
  return online.roomId;
}

export type PlaceBanResult = { ok: true; ban: Ban; kicked: number } | { ok: false; message: string };

/** Stores a ban with its audit row, then ends every live session it covers; `kicked` counts them. */
export async function placeBan(env: Env, input: NewBan, actor: Actor, now = Date.now()): Promise<PlaceBanResult> {
  const created = await createBan(env.DB, input, actor, now);
  if (!created.ok) return created;
  const kicked = await directoryStub(env).enforceBan(created.ban, banText(created.ban));
  return { ...created, kicked };
}

/** An account ban for `hours` (the dashboard's form); null when there is no such account. */
export async function banAccount(
  env: Env,
  actor: Actor,
  ban: { userId: number; expiresAt: number | null; reason: string },
): Promise<PlaceBanResult | null> {
  if (!(await getAccount(env.DB, ban.userId))) return null;
  return placeBan(env, { kind: "account", userId: ban.userId, reason: ban.reason, expiresAt: ban.expiresAt }, actor);
}

/** Lifts a ban in force (audited) and lets the directory admit whom it covered; null if not in force. */
export async function liftBanEverywhere(env: Env, id: number, actor: Actor): Promise<Ban | null> {
  const lifted = await liftBan(env.DB, id, actor);
  if (lifted) await directoryStub(env).banLifted(id);
  return lifted;
}

/** A blue-bar line to everyone in one room (POST /admin/rooms/:id/message and the dashboard). */
export async function messageRoom(env: Env, actor: Actor, roomId: number, text: string): Promise<void> {
  await appendAudit(env.DB, { ...actor, action: "message", target: `room:${roomId}`, roomId, detail: { text } });
  await roomStub(env, roomId).message(text);
}

/** PATCH /admin/rooms/:id and the dashboard's settings form: live overrides plus the room lock. */
export interface RoomSettingsPatch {
  capacity?: number | null;
  guests?: boolean | null;
  joinMessages?: string[] | null;
  /** The room's moderation lock (the one `.lock`/`.unlock` set); null opens the room. */
  locked?: boolean | null;
}

/**
 * Applies live room settings, then audits them: "room.update" for the overrides, and
 * "room.lock"/"room.unlock" (the dot commands' actions) when the lock changed. Null: no such room.
 */
export async function configureRoom(env: Env, actor: Actor, roomId: number, patch: RoomSettingsPatch) {
  const result = await roomStub(env, roomId).configure(roomId, patch);
  if (!result) return null;
  const { locked, ...fields } = patch;
  const target = `room:${roomId}`;
  if (Object.keys(fields).length > 0)
    await appendAudit(env.DB, { ...actor, action: "room.update", target, roomId, detail: fields });
  if (locked !== undefined && result.wasLocked !== result.config.locked)
    await appendAudit(env.DB, { ...actor, action: result.config.locked ? "room.lock" : "room.unlock", target, roomId });
  return result;
}
