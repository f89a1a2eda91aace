/**
 * Registered accounts in D1. Passwords are stored only as PBKDF2 hashes (edge/passwords.ts).
 */
import { decodeMacRoman, encodeMacRoman } from "../protocol/macroman.ts";
import { normalizeUserName, stripUserName } from "../protocol/text.ts";
import { hashPassword, type PasswordHash, verifyPassword } from "./passwords.ts";

export interface Account {
  id: number;
  /** Normalised login name. */
  username: string;
  /** The name as it was registered (may carry formatting codes). */
  displayName: string;
  nick: string;
  team: string;
  primaryColor: number;
  secondaryColor: number;
  coatOfArms: number;
  adminLevel: number;
  /** A disabled account cannot log in (PATCH /admin/users/:id). */
  disabled: boolean;
  /** Epoch ms, or null when not banned. */
  bannedUntil: number | null;
  bannedReason: string | null;
  playerData: Uint8Array | null;
  /** The live order the player belongs to (edge/social/orders.ts), if any. */
  orderId?: number | null;
}

export interface NewAccount {
  username: string;
  password: string;
  nick?: string;
  team?: string;
  /** 0 player, 1 moderator, 2 admin (edge/moderation/levels.ts). */
  adminLevel?: number;
}

export type CreateAccountResult =
  | { ok: true; account: Account }
  | { ok: false; reason: "duplicate" | "invalid"; message: string };

/** Login names: 31 characters + NUL in the client's structures (PROTOCOL.md §11). */
export const MAX_USERNAME_LENGTH = 31;
/** Myth's password field is 15 characters + NUL. */
export const MAX_PASSWORD_LENGTH = 15;
/** Nick and team travel in player data as C strings; keep them to the user-name limit. */
export const MAX_NICK_LENGTH = 31;

/** True when every character has a Mac Roman byte and none is a control character. */
export function isMacRomanText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return decodeMacRoman(encodeMacRoman(text)) === text;
}

/** Checks a proposed account; returns an error message or null. */
export function validateNewAccount(input: NewAccount): string | null {
  if (typeof input.username !== "string") return "username must be a string";
  if (typeof input.password !== "string") return "password must be a string";
  const username = stripUserName(input.username);
  if (username.length === 0) return "username is empty after removing formatting codes and spaces";
  if (username.length > MAX_USERNAME_LENGTH) return `username is longer than ${MAX_USERNAME_LENGTH} characters`;
  if (!isMacRomanText(input.username)) return "username has characters the Myth client cannot show (Mac Roman)";
  if (input.password.length === 0) return "password is empty (an empty password means a guest login)";
  if (input.password.length > MAX_PASSWORD_LENGTH) return `password is longer than ${MAX_PASSWORD_LENGTH} characters`;
  if (!isMacRomanText(input.password)) return "password has characters the Myth client cannot type (Mac Roman)";
  for (const field of ["nick", "team"] as const) {
    const v = input[field];
    if (v === undefined) continue;
    if (typeof v !== "string") return `${field} must be a string`;
    if (v.length > MAX_NICK_LENGTH) return `${field} is longer than ${MAX_NICK_LENGTH} characters`;
    if (!isMacRomanText(v)) return `${field} has characters the Myth client cannot show (Mac Roman)`;
  }
  if (input.nick !== undefined && input.nick.trim().length === 0) return "nick is empty";
  const level = input.adminLevel;
  if (level !== undefined && (!Number.isInteger(level) || level < 0 || level > 2))
    return "adminLevel must be 0, 1 or 2";
  return null;
}

export interface AuditEntry {
  actor: string;
  action: string;
  detail?: Record<string, unknown>;
}

/**
 * Creates an account. With `audit`, an audit_log row is written in the same D1 batch
 * (one transaction), its target being the new user's id.
 */
