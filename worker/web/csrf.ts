/**
 * CSRF protection for every form and every cookie-authenticated unsafe request. Signed in: the
 * session's own token (web_sessions.csrf) in a hidden `_csrf` field or an `X-CSRF-Token`
 * header. Before sign-in (the sign-in form itself): a double-submit token, a random cookie that
 * the form repeats. SameSite=Strict already keeps other sites' requests cookieless; this is
 * the second lock.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { secretsEqual } from "../../edge/passwords.ts";
import type { AppEnv } from "../context.ts";
import { isLocalHost, randomToken } from "./session.ts";

export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const PRE_SESSION_COOKIE = "myth_csrf";

/** True when the request carries `expected` in the form field or the header. */
export async function csrfMatches(c: Context<AppEnv>, expected: string, form?: FormData): Promise<boolean> {
  const given = c.req.header(CSRF_HEADER) ?? (form?.get(CSRF_FIELD) as string | null) ?? "";
  return given.length > 0 && (await secretsEqual(given, expected));
}

/** The pre-session token for the sign-in form (set once, then reused). */
export function preSessionToken(c: Context<AppEnv>): string {
  const existing = getCookie(c, PRE_SESSION_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{16,64}$/.test(existing)) return existing;
  const token = randomToken(24);
  setCookie(c, PRE_SESSION_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: !isLocalHost(c),
  });
  return token;
}

/** The sign-in form's check: the field must repeat the cookie. */
export async function preSessionMatches(c: Context<AppEnv>, form: FormData): Promise<boolean> {
  const cookie = getCookie(c, PRE_SESSION_COOKIE);
  return cookie ? csrfMatches(c, cookie, form) : false;
}
