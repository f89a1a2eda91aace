/**
 * Revocable game passwords (table `game_passwords`, migration 0007): a separate password per
 * account for game clients, as GoS's "game passwords" and A1S's tokens. Old clients send
 * passwords in weak schemes (§6.1), so a player may keep the account password off the wire.
 * The server generates each one (it fits the client's 15-character field) and shows it once;
 * only its PBKDF2 hash is kept. A revoked one stops working at the next login (code 3).
 */
import { encodeMacRoman } from "../../protocol/macroman.ts";
import { type Account, blobBytes, findAccountByName, type HashRunner, MAX_PASSWORD_LENGTH } from "../accounts.ts";
import { hashPassword, PASSWORD_ALGORITHM, verifyPassword } from "../passwords.ts";

/** Active game passwords per account: every one is tried at a failed login, so keep it small. */
export const MAX_GAME_PASSWORDS = 5;
const LENGTH = 12;
/** No look-alikes (0/O, 1/l/I): players type these into the client. */
const ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

export interface GamePassword {
  id: number;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export function generateGamePassword(random = (n: number) => crypto.getRandomValues(new Uint8Array(n))): string {
  let out = "";
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % ALPHABET.length);
  while (out.length < LENGTH) {
    for (const b of random(LENGTH * 2)) {
      if (b < limit && out.length < LENGTH) out += ALPHABET[b % ALPHABET.length];
    }
  }
  if (out.length > MAX_PASSWORD_LENGTH) throw new Error("game password longer than the client's field");
  return out;
}

export type CreateGamePasswordResult =
  | { ok: true; password: string; credential: GamePassword }
  | { ok: false; reason: "not-found" | "limit"; message: string };

export async function createGamePassword(
  db: D1Database,
  userId: number,
  label = "",
  now = Date.now(),
): Promise<CreateGamePasswordResult> {
  const user = await db.prepare("SELECT id FROM users WHERE id = ?").bind(userId).first();
  if (!user) return { ok: false, reason: "not-found", message: "no such user" };
  const password = generateGamePassword();
  const pw = await hashPassword(encodeMacRoman(password));
  const row = await db
    .prepare(
      `INSERT INTO game_passwords (user_id, label, password_hash, password_salt, password_iterations,
         password_algorithm, created_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
       WHERE (SELECT count(*) FROM game_passwords WHERE user_id = ?1 AND revoked_at IS NULL) < ?8
       RETURNING id, label, created_at, last_used_at, revoked_at`,
    )
    .bind(userId, label, pw.hash, pw.salt, pw.iterations, PASSWORD_ALGORITHM, now, MAX_GAME_PASSWORDS)
    .first<CredentialRow>();
  if (!row) return { ok: false, reason: "limit", message: `at most ${MAX_GAME_PASSWORDS} active game passwords` };
  return { ok: true, password, credential: toCredential(row) };
}

export async function listGamePasswords(db: D1Database, userId: number): Promise<GamePassword[]> {
  const rows = await db
    .prepare("SELECT id, label, created_at, last_used_at, revoked_at FROM game_passwords WHERE user_id = ? ORDER BY id")
    .bind(userId)
    .all<CredentialRow>();
  return rows.results.map(toCredential);
}

/** Revokes one; false if it does not exist for that user (revoking twice is fine). */
export async function revokeGamePassword(
  db: D1Database,
  userId: number,
  id: number,
  now = Date.now(),
): Promise<boolean> {
  const found = await db
    .prepare("UPDATE game_passwords SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ?")
    .bind(now, id, userId)
    .run();
  return found.meta.changes > 0;
}

/** True when `password` is one of the user's active game passwords (and notes its use). */
export async function verifyGamePassword(
  db: D1Database,
  userId: number,
  password: string,
  now = Date.now(),
  runHash: HashRunner = (hash) => hash(),
): Promise<boolean | "busy"> {
  const rows = await db
    .prepare(
      `SELECT id, password_hash, password_salt, password_iterations, password_algorithm FROM game_passwords
       WHERE user_id = ? AND revoked_at IS NULL ORDER BY id LIMIT ?`,
    )
    .bind(userId, MAX_GAME_PASSWORDS)
    .all<{
      id: number;
      password_hash: unknown;
      password_salt: unknown;
      password_iterations: number;
      password_algorithm: string;
    }>();
  const candidate = encodeMacRoman(password);
  for (const r of rows.results) {
    // Each hash under the caller's gate (the login path caps concurrent hashes).
    const good = await runHash(() =>
      verifyPassword(candidate, {
        algorithm: r.password_algorithm,
        iterations: r.password_iterations,
        salt: blobBytes(r.password_salt),
        hash: blobBytes(r.password_hash),
      }),
    );
    if (good === "busy") return "busy";
    if (good) {
      await db.prepare("UPDATE game_passwords SET last_used_at = ? WHERE id = ?").bind(now, r.id).run();
      return true;
    }
  }
  return false;
}

/**
 * The login path's second chance: after the account password failed, one of the account's
 * game passwords. Null for an unknown user, an empty password or no match.
 */
export async function loginWithGamePassword(
  db: D1Database,
  username: string,
  password: string,
  runHash?: HashRunner,
): Promise<Account | null | "busy"> {
  if (password.length === 0) return null;
  const account = await findAccountByName(db, username);
  if (!account) return null;
  const good = await verifyGamePassword(db, account.id, password, Date.now(), runHash);
  return good === "busy" ? "busy" : good ? account : null;
}

interface CredentialRow {
  id: number;
  label: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

function toCredential(r: CredentialRow): GamePassword {
  return { id: r.id, label: r.label, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at };
}
