/**
 * Account administration (the admin API's users routes): search, edits, password resets. Every
 * change goes in one D1 batch with its audit row, so nothing changes unrecorded.
 */
import { encodeMacRoman } from "../../protocol/macroman.ts";
import { normalizeUserName } from "../../protocol/text.ts";
import { type Account, getAccount, isMacRomanText, MAX_NICK_LENGTH, MAX_PASSWORD_LENGTH } from "../accounts.ts";
import { hashPassword } from "../passwords.ts";
import { auditStatement } from "./audit.ts";
import { MAX_ADMIN_LEVEL } from "./levels.ts";
import type { AuditEntry } from "./rules.ts";

export interface UserSummary {
  id: number;
  username: string;
  nick: string;
  adminLevel: number;
  disabled: boolean;
  lastLoginAt: number | null;
}

/** Accounts whose login name or nick contains `query` (case ignored), by id, one page. */
export async function searchUsers(
  db: D1Database,
  query: string,
  page: number,
  pageSize: number,
): Promise<{ users: UserSummary[]; total: number }> {
  const key = `%${normalizeUserName(query).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const where = "WHERE username LIKE ?1 ESCAPE '\\' OR nick LIKE ?1 ESCAPE '\\'";
  const [rows, count] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT id, username, nick, admin_level, disabled, last_login_at FROM users ${where} ORDER BY id LIMIT ?2 OFFSET ?3`,
      )
      .bind(key, pageSize, page * pageSize),
    db.prepare(`SELECT count(*) AS n FROM users ${where}`).bind(key),
  ]);
  return {
    users: (rows?.results ?? []).map((r) => ({
      id: r.id as number,
      username: r.username as string,
      nick: r.nick as string,
      adminLevel: r.admin_level as number,
      disabled: r.disabled === 1,
      lastLoginAt: (r.last_login_at as number | null) ?? null,
    })),
    total: (count?.results[0]?.n as number | undefined) ?? 0,
  };
}

export interface UserPatch {
  nick?: string;
  team?: string;
  adminLevel?: number;
  disabled?: boolean;
}

export type PatchResult = { ok: true; account: Account } | { ok: false; status: 400 | 404; message: string };

export async function patchUser(
  db: D1Database,
  id: number,
  patch: UserPatch,
  audit: Omit<AuditEntry, "action" | "target">,
  now = Date.now(),
): Promise<PatchResult> {
  for (const field of ["nick", "team"] as const) {
    const v = patch[field];
    if (v === undefined) continue;
    if (v.length > MAX_NICK_LENGTH)
      return { ok: false, status: 400, message: `${field} is longer than ${MAX_NICK_LENGTH} characters` };
    if (!isMacRomanText(v))
      return { ok: false, status: 400, message: `${field} has characters the Myth client cannot show (Mac Roman)` };
  }
  if (patch.nick !== undefined && patch.nick.trim() === "") return { ok: false, status: 400, message: "nick is empty" };
  if (patch.adminLevel !== undefined && (patch.adminLevel < 0 || patch.adminLevel > MAX_ADMIN_LEVEL))
    return { ok: false, status: 400, message: `adminLevel must be 0..${MAX_ADMIN_LEVEL}` };
  const before = await getAccount(db, id);
  if (!before) return { ok: false, status: 404, message: "no such user" };
  const sets: string[] = [];
  const args: unknown[] = [];
  const columns: [keyof UserPatch, string][] = [
    ["nick", "nick"],
    ["team", "team"],
    ["adminLevel", "admin_level"],
    ["disabled", "disabled"],
  ];
  for (const [key, column] of columns) {
    const v = patch[key];
    if (v === undefined) continue;
    sets.push(`${column} = ?`);
    args.push(typeof v === "boolean" ? (v ? 1 : 0) : v);
  }
  if (sets.length === 0) return { ok: true, account: before };
  const changes = Object.fromEntries(
    columns.filter(([k]) => patch[k] !== undefined).map(([k]) => [k, { from: before[k], to: patch[k] }]),
  );
  await db.batch([
    db.prepare(`UPDATE users SET ${sets.join(", ")} WHERE id = ?`).bind(...args, id),
    auditStatement(
      db,
      { ...audit, action: "user.update", target: `user:${id}`, detail: { ...(audit.detail ?? {}), changes } },
      now,
    ),
  ]);
  const after = await getAccount(db, id);
  return after ? { ok: true, account: after } : { ok: false, status: 404, message: "no such user" };
}

/** Sets a new password (hashed as at creation); the old one stops working at once. */
export async function resetPassword(
  db: D1Database,
  id: number,
  password: string,
  audit: Omit<AuditEntry, "action" | "target">,
  now = Date.now(),
): Promise<{ ok: true } | { ok: false; status: 400 | 404; message: string }> {
  if (password.length === 0) return { ok: false, status: 400, message: "password is empty" };
  if (password.length > MAX_PASSWORD_LENGTH)
    return { ok: false, status: 400, message: `password is longer than ${MAX_PASSWORD_LENGTH} characters` };
  if (!isMacRomanText(password))
    return { ok: false, status: 400, message: "password has characters the Myth client cannot type (Mac Roman)" };
  if (!(await getAccount(db, id))) return { ok: false, status: 404, message: "no such user" };
  const pw = await hashPassword(encodeMacRoman(password));
  await db.batch([
    db
      .prepare(
        "UPDATE users SET password_hash = ?, password_salt = ?, password_iterations = ?, password_algorithm = ? WHERE id = ?",
      )
      .bind(pw.hash, pw.salt, pw.iterations, pw.algorithm, id),
    // A new password ends the account's web (dashboard) sign-ins too.
    db.prepare("DELETE FROM web_sessions WHERE user_id = ?").bind(id),
    auditStatement(db, { ...audit, action: "user.password", target: `user:${id}` }, now),
  ]);
  return { ok: true };
}
