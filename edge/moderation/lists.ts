/**
 * Per-account mute and block lists in D1 (migrations/0003_moderation.sql): a mute hides that
 * player's chat from me, a block keeps their private messages away. Guests have no account,
 * so their lists last as long as their room connection.
 */

export type ListKind = "mutes" | "blocks";

/** Most entries one list holds (it is loaded at every room login). */
export const MAX_LIST_ENTRIES = 200;

export async function loadLists(db: D1Database, userId: number): Promise<{ mutes: number[]; blocks: number[] }> {
  const [mutes, blocks] = await db.batch<{ target_id: number }>([
    db
      .prepare("SELECT target_id FROM mutes WHERE user_id = ? ORDER BY created_at LIMIT ?")
      .bind(userId, MAX_LIST_ENTRIES),
    db
      .prepare("SELECT target_id FROM blocks WHERE user_id = ? ORDER BY created_at LIMIT ?")
      .bind(userId, MAX_LIST_ENTRIES),
  ]);
  return {
    mutes: (mutes?.results ?? []).map((r) => r.target_id),
    blocks: (blocks?.results ?? []).map((r) => r.target_id),
  };
}

export async function setListed(
  db: D1Database,
  kind: ListKind,
  userId: number,
  targetId: number,
  on: boolean,
  now = Date.now(),
): Promise<void> {
  // The table name comes from the ListKind union, never from input.
  const table = kind === "mutes" ? "mutes" : "blocks";
  if (on) {
    await db
      .prepare(`INSERT INTO ${table} (user_id, target_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
      .bind(userId, targetId, now)
      .run();
  } else {
    await db.prepare(`DELETE FROM ${table} WHERE user_id = ? AND target_id = ?`).bind(userId, targetId).run();
  }
}

/** The names on a list (the account's nick; its id when the account is gone). */
export async function listNames(
  db: D1Database,
  kind: ListKind,
  userId: number,
): Promise<{ id: number; name: string }[]> {
  const table = kind === "mutes" ? "mutes" : "blocks";
  const rows = await db
    .prepare(
      `SELECT l.target_id AS id, u.nick AS name FROM ${table} l LEFT JOIN users u ON u.id = l.target_id
       WHERE l.user_id = ? ORDER BY l.created_at LIMIT ?`,
    )
    .bind(userId, MAX_LIST_ENTRIES)
    .all<{ id: number; name: string | null }>();
  return rows.results.map((r) => ({ id: r.id, name: r.name ?? String(r.id) }));
}
