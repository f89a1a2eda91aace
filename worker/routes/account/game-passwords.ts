/**
 * /account/game-passwords: separate passwords for game clients (edge/social/game-passwords.ts):
 * create one (shown once, on the answer to the POST, never stored in clear), list, revoke (it
 * is refused from the next login, code 3).
 */
import { type Context, Hono } from "hono";
import { html } from "hono/html";
import { isMacRomanText } from "../../../edge/accounts.ts";
import {
  createGamePassword,
  listGamePasswords,
  MAX_GAME_PASSWORDS,
  revokeGamePassword,
} from "../../../edge/social/game-passwords.ts";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import type { WebSession } from "../../web/session.ts";
import { csrfField, when } from "../dashboard/layout.ts";
import { type AccountPageOptions, accountPage, auditOwn, field, signedIn } from "./guard.ts";

export const gamePasswords = new Hono<AppEnv>();

const MAX_LABEL = 40;

async function gamePasswordsPage(
  c: Context<AppEnv>,
  s: WebSession,
  options: Omit<AccountPageOptions, "title"> & { created?: { password: string; label: string } } = {},
) {
  const list = await listGamePasswords(c.env.DB, s.account.id);
  const active = list.filter((p) => p.revokedAt === null).length;
  return accountPage(
    c,
    s,
    { title: "Game passwords", ...options },
    html`${
      options.created
        ? html`<div class="card flash">
            <p>Your new game password${options.created.label ? html` (${options.created.label})` : ""}:</p>
            <p><code data-testid="new-game-password" style="font-size:1.4rem">${options.created.password}</code></p>
            <p class="note">Type it into the game's password field instead of your account password. It is shown only now.</p>
          </div>`
        : ""
    }
      <div class="card">
        ${
          list.length === 0
            ? html`<p class="note">No game passwords yet.</p>`
            : html`<table data-testid="game-passwords">
                <tr><th>Label</th><th>Created</th><th>Last used</th><th>State</th><th></th></tr>
                ${list.map(
                  (p) => html`<tr>
                    <td>${p.label || "—"}</td><td>${when(p.createdAt)}</td><td>${when(p.lastUsedAt)}</td>
                    <td>${p.revokedAt === null ? "active" : html`revoked ${when(p.revokedAt)}`}</td>
                    <td>${
                      p.revokedAt === null
                        ? html`<form class="inline" method="post" action="/account/game-passwords/${p.id}/revoke">
                            ${csrfField(s.csrf)}<button class="danger">Revoke</button>
                          </form>`
                        : ""
                    }</td></tr>`,
                )}
              </table>`
        }
      </div>
      <form class="card" method="post" action="/account/game-passwords">
        ${csrfField(s.csrf)}
        <label>Label (which computer) <input name="label" maxlength="${MAX_LABEL}" /></label>
        <button>Create a game password</button>
        <p class="note">
          ${active} of ${MAX_GAME_PASSWORDS} active. Old clients send passwords in weak schemes: a game password keeps your
          account password off the wire, and you can revoke it alone.
        </p>
      </form>`,
  );
}

gamePasswords.get(
  "/account/game-passwords",
  withConfig,
  signedIn((c, s) => gamePasswordsPage(c, s)),
);

gamePasswords.post(
  "/account/game-passwords",
  withConfig,
  signedIn(async (c, s, form) => {
    const label = field(form, "label", 256).trim();
    if (label.length > MAX_LABEL || !isMacRomanText(label))
      return gamePasswordsPage(c, s, {
        error: `The label must be at most ${MAX_LABEL} plain characters.`,
        status: 400,
      });
    const result = await createGamePassword(c.env.DB, s.account.id, label);
    if (!result.ok) return gamePasswordsPage(c, s, { error: `Not created: ${result.message}.`, status: 400 });
    await auditOwn(c, s, {
      action: "account.game-password.create",
      detail: { id: result.credential.id, label },
    });
    // Answered here, not redirected: the only time the password is shown.
    return gamePasswordsPage(c, s, { created: { password: result.password, label } });
  }),
);

gamePasswords.post(
  "/account/game-passwords/:id/revoke",
  withConfig,
  signedIn(async (c, s) => {
    const id = Number(c.req.param("id"));
    const found = Number.isInteger(id) && id > 0 && (await revokeGamePassword(c.env.DB, s.account.id, id));
    if (!found) return gamePasswordsPage(c, s, { error: "No such game password.", status: 404 });
    await auditOwn(c, s, { action: "account.game-password.revoke", detail: { id } });
    return c.redirect("/account/game-passwords?done=Game%20password%20revoked.", 303);
  }),
);
