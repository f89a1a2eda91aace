/**
 * The audit log (D1 audit_log): every moderation action from any path. Append-only — the
 * database refuses UPDATE and DELETE (migrations/0003_moderation.sql) — and written before the
 * action is acknowledged: callers put the row in the same batch as the change, or await it
 * before they answer.
 */
import type { AuditEntry } from "./rules.ts";

export { ADMIN_TOKEN_ACTOR, type AuditEntry, SYSTEM_ACTOR, userActor } from "./rules.ts";

export interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  reason: string | null;
  roomId: number | null;
  actorAddress: string | null;
  detail: Record<string, unknown>;
}

/** The INSERT for one entry, to run alone or in a batch with the change it records. */
export function auditStatement(db: D1Database, entry: AuditEntry, at: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO audit_log (at, actor, action, target, reason, room_id, actor_address, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      at,
      entry.actor,
      entry.action,
      entry.target ?? null,
      entry.reason ?? null,
      entry.roomId ?? null,
      entry.actorAddress ?? null,
      JSON.stringify(entry.detail ?? {}),
    );
}

export async function appendAudit(db: D1Database, entry: AuditEntry, at = Date.now()): Promise<void> {
  await auditStatement(db, entry, at).run();
}

export interface AuditQuery {
  /** Exact matches (the admin API's filters). */
  actor?: string;
  target?: string;
  action?: string;
  /** Actions starting with this, e.g. "ban." for ban.create and ban.lift (the dashboard's filter). */
  actionPrefix?: string;
  /** Rows with id below this (the next page's cursor). */
  before?: number;
  limit: number;
}

export interface AuditPage {
  entries: AuditRow[];
  /** The `before` of the following page; null on the last page. */
  next: number | null;
}

/** Newest first; page on with `before` = `next` (the last row's id when more rows follow). */
export async function queryAudit(db: D1Database, q: AuditQuery): Promise<AuditPage> {
  const where: string[] = [];
  const args: unknown[] = [];
  const filters: [string, unknown][] = [
    ["actor = ?", q.actor],
    ["target = ?", q.target],
    ["action = ?", q.action],
    // substr, not LIKE: a "_" or "%" in the prefix is no wildcard.
    ["substr(action, 1, ?) = ?", q.actionPrefix],
    ["id < ?", q.before],
  ];
  for (const [clause, value] of filters) {
    if (value === undefined) continue;
    where.push(clause);
    // The prefix clause takes its length, then the prefix.
    if (clause.startsWith("substr")) args.push(String(value).length);
    args.push(value);
  }
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
  // One row more than asked tells whether another page follows.
  const rows = await db
    .prepare(sql)
    .bind(...args, q.limit + 1)
    .all<Record<string, unknown>>();
  const more = rows.results.length > q.limit;
  const entries = rows.results.slice(0, q.limit).map(toRow);
  return { entries, next: more ? (entries[entries.length - 1]?.id ?? null) : null };
}

function toRow(r: Record<string, unknown>): AuditRow {
  return {
    id: r.id as number,
    at: r.at as number,
    actor: r.actor as string,
    action: r.action as string,
    target: (r.target as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    roomId: (r.room_id as number | null) ?? null,
    actorAddress: (r.actor_address as string | null) ?? null,
    detail: safeJson(r.detail),
  };
}

function safeJson(v: unknown): Record<string, unknown> {
  try {
    const parsed = JSON.parse(String(v ?? "{}"));
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
