/**
 * A player's social standing in one D1 round trip: its buddies and its live order's members
 * (room join), or who watches it and its order's members (the directory's online notice).
 * Joins and presence changes are frequent, so each costs one batch, not three queries.
 */
import { ORDER_LAPSE_MS } from "./orders.ts";

export interface Standing {
  /** Buddy ids (room join) or watcher ids (notice). */
  readonly ids: number[];
  readonly order: { orderId: number; members: number[] } | null;
}

const MATES = `SELECT m2.order_id, m2.user_id FROM order_members m
  JOIN orders o ON o.id = m.order_id AND (o.short_since IS NULL OR o.short_since > ?)
  JOIN order_members m2 ON m2.order_id = m.order_id
  WHERE m.user_id = ? ORDER BY m2.joined_at, m2.user_id`;

async function standing(db: D1Database, idsQuery: string, userId: number, now: number): Promise<Standing> {
  const [ids, mates] = await db.batch<Record<string, number>>([
    db.prepare(idsQuery).bind(userId),
    db.prepare(MATES).bind(now - ORDER_LAPSE_MS, userId),
  ]);
  const rows = mates?.results ?? [];
  const first = rows[0];
  return {
    ids: (ids?.results ?? []).map((r) => r.id as number),
    order: first ? { orderId: first.order_id as number, members: rows.map((r) => r.user_id as number) } : null,
  };
}

/** The user's buddies (oldest first) and order. */
export function ownStanding(db: D1Database, userId: number, now = Date.now()): Promise<Standing> {
  return standing(db, "SELECT buddy_id AS id FROM buddies WHERE user_id = ? ORDER BY added_at, buddy_id", userId, now);
}

/** Who has the user as a buddy, and its order. */
export function watchersStanding(db: D1Database, userId: number, now = Date.now()): Promise<Standing> {
  return standing(db, "SELECT user_id AS id FROM buddies WHERE buddy_id = ?", userId, now);
}
