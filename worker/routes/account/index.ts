/**
 * A player's own web account under /account/ (issue 13): server-rendered pages that work
 * without JavaScript, on the dashboard's sign-in (worker/web/session.ts, any admin level, the
 * same session cookie and CSRF tokens) and the dashboard's page shell. Each area is one file:
 * profile.ts (stats, profile, nick, password), buddies.ts, order.ts, game-passwords.ts and
 * register.ts (optional sign-up). Every change writes an audit row as "user:<id>".
 */
import { type Context, Hono } from "hono";
import { html } from "hono/html";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import { preSessionMatches, preSessionToken } from "../../web/csrf.ts";
import { signIn, signOut } from "../../web/session.ts";
import { signInFields } from "../dashboard/layout.ts";
import { buddies } from "./buddies.ts";
import { gamePasswords } from "./game-passwords.ts";
import { accountPage, field, signedIn } from "./guard.ts";
import { order } from "./order.ts";
import { profile } from "./profile.ts";
import { register } from "./register.ts";

export const account = new Hono<AppEnv>();

const SIGN_IN_ERRORS = {
  throttled: "Too many failed logins from your address; try again later.",
  "bad-login": "Wrong name or password.",
  banned: "Wrong name or password.",
  level: "Wrong name or password.",
} as const;

function signInPage(c: Context<AppEnv>, error: string | null, status: 200 | 401 | 403 | 429 = 200) {
  const token = preSessionToken(c);
  const canRegister = c.var.config.selfRegistration.allowed;
  return accountPage(
    c,
    null,
    { title: "Sign in to your account", error, status },
    html`<form class="card" method="post" action="/account/signin">
      ${signInFields(token)}
      <p class="note">
        The account you log in to the game with (its own password, not a game password).
        ${canRegister ? html`No account yet? <a href="/account/register">Create one</a>.` : ""}
      </p>
    </form>`,
  );
}

account.get("/account", (c) => c.redirect("/account/", 301));
account.get("/account/signin", withConfig, (c) => signInPage(c, null));

account.post("/account/signin", withConfig, async (c) => {
  const form = await c.req.formData().catch(() => new FormData());
  if (!(await preSessionMatches(c, form))) return signInPage(c, "The form expired; please try again.", 403);
  // Any admin level: a player's own account. Wrong name, wrong password, banned: one answer.
  const result = await signIn(c, field(form, "username", 64), field(form, "password", 64), 0);
  if (!result.ok) return signInPage(c, SIGN_IN_ERRORS[result.reason], result.reason === "throttled" ? 429 : 401);
  return c.redirect("/account/", 303);
});

account.post(
  "/account/signout",
  withConfig,
  signedIn(async (c) => {
    await signOut(c);
    return c.redirect("/account/signin?done=Signed%20out.", 303);
  }),
);

account.route("/", profile);
account.route("/", buddies);
account.route("/", order);
account.route("/", gamePasswords);
account.route("/", register);
