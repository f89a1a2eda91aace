/**
 * The page shell of the dashboard and the public pages: server-rendered with Hono's `html` template, which escapes every
 * interpolated value (player names such as `<script>` exist), a little CSS that reads on a
 * phone, and one script file (app.ts) for the live parts. A strict CSP allows no inline script.
 */
import type { Context } from "hono";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AppEnv } from "../../context.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

const STYLE = `
body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1d232a;background:#f4f5f7}
header{background:#20303f;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
header a{color:#dfe9f3;text-decoration:none}header strong{margin-right:auto}
main{padding:1rem;max-width:70rem;margin:auto}
.card{background:#fff;border-radius:6px;padding:.8rem 1rem;margin:0 0 1rem;box-shadow:0 1px 2px #0002;overflow-x:auto}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{font-weight:600;font-size:.85rem;color:#56616c}
form.inline{display:inline-flex;gap:.3rem;flex-wrap:wrap;margin:0}
input,select,button{font:inherit;padding:.3rem .5rem}button{cursor:pointer}
button.danger{background:#b3261e;color:#fff;border:0;border-radius:4px}
.note{color:#56616c;font-size:.9rem}.flash{background:#e6f4ea;padding:.5rem 1rem;border-radius:4px}
.error{background:#fce8e6;padding:.5rem 1rem;border-radius:4px}
.stats{display:flex;flex-wrap:wrap;gap:1rem}.stats div{min-width:8rem}.stats b{font-size:1.6rem;display:block}
svg{max-width:100%}
`;

export interface PageOptions {
  title: string;
  /** Signed-in staff member's name (the header shows the menu), or null on the sign-in page. */
  who: string | null;
  /** The session's CSRF token, for the sign-out form. */
  csrf?: string;
  flash?: string | null;
  error?: string | null;
  /** The public site's menu instead of the staff one (worker/routes/public/). */
  public?: boolean;
  /** Another site's menu (the player web account, worker/routes/account/); wins over the others. */
  menu?: Html;
}

export function page(
  c: Context<AppEnv>,
  options: PageOptions,
  body: Html,
  status: 200 | 400 | 401 | 403 | 404 | 429 = 200,
) {
  c.header("Content-Security-Policy", CSP);
  c.header("Cache-Control", "no-store");
  c.header("X-Content-Type-Options", "nosniff");
  const menu = options.menu
    ? options.menu
    : options.who
      ? html`<a href="/admin/">Overview</a><a href="/admin/dashboard/games">Games</a
        ><a href="/admin/dashboard/users">Users</a><a href="/admin/dashboard/bans">Bans</a
        ><a href="/admin/dashboard/audit">Audit log</a><a href="/admin/docs">API</a>
        <form class="inline" method="post" action="/admin/signout">
          <input type="hidden" name="_csrf" value="${options.csrf ?? ""}" /><button>Sign out ${options.who}</button>
        </form>`
      : options.public
        ? html`<a href="/">Online now</a><a href="/games">Games</a><a href="/rankings">Rankings</a>`
        : "";
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>${options.title} · Myth metaserver</title>
          <style>
            ${raw(STYLE)}
          </style>
          <script src="/admin/dashboard/app.js" defer></script>
        </head>
        <body>
          <header><strong>Myth metaserver</strong>${menu}</header>
          <main>
            <h1>${options.title}</h1>
            ${options.flash ? html`<p class="flash" role="status">${options.flash}</p>` : ""}
            ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ""} ${body}
          </main>
        </body>
      </html>`,
    status,
  );
}

/** The hidden CSRF field every form carries. */
export function csrfField(csrf: string) {
  return html`<input type="hidden" name="_csrf" value="${csrf}" />`;
}

/** The sign-in form's fields (dashboard and player account share the sign-in, so the form too). */
export function signInFields(csrf: string) {
  return html`${csrfField(csrf)}
    <p><label>Account name<br /><input name="username" autocomplete="username" required maxlength="31" /></label></p>
    <p>
      <label>Password<br /><input name="password" type="password" autocomplete="current-password" required maxlength="15" /></label>
    </p>
    <p><button>Sign in</button></p>`;
}

export function when(ms: number | null): string {
  return ms === null ? "—" : new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}
