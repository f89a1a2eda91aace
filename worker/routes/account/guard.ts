/**
 * What every page of the player web account shares: the signed-in check and CSRF check
 * (worker/web/: the dashboard's sign-in, any admin level), the page shell (the dashboard's
 * layout with the account's menu), the audit row of each change (actor "user:<id>") and a
 * throttle for passwords other than the account's (order passwords), which spends the same
 * per-address failure budget as game logins.
 */
import type { Context, Handler } from "hono";
import { html } from "hono/html";
import { addressLimits } from "../../../edge/login/deps.ts";
import { appendAudit } from "../../../edge/moderation/audit.ts";
import { type AuditEntry, userActor } from "../../../edge/moderation/rules.ts";
import { loginLimiterStub } from "../../../edge/objects.ts";
import type { AppEnv } from "../../context.ts";
import { csrfMatches } from "../../web/csrf.ts";
import { clientAddress, currentSession, type WebSession } from "../../web/session.ts";
import { csrfField, type Html, page } from "../dashboard/layout.ts";

export type AccountHandler = (c: Context<AppEnv>, session: WebSession, form: FormData) => Response | Promise<Response>;

/**
 * A page for a signed-in player: no session ⇒ the sign-in form; a POST must carry the session's
 * CSRF token (403 JSON otherwise, as the dashboard).
 */
export function signedIn(handler: AccountHandler): Handler<AppEnv> {
  return async (c) => {
    const session = await currentSession(c);
    if (!session) return c.redirect("/account/signin", 303);
    let form = new FormData();
    if (c.req.method === "POST") {
      // Not a form (JSON, garbage): no CSRF field to find, so the same refusal.
      const parsed = await c.req.formData().catch(() => undefined);
      if (!parsed || !(await csrfMatches(c, session.csrf, parsed)))
        return c.json({ error: "missing or wrong CSRF token" }, 403);
      form = parsed;
    }
    return handler(c, session, form);
  };
}

/** A form field as text, cut to `max` (the checks after it give the real limits). */
export function field(form: FormData, name: string, max = 512): string {
  const v = form.get(name);
  return typeof v === "string" ? v.slice(0, max) : "";
}

export interface AccountPageOptions {
  title: string;
  flash?: string | null;
  error?: string | null;
  status?: 200 | 400 | 401 | 403 | 404 | 429;
}

/** The account's page shell; `session` null on the sign-in and sign-up pages. */
export function accountPage(c: Context<AppEnv>, session: WebSession | null, options: AccountPageOptions, body: Html) {
  const menu = session
    ? html`<a href="/account/">My account</a><a href="/account/buddies">Buddies</a><a href="/account/order">Order</a
        ><a href="/account/game-passwords">Game passwords</a>
        <form class="inline" method="post" action="/account/signout">
          ${csrfField(session.csrf)}<button>Sign out ${session.account.displayName}</button>
        </form>`
    : html`<a href="/">Online now</a><a href="/rankings">Rankings</a><a href="/account/signin">Sign in</a>`;
  return page(
    c,
    {
      title: options.title,
      who: null,
      menu,
      flash: options.flash ?? c.req.query("done") ?? null,
      error: options.error ?? null,
    },
    body,
    options.status ?? 200,
  );
}

/** Writes the audit row of a player's own change (awaited before the page answers). */
export function auditOwn(
  c: Context<AppEnv>,
  session: WebSession,
  entry: Omit<AuditEntry, "actor" | "actorAddress">,
): Promise<void> {
  return appendAudit(c.env.DB, {
    target: userActor(session.account.id),
    ...entry,
    actor: userActor(session.account.id),
    actorAddress: clientAddress(c),
  });
}

/** The audit fields edge/moderation/users.ts wants for a player acting on their own account. */
export function ownActor(c: Context<AppEnv>, session: WebSession) {
  return { actor: userActor(session.account.id), actorAddress: clientAddress(c) };
}

/**
 * Checks a secret that is not the account password (an order's password) under the address's
 * failure budget of game logins (LoginLimiter): counted as a failure first, forgiven when right.
 */
export async function throttledCheck(
  c: Context<AppEnv>,
  check: () => Promise<boolean>,
): Promise<boolean | "throttled"> {
  const limiter = loginLimiterStub(c.env, clientAddress(c));
  const gate = await limiter.beginLogin("account", addressLimits(c.var.config, "account"));
  if (!gate.ok) return "throttled";
  const ok = await check();
  if (ok && gate.ticket !== null) await limiter.forgive(gate.ticket);
  return ok;
}

export const THROTTLED = "Too many failed password tries from your address; try again later.";
