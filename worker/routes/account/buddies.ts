/**
 * /account/buddies: the buddy list of the game's buddy window (the same D1 rows update_buddy
 * 120 writes, edge/social/buddies.ts): add by name, remove; an online client gets a fresh 19. The web has no client dialect, so
 * the limit is Myth II 1.8's 16 slots; an older client shows the first 8 (rules.ts buddyLimit).
 */
import { type Context, Hono } from "hono";
import { html } from "hono/html";
import { getAccount, getAccountByName } from "../../../edge/accounts.ts";
import { userActor } from "../../../edge/moderation/rules.ts";
import { buddyLimit, listBuddies, updateBuddy } from "../../../edge/social/buddies.ts";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import type { WebSession } from "../../web/session.ts";
import { csrfField } from "../dashboard/layout.ts";
import { type AccountPageOptions, accountPage, auditOwn, field, signedIn } from "./guard.ts";
import { pushSocialChange } from "./push.ts";

export const buddies = new Hono<AppEnv>();

const LIMIT = buddyLimit("myth2");

const REFUSALS = {
  full: `Your buddy list is full (${LIMIT}).`,
  unknown: "No account has that name.",
  self: "You cannot be your own buddy.",
  unavailable: "The buddy list could not be changed; try again.",
} as const;

async function buddiesPage(c: Context<AppEnv>, s: WebSession, options: Omit<AccountPageOptions, "title"> = {}) {
  const ids = await listBuddies(c.env.DB, s.account.id);
  const accounts = await Promise.all(ids.map((id) => getAccount(c.env.DB, id)));
  return accountPage(
    c,
    s,
    { title: "Buddies", ...options },
    html`<div class="card">
        ${
          ids.length === 0
            ? html`<p class="note">No buddies yet.</p>`
            : html`<table data-testid="buddies">
                <tr><th>Name</th><th></th></tr>
                ${ids.map(
                  (id, i) =>
                    html`<tr><td>${accounts[i]?.displayName ?? `#${id}`}</td><td>
                      <form class="inline" method="post" action="/account/buddies/remove">
                        ${csrfField(s.csrf)}<input type="hidden" name="id" value="${id}" /><button>Remove</button>
                      </form></td></tr>`,
                )}
              </table>`
        }
      </div>
      <form class="card" method="post" action="/account/buddies/add">
        ${csrfField(s.csrf)}
        <label>Account name <input name="name" maxlength="31" required /></label> <button>Add buddy</button>
        <p class="note">
          ${ids.length} of ${LIMIT}. The game's buddy window shows them at once if you are online (older clients: the first 8).
        </p>
      </form>`,
  );
}

buddies.get(
  "/account/buddies",
  withConfig,
  signedIn((c, s) => buddiesPage(c, s)),
);

buddies.post(
  "/account/buddies/add",
  withConfig,
  signedIn(async (c, s, form) => {
    const buddy = await getAccountByName(c.env.DB, field(form, "name", 64));
    if (!buddy) return buddiesPage(c, s, { error: REFUSALS.unknown, status: 400 });
    const result = await updateBuddy(c.env.DB, s.account.id, buddy.id, true, LIMIT);
    if (!result.ok) return buddiesPage(c, s, { error: REFUSALS[result.reason], status: 400 });
    await auditOwn(c, s, { action: "account.buddy.add", detail: { buddy: userActor(buddy.id) } });
    pushSocialChange(c, s.account.id, { buddies: true });
    return c.redirect("/account/buddies?done=Buddy%20added.", 303);
  }),
);

buddies.post(
  "/account/buddies/remove",
  withConfig,
  signedIn(async (c, s, form) => {
    const id = Number(field(form, "id", 16));
    if (!Number.isInteger(id) || id < 1) return buddiesPage(c, s, { error: "No such buddy.", status: 400 });
    await updateBuddy(c.env.DB, s.account.id, id, false, LIMIT);
    await auditOwn(c, s, { action: "account.buddy.remove", detail: { buddy: userActor(id) } });
    pushSocialChange(c, s.account.id, { buddies: true });
    return c.redirect("/account/buddies?done=Buddy%20removed.", 303);
  }),
);
