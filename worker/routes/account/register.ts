/**
 * /account/register: optional self-registration, off unless the operator sets
 * ALLOW_SELF_REGISTRATION=true. Each address may try SELF_REGISTRATIONS_PER_DAY times a day: a
 * "register" bucket in the address's LoginLimiter (the same budget style as guest and account
 * logins), taken before the password hash.
 */
import { type Context, Hono } from "hono";
import { html } from "hono/html";
import { createAccount } from "../../../edge/accounts.ts";
import { appendAudit } from "../../../edge/moderation/audit.ts";
import { userActor } from "../../../edge/moderation/rules.ts";
import { loginLimiterStub } from "../../../edge/objects.ts";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import { preSessionMatches, preSessionToken } from "../../web/csrf.ts";
import { clientAddress } from "../../web/session.ts";
import { csrfField } from "../dashboard/layout.ts";
import { accountPage, field } from "./guard.ts";

export const register = new Hono<AppEnv>();

const DAY_MS = 86_400_000;

function registerPage(c: Context<AppEnv>, error: string | null, status: 200 | 400 | 403 | 404 | 429 = 200) {
  if (!c.var.config.selfRegistration.allowed) {
    return accountPage(
      c,
      null,
      { title: "No self-registration", status: 404 },
      html`<p class="card">This server does not let players create accounts themselves; ask its staff for one.</p>`,
    );
  }
  const token = preSessionToken(c);
  return accountPage(
    c,
    null,
    { title: "Create an account", error, status },
    html`<form class="card" method="post" action="/account/register">
      ${csrfField(token)}
      <p><label>Account name<br /><input name="username" autocomplete="username" required maxlength="31" /></label></p>
      <p><label>Password<br /><input name="password" type="password" autocomplete="new-password" required maxlength="15" /></label></p>
      <p><label>Password again<br /><input name="repeat" type="password" autocomplete="new-password" required maxlength="15" /></label></p>
      <p><button>Create the account</button></p>
      <p class="note">At most 31 characters for the name and 15 for the password (the game's fields).</p>
    </form>`,
  );
}

register.get("/account/register", withConfig, (c) => registerPage(c, null));

register.post("/account/register", withConfig, async (c) => {
  const { allowed, perDay } = c.var.config.selfRegistration;
  if (!allowed) return registerPage(c, null);
  const form = await c.req.formData().catch(() => new FormData());
  if (!(await preSessionMatches(c, form))) return registerPage(c, "The form expired; please try again.", 403);
  // Every try counts (a refused name too: no probing for free); the bucket refills over a day.
  const gate = await loginLimiterStub(c.env, clientAddress(c)).beginLogin("register", {
    maxFailures: 1,
    failureWindowMs: 0,
    perMinute: perDay / (DAY_MS / 60_000),
    burst: perDay,
  });
  if (!gate.ok) return registerPage(c, "Too many accounts created from your address; try again tomorrow.", 429);
  const [username, password, repeat] = [
    field(form, "username", 64),
    field(form, "password", 64),
    field(form, "repeat", 64),
  ];
  if (password !== repeat) return registerPage(c, "The passwords differ.", 400);
  const result = await createAccount(c.env.DB, { username, password });
  if (!result.ok) return registerPage(c, `Not created: ${result.message}.`, 400);
  const id = result.account.id;
  await appendAudit(c.env.DB, {
    actor: userActor(id),
    action: "account.register",
    target: userActor(id),
    actorAddress: clientAddress(c),
    detail: { username: result.account.username },
  });
  return c.redirect("/account/signin?done=Account%20created.%20Sign%20in.", 303);
});
