/**
 * Bans in D1 (migrations/0003_moderation.sql): by account, by IPv4 address or CIDR range, by
 * guest name. Every ban is a row kept for good; lifting one records who and when. A ban applies
 * while it is not lifted and has not expired, so expiry needs no job. Creating or lifting a ban
 * writes its audit row in the same batch (one transaction) before anyone is told.
 */
import { normalizeUserName } from "../../protocol/text.ts";
import { auditStatement } from "./audit.ts";
import {
  type AuditEntry,
  addressValue,
  type Ban,
  type BanKind,
  isActive,
  type NewBan,
  parseAddressRange,
} from "./rules.ts";

export { type Ban, banText, formatUtc, isActive, type NewBan } from "./rules.ts";

export type CreateBanResult = { ok: true; ban: Ban } | { ok: false; message: string };

export async function createBan(
  db: D1Database,
  input: NewBan,
  audit: Omit<AuditEntry, "action" | "target" | "reason">,
  now = Date.now(),
): Promise<CreateBanResult> {
  let userId: number | null = null;
  let address: string | null = null;
  let first: number | null = null;
  let last: number | null = null;
  let guestName: string | null = null;
  let target: string;
  if (input.kind === "account") {
    userId = input.userId;
    target = `user:${userId}`;
  } else if (input.kind === "address") {
    const range = parseAddressRange(input.address);
    if (!range) return { ok: false, message: `"${input.address}" is not an IPv4 address or CIDR range` };
    ({ first, last } = range);
    address = range.canonical;
    target = `address:${address}`;
  } else {
    guestName = normalizeUserName(input.guestName);
    if (guestName === "") return { ok: false, message: "guest name is empty" };
    target = `guest:${guestName}`;
  }
  if (input.expiresAt !== null && input.expiresAt <= now)
    return { ok: false, message: "the ban would already be over" };
  const insert = db
    .prepare(
      `INSERT INTO bans (kind, user_id, address_first, address_last, address, guest_name, reason, created_by, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .bind(input.kind, userId, first, last, address, guestName, input.reason, audit.actor, now, input.expiresAt);
  const [inserted] = await db.batch<BanRow>([
    insert,
    auditStatement(
      db,
      {
        ...audit,
        action: "ban.create",
        target,
        reason: input.reason,
        detail: { ...(audit.detail ?? {}), kind: input.kind, expiresAt: input.expiresAt },
      },
      now,
    ),
  ]);
  const row = inserted?.results[0];
  if (!row) throw new Error("ban insert returned no row");
  return { ok: true, ban: toBan(row) };
}

/** Lifts a ban still in force; false when it does not exist or is already lifted/expired. */
export async function liftBan(
  db: D1Database,
  id: number,
  audit: Omit<AuditEntry, "action" | "target">,
  now = Date.now(),
): Promise<Ban | null> {
  const existing = await getBan(db, id);
  if (!existing || !isActive(existing, now)) return null;
  await db.batch([
    db
      .prepare("UPDATE bans SET lifted_by = ?, lifted_at = ? WHERE id = ? AND lifted_at IS NULL")
      .bind(audit.actor, now, id),
    auditStatement(
      db,
      { ...audit, action: "ban.lift", target: `ban:${id}`, detail: { ...(audit.detail ?? {}), kind: existing.kind } },
      now,
    ),
  ]);
  return { ...existing, liftedBy: audit.actor, liftedAt: now };
}

export async function getBan(db: D1Database, id: number): Promise<Ban | null> {
  const row = await db.prepare("SELECT * FROM bans WHERE id = ?").bind(id).first<BanRow>();
  return row ? toBan(row) : null;
}

/** Bans newest first; `active` keeps only those in force at `now`. */
export async function listBans(
  db: D1Database,
  q: { active?: boolean; userId?: number; before?: number; limit: number },
  now = Date.now(),
): Promise<Ban[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.active) {
    where.push("lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?)");
    args.push(now);
  }
  if (q.userId !== undefined) {
    where.push("kind = 'account' AND user_id = ?");
    args.push(q.userId);
  }
  if (q.before !== undefined) {
    where.push("id < ?");
    args.push(q.before);
  }
  const sql = `SELECT * FROM bans ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
  const rows = await db
    .prepare(sql)
    .bind(...args, q.limit)
    .all<BanRow>();
  return rows.results.map(toBan);
}

/**
 * The ban in force for someone logging in (account id, address, guest name), the one that
 * lasts longest first; null when none applies.
 */
export async function findActiveBan(
  db: D1Database,
  who: { userId: number | null; guest: boolean; userName: string; clientAddress: string },
  now = Date.now(),
): Promise<Ban | null> {
  const value = addressValue(who.clientAddress);
  const row = await db
    .prepare(
      `SELECT * FROM bans
       WHERE lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?1)
         AND ((kind = 'account' AND user_id = ?2)
           OR (kind = 'address' AND ?3 IS NOT NULL AND address_first <= ?3 AND address_last >= ?3)
           OR (kind = 'guest' AND guest_name = ?4))
       ORDER BY expires_at IS NULL DESC, expires_at DESC LIMIT 1`,
    )
    .bind(now, who.guest ? null : who.userId, value, who.guest ? normalizeUserName(who.userName) : null)
    .first<BanRow>();
  return row ? toBan(row) : null;
}

interface BanRow {
  id: number;
  kind: BanKind;
  user_id: number | null;
  address: string | null;
  guest_name: string | null;
  reason: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  lifted_by: string | null;
  lifted_at: number | null;
}

function toBan(r: BanRow): Ban {
  return {
    id: r.id,
    kind: r.kind,
    userId: r.user_id,
    address: r.address,
    guestName: r.guest_name,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    liftedBy: r.lifted_by,
    liftedAt: r.lifted_at,
  };
}
