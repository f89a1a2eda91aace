/**
 * The audit log (D1 audit_log): who did what to whom, for every admin action — API (bearer
 * "admin-token") and dashboard ("staff:<username>") alike. Written before the action is
 * acknowledged; read by the dashboard's audit page, newest first.
 */
export interface AuditRecord {
  actor: string;
  action: string;
  target?: string | null;
  detail?: unknown;
}

export interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  detail: string;
}

export function auditStatement(db: D1Database, entry: AuditRecord, now = Date.now()): D1PreparedStatement {
  return db
    .prepare("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")
    .bind(now, entry.actor, entry.action, entry.target ?? null, JSON.stringify(entry.detail ?? {}));
}

export async function recordAudit(db: D1Database, entry: AuditRecord, now = Date.now()): Promise<void> {
  await auditStatement(db, entry, now).run();
}

export interface AuditQuery {
  /** Substring of the action (e.g. "user.ban", "room."). */
  action?: string;
  /** Substring of the actor. */
  actor?: string;
  target?: string;
  /** Rows with an id below this one (the next page). */
  before?: number;
  limit: number;
}

/** One page, newest first; `next` is the `before` of the following page (null on the last). */
export async function listAudit(db: D1Database, q: AuditQuery): Promise<{ rows: AuditRow[]; next: number | null }> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.action) {
    where.push("instr(action, ?) > 0");
    args.push(q.action);
  }
  if (q.actor) {
    where.push("instr(actor, ?) > 0");
    args.push(q.actor);
  }
  if (q.target) {
    where.push("target = ?");
    args.push(q.target);
  }
  if (q.before !== undefined) {
    where.push("id < ?");
    args.push(q.before);
  }
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
  const rows = (
    await db
      .prepare(sql)
      .bind(...args, q.limit + 1)
      .all<AuditRow>()
  ).results;
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  return { rows: page, next: more ? (page[page.length - 1]?.id ?? null) : null };
}