export async function createAccount(
  db: D1Database,
  input: NewAccount,
  options: { audit?: AuditEntry; now?: number } = {},
): Promise<CreateAccountResult> {
  const problem = validateNewAccount(input);
  if (problem) return { ok: false, reason: "invalid", message: problem };
  // Stored under the lookup key (protocol/text.ts: stripped, lower-cased); shown as typed.
  const username = normalizeUserName(input.username);
  const displayName = input.username.trim();
  const nick = input.nick ?? stripUserName(input.username);
  const team = input.team ?? "";
  const now = options.now ?? Date.now();

  const existing = await db.prepare("SELECT id FROM users WHERE username = ?").bind(username).first();
  if (existing) return duplicate(username);

  const pw = await hashPassword(encodeMacRoman(input.password));
  const insert = db
    .prepare(
      `INSERT INTO users (username, display_name, password_hash, password_salt, password_iterations,
         password_algorithm, nick, nick_key, team, admin_level, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .bind(
      username,
      displayName,
      pw.hash,
      pw.salt,
      pw.iterations,
      pw.algorithm,
      nick,
      normalizeUserName(nick),
      team,
      input.adminLevel ?? 0,
      now,
    );
  const statements = [insert];
  if (options.audit) {
    statements.push(
      db
        .prepare(
          "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, CAST(last_insert_rowid() AS TEXT), ?)",
        )
        .bind(now, options.audit.actor, options.audit.action, JSON.stringify(options.audit.detail ?? {})),
    );
  }
  try {
    const [inserted] = await db.batch<UserRow>(statements);
    const row = inserted?.results[0];
    if (!row) throw new Error("insert returned no row");
    return { ok: true, account: toAccount(row) };
  } catch (e) {
    // Two creations racing past the SELECT above: the UNIQUE constraint decides.
    if (/UNIQUE constraint failed/i.test(String((e as Error).message))) return duplicate(username);
    throw e;
  }
}

function duplicate(username: string): CreateAccountResult {
  return { ok: false, reason: "duplicate", message: `an account named "${username}" already exists` };
}

/**
 * A user row with its live order (orders.short_since: see edge/social/orders.ts, lapse after
 * 10 days under 3 members). `?1` is the lapse cut-off (now − 10 days).
 */
const USER_WITH_ORDER = `SELECT u.*, (SELECT m.order_id FROM order_members m JOIN orders o ON o.id = m.order_id
  WHERE m.user_id = u.id AND (o.short_since IS NULL OR o.short_since > ?1)) AS order_id FROM users u`;
const ORDER_LAPSE_MS = 10 * 24 * 60 * 60 * 1000;

/** An account by login name (normalised here), or null. */
export async function findAccountByName(db: D1Database, username: string, now = Date.now()): Promise<Account | null> {
  const name = normalizeUserName(username);
  if (name.length === 0) return null;
  const row = await db
    .prepare(`${USER_WITH_ORDER} WHERE u.username = ?2`)
    .bind(now - ORDER_LAPSE_MS, name)
    .first<UserRow>();
  return row ? toAccount(row) : null;
}

// A fixed hash to verify against when the user does not exist, so both paths cost the same.
let dummyHash: Promise<PasswordHash> | null = null;

/** Runs one password hash; the login path passes edge/abuse/hash-gate.ts, which may answer "busy". */
export type HashRunner = <T>(hash: () => Promise<T>) => Promise<T | "busy">;
const runNow: HashRunner = (hash) => hash();

/**
 * Checks a login. Returns the account, or null for an unknown user or a wrong password
 * (the caller cannot tell which), or "busy" when `runHash` had no slot for the hash.
 * Bans are the caller's decision (bannedUntil).
 */
export async function verifyLogin(
  db: D1Database,
  username: string,
  password: string,
  runHash: HashRunner = runNow,
): Promise<Account | null | "busy"> {
  const name = normalizeUserName(username);
  const row =
    name.length > 0
      ? await db
          .prepare(`${USER_WITH_ORDER} WHERE u.username = ?2`)
          .bind(Date.now() - ORDER_LAPSE_MS, name)
          .first<UserRow>()
      : null;
  const candidate = encodeMacRoman(password);
  if (!row || password.length === 0) {
    dummyHash ??= hashPassword(new Uint8Array([0]));
    const stored = await dummyHash;
    const done = await runHash(() => verifyPassword(candidate, stored));
    return done === "busy" ? "busy" : null;
  }
  const good = await runHash(() =>
    verifyPassword(candidate, {
      algorithm: row.password_algorithm,
      iterations: row.password_iterations,
      salt: toBytes(row.password_salt),
      hash: toBytes(row.password_hash),
    }),
  );
  if (good === "busy") return "busy";
  return good ? toAccount(row) : null;
}

/**
 * True when any of these names (normalised, §1.3) is a registered player's login name or nick:
 * a guest may not appear under it.
 */
export async function nameTaken(db: D1Database, names: readonly string[]): Promise<boolean> {
  const keys = [...new Set(names.map(normalizeUserName).filter((k) => k.length > 0))];
  if (keys.length === 0) return false;
  const marks = keys.map(() => "?").join(", ");
  const row = await db
    .prepare(`SELECT 1 FROM users WHERE username IN (${marks}) OR nick_key IN (${marks}) LIMIT 1`)
    .bind(...keys, ...keys)
    .first();
  return row !== null;
}

export async function getAccount(db: D1Database, id: number): Promise<Account | null> {
  const row = await db
    .prepare(`${USER_WITH_ORDER} WHERE u.id = ?2`)
    .bind(Date.now() - ORDER_LAPSE_MS, id)
    .first<UserRow>();
  return row ? toAccount(row) : null;
}

/** The account with this login name (formatting and case ignored), or null. */
export async function getAccountByName(db: D1Database, name: string): Promise<Account | null> {
  const key = normalizeUserName(name);
  if (key === "") return null;
  const row = await db.prepare("SELECT * FROM users WHERE username = ?").bind(key).first<UserRow>();
  return row ? toAccount(row) : null;
}

/** Notes a successful login and, when given, the player data the client sent (§4.2). */
export async function recordLogin(
  db: D1Database,
  id: number,
  playerData?: Uint8Array | null,
  now = Date.now(),
): Promise<void> {
  if (playerData) {
    await db
      .prepare("UPDATE users SET last_login_at = ?, player_data = ? WHERE id = ?")
      .bind(now, playerData, id)
      .run();
  } else {
    await db.prepare("UPDATE users SET last_login_at = ? WHERE id = ?").bind(now, id).run();
  }
}

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  password_hash: unknown;
  password_salt: unknown;
  password_iterations: number;
  password_algorithm: string;
  nick: string;
  team: string;
  primary_color: number;
  secondary_color: number;
  coat_of_arms: number;
  admin_level: number;
  disabled?: number;
  player_data: unknown;
  banned_until: number | null;
  banned_reason: string | null;
  order_id?: number | null;
}

function toAccount(row: UserRow): Account {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    nick: row.nick,
    team: row.team,
    primaryColor: row.primary_color,
    secondaryColor: row.secondary_color,
    coatOfArms: row.coat_of_arms,
    adminLevel: row.admin_level,
    disabled: row.disabled === 1,
    bannedUntil: row.banned_until,
    bannedReason: row.banned_reason,
    playerData: row.player_data == null ? null : toBytes(row.player_data),
    orderId: row.order_id ?? null,
  };
}

/** D1 hands BLOBs back as ArrayBuffer or as an array of numbers, depending on the path. */
export function blobBytes(v: unknown): Uint8Array {
  return toBytes(v);
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  throw new TypeError("expected a BLOB column");
}

/** One audit_log row on its own (changes made by several statements write it after them). */
export async function writeAudit(db: D1Database, entry: AuditEntry, target: string, now = Date.now()): Promise<void> {
  await db
    .prepare("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")
    .bind(now, entry.actor, entry.action, target, JSON.stringify(entry.detail ?? {}))
    .run();
}
