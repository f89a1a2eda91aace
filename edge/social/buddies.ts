/**
 * Buddy lists in D1 (table `buddies`, migration 0007): who a registered player keeps in the
 * client's buddy window. Online state is not stored here: the Directory knows it.
 */
import type { UpdateBuddyResult } from "./rules.ts";

export { buddyLimit, type UpdateBuddyResult } from "./rules.ts";

/** Buddy ids of a user, oldest first (the order the client's slots fill in). */
export async function listBuddies(db: D1Database, userId: number): Promise<number[]> {
  const rows = await db
    .prepare("SELECT buddy_id FROM buddies WHERE user_id = ? ORDER BY added_at, buddy_id")
    .bind(userId)
    .all<{ buddy_id: number }>();
  return rows.results.map((r) => r.buddy_id);
}

/**
 * Adds or removes one buddy. Adding is refused past `limit` (the client's slots), for oneself,
 * or for an id that is no registered account; removing what is not there is a no-op.
 */
export async function updateBuddy(
  db: D1Database,
  userId: number,
  buddyId: number,
  add: boolean,
  limit: number,
  now = Date.now(),
): Promise<UpdateBuddyResult> {
  if (!add) {
    await db.prepare("DELETE FROM buddies WHERE user_id = ? AND buddy_id = ?").bind(userId, buddyId).run();
    return { ok: true };
  }
  if (buddyId === userId) return { ok: false, reason: "self" };
  // One statement: the count check and the insert cannot race another add of the same user.
  const result = await db
    .prepare(
      `INSERT INTO buddies (user_id, buddy_id, added_at)
       SELECT ?1, u.id, ?3 FROM users u
       WHERE u.id = ?2 AND (SELECT count(*) FROM buddies WHERE user_id = ?1) < ?4
       ON CONFLICT (user_id, buddy_id) DO NOTHING`,
    )
    .bind(userId, buddyId, now, limit)
    .run();
  if (result.meta.changes > 0) return { ok: true };
  const [exists, already] = await db.batch<{ n: number }>([
    db.prepare("SELECT count(*) AS n FROM users WHERE id = ?").bind(buddyId),
    db.prepare("SELECT count(*) AS n FROM buddies WHERE user_id = ? AND buddy_id = ?").bind(userId, buddyId),
  ]);
  if ((already?.results[0]?.n ?? 0) > 0) return { ok: true };
  if ((exists?.results[0]?.n ?? 0) === 0) return { ok: false, reason: "unknown" };
  return { ok: false, reason: "full" };
}

/** Users who have `buddyId` as a buddy (they get a notice when it comes online or goes). */
export async function watchersOf(db: D1Database, buddyId: number): Promise<number[]> {
  const rows = await db
    .prepare("SELECT user_id FROM buddies WHERE buddy_id = ?")
    .bind(buddyId)
    .all<{ user_id: number }>();
  return rows.results.map((r) => r.user_id);
}

/** Buddy ids of several users at once (one query for a batch of notices). */
export async function buddiesOfMany(db: D1Database, userIds: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (userIds.length === 0) return out;
  const placeholders = userIds.map(() => "?").join(",");
  const rows = await db
    .prepare(
      `SELECT user_id, buddy_id FROM buddies WHERE user_id IN (${placeholders}) ORDER BY user_id, added_at, buddy_id`,
    )
    .bind(...userIds)
    .all<{ user_id: number; buddy_id: number }>();
  for (const r of rows.results) {
    const list = out.get(r.user_id) ?? [];
    list.push(r.buddy_id);
    out.set(r.user_id, list);
  }
  return out;
}
