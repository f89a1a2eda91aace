/**
 * Web sign-in with the metaserver account (edge/accounts.ts verifyLogin): the staff dashboard
 * uses it today, the player web account can reuse it as is (`requireLevel` decides who may
 * see what). A session is a random 32-byte token in a cookie (HttpOnly, SameSite=Strict,
 * Secure except on localhost); D1 keeps only its SHA-256 (migrations/0005_web_sessions.sql),
 * with the session's CSRF token (csrf.ts). Sign-in attempts share the per-address failure
 * budget of game logins (the LoginLimiter object), so the web is no way around it.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { type Account, getAccount } from "../../edge/accounts.ts";
import { limitedVerify } from "../../edge/login/deps.ts";
import { findActiveBan } from "../../edge/moderation/bans.ts";
import type { AppEnv } from "../context.ts";

export const SESSION_COOKIE = "myth_session";

export interface WebSession {
  account: Account;
  csrf: string;
  expiresAt: number;
}

export type SignInResult =
  | { ok: true; token: string; session: WebSession }
  | { ok: false; reason: "throttled" | "bad-login" | "banned" | "level" };

/** Random bytes as base64url (cookie- and form-safe). */
export function randomToken(bytes = 32): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...b))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The client's address as Cloudflare (or the local edge) reports it; throttling keys on it. */
export function clientAddress(c: Context<AppEnv>): string {
  return c.req.header("CF-Connecting-IP") ?? "127.0.0.1";
}

/**
 * Checks the password (and the address's failure budget), then opens a session for an account
 * of at least `minLevel`. A banned or disabled account cannot sign in. Nothing tells a wrong name from a
 * wrong password.
 */
export async function signIn(
  c: Context<AppEnv>,
  username: string,
  password: string,
  minLevel: number,
): Promise<SignInResult> {
  const config = c.var.config;
  // The same limits as a game login, checked before the hash (edge/login/deps.ts); no game passwords.
  const account = await limitedVerify(c.env, config, clientAddress(c), username, password, false);
  if (account && "refused" in account) return { ok: false, reason: "throttled" };
  if (!account) return { ok: false, reason: "bad-login" };
  const now = Date.now();
  if (await shutOut(c, account, now)) return { ok: false, reason: "banned" };
  if (account.adminLevel < minLevel) return { ok: false, reason: "level" };
  const token = randomToken();
  const csrf = randomToken(24);
  const expiresAt = now + config.webSessionHours * 3_600_000;
  // Stored before the cookie is handed out; expired rows of anyone go in the same batch.
  await c.env.DB.batch([
    c.env.DB.prepare("DELETE FROM web_sessions WHERE expires_at <= ?").bind(now),
    c.env.DB.prepare(
      "INSERT INTO web_sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    ).bind(await sha256Hex(token), account.id, csrf, now, expiresAt),
  ]);
  setCookie(c, SESSION_COOKIE, token, cookieOptions(c, expiresAt));
  return { ok: true, token, session: { account, csrf, expiresAt } };
}

/** The request's session, or null (no cookie, unknown, expired, or the account is now banned or disabled). */
export async function currentSession(c: Context<AppEnv>): Promise<WebSession | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token || token.length > 128) return null;
  const row = await c.env.DB.prepare("SELECT user_id, csrf, expires_at FROM web_sessions WHERE token_hash = ?")
    .bind(await sha256Hex(token))
    .first<{ user_id: number; csrf: string; expires_at: number }>();
  const now = Date.now();
  if (!row || row.expires_at <= now) return null;
  const account = await getAccount(c.env.DB, row.user_id);
  if (!account || (await shutOut(c, account, now))) return null;
  return { account, csrf: row.csrf, expiresAt: row.expires_at };
}

/**
 * A disabled account, or one a ban in force covers (edge/moderation/bans.ts: the account, or
 * the address the request comes from), may not use the web; so a ban also ends its sessions.
 * `banned_until` is read only for rows from before the bans table (nothing writes it now).
 */
async function shutOut(c: Context<AppEnv>, account: Account, now: number): Promise<boolean> {
  if (account.disabled) return true;
  if (account.bannedUntil !== null && account.bannedUntil > now) return true;
  const ban = await findActiveBan(
    c.env.DB,
    { userId: account.id, guest: false, userName: account.username, clientAddress: clientAddress(c) },
    now,
  );
  return ban !== null;
}

export async function signOut(c: Context<AppEnv>): Promise<void> {
  const token = getCookie(c, SESSION_COOKIE);
  if (token)
    await c.env.DB.prepare("DELETE FROM web_sessions WHERE token_hash = ?")
      .bind(await sha256Hex(token))
      .run();
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/** Secure everywhere but on a loopback host (plain-http local development and the tests). */
export function isLocalHost(c: Context<AppEnv>): boolean {
  const host = new URL(c.req.url).hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host.endsWith(".localhost");
}

function cookieOptions(c: Context<AppEnv>, expiresAt: number) {
  return {
    path: "/",
    httpOnly: true,
    sameSite: "Strict" as const,
    secure: !isLocalHost(c),
    expires: new Date(expiresAt),
  };
}
