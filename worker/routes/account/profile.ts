/**
 * /account/: own stats and recent games (issue 12's queries, edge/results/views.ts), the
 * profile (city, state, country, quote: the fields of update_player_information 122, stored
 * where the room stores them, so player_info 17 shows them), the nick and the password.
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { html } from "hono/html";
import { isMacRomanText } from "../../../edge/accounts.ts";
import { limitedVerify } from "../../../edge/login/deps.ts";
import { patchUser, resetPassword } from "../../../edge/moderation/users.ts";
import { profileById, updateProfile } from "../../../edge/results/queries.ts";
import { playerView } from "../../../edge/results/views.ts";
import { MAX_LONG_NAME_LENGTH } from "../../../protocol/messages/codec.ts";
import { MAX_QUOTE_LENGTH } from "../../../protocol/structs/player-info.ts";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import { clientAddress, type WebSession } from "../../web/session.ts";
import { csrfField, when } from "../dashboard/layout.ts";
import { type AccountPageOptions, accountPage, auditOwn, field, ownActor, signedIn, THROTTLED } from "./guard.ts";

export const profile = new Hono<AppEnv>();

const PROFILE_FIELDS = [
  ["city", "City", MAX_LONG_NAME_LENGTH],
  ["state", "State", MAX_LONG_NAME_LENGTH],
  ["country", "Country", MAX_LONG_NAME_LENGTH],
  ["quote", "Quote", MAX_QUOTE_LENGTH],
] as const;

async function overview(c: Context<AppEnv>, s: WebSession, options: Omit<AccountPageOptions, "title"> = {}) {
  const [row, view] = await Promise.all([
    profileById(c.env.DB, s.account.id),
    playerView(c.env.DB, s.account.username),
  ]);
  const csrf = s.csrf;
  const stats = view?.stats ?? [];
  const games = view?.recentGames ?? [];
  const overall = view?.ratings.find((r) => r.category === "overall");
  return accountPage(
    c,
    s,
    { title: `Account of ${s.account.displayName}`, ...options },
    html`<div class="card">
        <h2>Stats</h2>
        <div class="stats">
          <div><b data-testid="rating">${overall ? overall.rating.toFixed(0) : "—"}</b>rating (overall)</div>
          <div><b>${overall?.games ?? 0}</b>rated games</div>
          ${stats
            .filter((st) => st.category === "overall" || st.category === "unranked")
            .map(
              (st) => html`<div><b>${st.gamesPlayed}</b>${st.category} games, ${st.wins} won, ${st.losses} lost</div>`,
            )}
        </div>
        <h2>Recent games</h2>
        ${
          games.length === 0
            ? html`<p class="note">No games recorded yet.</p>`
            : html`<table>
                <tr><th>Started</th><th>Game</th><th>Map</th><th>Type</th><th>Status</th></tr>
                ${games.map(
                  (g) =>
                    html`<tr><td>${when(g.startedAt)}</td><td>${g.name}</td><td>${g.map}</td><td>${g.gameTypeName}</td><td>${g.status}</td></tr>`,
                )}
              </table>`
        }
        <p class="note">Your public page: <a href="/players/${encodeURIComponent(s.account.username)}">/players/${s.account.username}</a></p>
      </div>
      <form class="card" method="post" action="/account/profile">
        ${csrfField(csrf)}
        <h2>Profile</h2>
        <p class="note">What other players see in the game's player information window.</p>
        ${PROFILE_FIELDS.map(
          ([name, label, max]) =>
            html`<p><label>${label}<br />${
              name === "quote"
                ? html`<textarea name="quote" rows="3" cols="40" maxlength="${max}">${row?.quote ?? ""}</textarea>`
                : html`<input name="${name}" maxlength="${max}" value="${row?.[name] ?? ""}" />`
            }</label></p>`,
        )}
        <button>Save profile</button>
      </form>
      <form class="card" method="post" action="/account/nick">
        ${csrfField(csrf)}
        <h2>Nick</h2>
        <p><label>Nick <input name="nick" maxlength="31" required value="${row?.nick ?? s.account.nick}" /></label>
          <button>Change nick</button></p>
        <p class="note">Shown from your next login to a room.</p>
      </form>
      <form class="card" method="post" action="/account/password">
        ${csrfField(csrf)}
        <h2>Password</h2>
        <p><label>Current password<br /><input name="old" type="password" autocomplete="current-password" required maxlength="15" /></label></p>
        <p><label>New password<br /><input name="new" type="password" autocomplete="new-password" required maxlength="15" /></label></p>
        <p><label>New password again<br /><input name="repeat" type="password" autocomplete="new-password" required maxlength="15" /></label></p>
        <button>Change password</button>
        <p class="note">At most 15 characters (the game's field). Every web sign-in ends; sign in again with the new one.</p>
      </form>`,
  );
}

profile.get(
  "/account/",
  withConfig,
  signedIn((c, s) => overview(c, s)),
);

profile.post(
  "/account/profile",
  withConfig,
  signedIn(async (c, s, form) => {
    const values = { city: "", state: "", country: "", quote: "" };
    for (const [name, label, max] of PROFILE_FIELDS) {
      const v = field(form, name, 4096).replaceAll("\r\n", "\n").trim();
      if (v.length > max) return overview(c, s, { error: `${label} is longer than ${max} characters.`, status: 400 });
      // The client shows them as Mac Roman C strings: no characters it cannot draw, no control codes.
      if (!isMacRomanText(v.replaceAll("\n", " ")))
        return overview(c, s, { error: `${label} has characters the Myth client cannot show.`, status: 400 });
      values[name] = v;
    }
    await updateProfile(c.env.DB, s.account.id, values);
    await auditOwn(c, s, { action: "account.profile", detail: values });
    return c.redirect("/account/?done=Profile%20saved.", 303);
  }),
);

profile.post(
  "/account/nick",
  withConfig,
  signedIn(async (c, s, form) => {
    const nick = field(form, "nick", 64).trim();
    const result = await patchUser(c.env.DB, s.account.id, { nick }, ownActor(c, s));
    if (!result.ok) return overview(c, s, { error: `Nick not changed: ${result.message}.`, status: 400 });
    return c.redirect("/account/?done=Nick%20changed.", 303);
  }),
);

profile.post(
  "/account/password",
  withConfig,
  signedIn(async (c, s, form) => {
    const [old, next, repeat] = [field(form, "old", 64), field(form, "new", 64), field(form, "repeat", 64)];
    if (next !== repeat) return overview(c, s, { error: "The new passwords differ.", status: 400 });
    // The old password under the game logins' limits, as a sign-in (no game passwords).
    const checked = await limitedVerify(c.env, c.var.config, clientAddress(c), s.account.username, old, false);
    if (checked && "refused" in checked) return overview(c, s, { error: THROTTLED, status: 429 });
    if (!checked || checked.id !== s.account.id)
      return overview(c, s, { error: "The current password is wrong.", status: 403 });
    // Hashed as at creation; ends every web session of the account (this one too) and audits.
    const result = await resetPassword(c.env.DB, s.account.id, next, ownActor(c, s));
    if (!result.ok) return overview(c, s, { error: `Password not changed: ${result.message}.`, status: 400 });
    return c.redirect("/account/signin?done=Password%20changed.%20Sign%20in%20with%20the%20new%20one.", 303);
  }),
);
