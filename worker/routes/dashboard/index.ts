/**
 * The staff dashboard under /admin/ (paths written out in full; mounted before the admin API,
 * so what it does not answer falls through to the API): sign-in, overview, a room, users, bans,
 * games (history, the disputed ones to decide), the audit log. Every page needs a staff sign-in (worker/web/session.ts, admin level ≥ 1);
 * every form carries the CSRF token; every action goes through edge/staff-actions.ts — the same
 * kicks, bans (issue 11's bans table), room messages and room lock as the admin API and the dot
 * commands — and lands in the audit log (edge/moderation/audit.ts) as "staff:<username>".
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { html } from "hono/html";
import { streamSSE } from "hono/streaming";
import { getAccount } from "../../../edge/accounts.ts";
import { roomById } from "../../../edge/config.ts";
import { queryAudit } from "../../../edge/moderation/audit.ts";
import { type Ban, listBans } from "../../../edge/moderation/bans.ts";
import { MAX_ADMIN_LEVEL } from "../../../edge/moderation/levels.ts";
import { patchUser, resetPassword, searchUsers } from "../../../edge/moderation/users.ts";
import { resultsStub, roomStub } from "../../../edge/objects.ts";
import * as q from "../../../edge/results/queries.ts";
import { playerViewOf, summaryView } from "../../../edge/results/views.ts";
import {
  banAccount,
  configureRoom,
  gagPlayer,
  kickPlayer,
  liftBanEverywhere,
  messageRoom,
  placeBan,
} from "../../../edge/staff-actions.ts";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import { csrfMatches, preSessionMatches, preSessionToken } from "../../web/csrf.ts";
import { currentSession, signIn, signOut, type WebSession } from "../../web/session.ts";
import { actorOf, adminActor } from "../admin/actor.ts";
import { STAFF_LEVEL } from "../admin/auth.ts";
import { liveRooms } from "../public/live.ts";
import { playerResults, recordedGamesTable, statusText } from "../public/results.ts";
import { APP_SCRIPT } from "./app-script.ts";
import { csrfField, page, signInFields, when } from "./layout.ts";
import { overviewData, overviewFragment, roomFragment, roomStatus } from "./live.ts";

/** The signed-in staff member (staffOnly ran before the handler). */
function staffOf(c: Context<AppEnv>): WebSession {
  const s = c.get("staff");
  if (!s) throw new Error("dashboard route without staffOnly");
  return s;
}

export const dashboard = new Hono<AppEnv>();

dashboard.get("/admin/dashboard/app.js", (c) =>
  c.body(APP_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "max-age=300" }),
);

// ------------------------------------------------------------------ sign-in

const SIGN_IN_ERRORS = {
  throttled: "Too many failed logins from your address; try again later.",
  "bad-login": "Wrong name or password.",
  banned: "Wrong name or password.",
  level: "This account is not staff (admin level 1 or more is needed).",
} as const;

function signInPage(c: Context<AppEnv>, error: string | null, status: 200 | 400 | 401 | 403 | 429 = 200) {
  const token = preSessionToken(c);
  return page(
    c,
    { title: "Sign in", who: null, error },
    html`<form class="card" method="post" action="/admin/signin">
      ${signInFields(token)}
      <p class="note">Your metaserver account, admin level 1 or more. Automation uses the bearer token on /admin/*.</p>
    </form>`,
    status,
  );
}

dashboard.get("/admin/signin", withConfig, (c) => signInPage(c, null));

dashboard.post("/admin/signin", withConfig, async (c) => {
  const form = await c.req.formData().catch(() => new FormData());
  if (!(await preSessionMatches(c, form))) return signInPage(c, "The form expired; please try again.", 403);
  const username = String(form.get("username") ?? "").slice(0, 64);
  const password = String(form.get("password") ?? "").slice(0, 64);
  const result = await signIn(c, username, password, STAFF_LEVEL);
  if (!result.ok) {
    console.warn(
      JSON.stringify({ level: "warn", component: "dashboard", event: "signin.refused", reason: result.reason }),
    );
    return signInPage(c, SIGN_IN_ERRORS[result.reason], result.reason === "throttled" ? 429 : 401);
  }
  return c.redirect("/admin/", 303);
});

const staffOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  const session = await currentSession(c);
  if (!session || session.account.adminLevel < STAFF_LEVEL) return c.redirect("/admin/signin", 303);
  c.set("staff", session);
  if (c.req.method === "POST") {
    // Not a form (a JSON body, garbage): no CSRF field to find, so the same refusal.
    const form = await c.req.formData().catch(() => undefined);
    if (!(await csrfMatches(c, session.csrf, form))) return c.json({ error: "missing or wrong CSRF token" }, 403);
  }
  await next();
};

dashboard.post("/admin/signout", withConfig, staffOnly, async (c) => {
  await signOut(c);
  return c.redirect("/admin/signin", 303);
});

// Middleware per route, never use("*"): mounted at /admin, a wildcard would catch the API too.
const staff = new Hono<AppEnv>();

function opts(c: Context<AppEnv>, title: string) {
  const s = staffOf(c);
  return { title, who: s.account.username, csrf: s.csrf, flash: c.req.query("done") ?? null };
}

// ------------------------------------------------------------------ overview and live events

staff.get("/admin/", withConfig, staffOnly, async (c) => {
  const overview = await overviewData(c.env, c.var.config);
  return page(
    c,
    opts(c, "Overview"),
    html`<div data-live="/admin/dashboard/events" id="overview">${overviewFragment(c.var.config, overview)}</div>
      <p class="note">
        Updates by itself. Recorded games, their history and the disputed ones are under
        <a href="/admin/dashboard/games">Games</a>. Prometheus reads <code>/metrics</code>.
      </p>`,
  );
});

/** Server-sent events: the overview (or one room with ?room=) each time it changes, for up to 5 minutes. */
staff.get("/admin/dashboard/events", withConfig, staffOnly, (c) => {
  const roomParam = c.req.query("room");
  const roomId = roomParam === undefined ? null : Number(roomParam);
  if (roomId !== null && !(Number.isInteger(roomId) && roomById(c.var.config, roomId))) {
    return c.json({ error: "no such room" }, 404);
  }
  const csrf = staffOf(c).csrf;
  return streamSSE(c, async (stream) => {
    let last = "";
    const until = Date.now() + 5 * 60_000;
    let checked = Date.now();
    while (!stream.aborted && Date.now() < until) {
      // A stream outlives its request: stop once the session ends (signed out, banned, expired).
      if (Date.now() - checked > 30_000) {
        checked = Date.now();
        const still = await currentSession(c);
        if (!still || still.account.adminLevel < STAFF_LEVEL) break;
      }
      const fragment =
        roomId === null
          ? String(await overviewFragment(c.var.config, await overviewData(c.env, c.var.config)))
          : String(await roomFragment(roomId, await roomStatus(c.env, roomId), csrf));
      if (fragment !== last) {
        last = fragment;
        await stream.writeSSE({ data: fragment, retry: 2000 });
      }
      await stream.sleep(1000);
    }
  });
});

// ------------------------------------------------------------------ a room

staff.get("/admin/dashboard/rooms/:id", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  const room = Number.isInteger(id) ? roomById(c.var.config, id) : undefined;
  if (!room) return page(c, { ...opts(c, "No such room"), flash: null }, html``, 404);
  const [status, settings] = await Promise.all([roomStatus(c.env, id), roomStub(c.env, id).settings()]);
  const live = settings.config ?? room;
  const csrf = staffOf(c).csrf;
  return page(
    c,
    opts(c, `${room.name} (room ${room.id})`),
    html`<p class="note">
        ${room.game} · ${room.type} · port ${room.port} · capacity ${live.capacity} · guests ${live.guests ? "allowed" : "not allowed"}
        ${live.locked ? html` · <b>locked</b>` : ""}
      </p>
      <div data-live="/admin/dashboard/events?room=${room.id}" id="room">${roomFragment(id, status, csrf)}</div>
      <form class="card" method="post" action="/admin/dashboard/rooms/${room.id}/message">
        ${csrfField(csrf)}
        <label>Message to everyone in the room <input name="text" maxlength="200" required /></label>
        <button>Send</button>
      </form>
      <form class="card" method="post" action="/admin/dashboard/rooms/${room.id}/settings">
        ${csrfField(csrf)}
        <h2>Settings (in effect at once)</h2>
        <p><label>Capacity <input name="capacity" type="number" min="1" max="${c.var.config.maxRoomCapacity}" value="${live.capacity}" /></label>
          <label><input type="checkbox" name="guests" value="1" ${live.guests ? "checked" : ""} /> guests may enter</label>
          <label><input type="checkbox" name="locked" value="1" ${live.locked ? "checked" : ""} /> locked (staff only)</label></p>
        <p><label>Join messages, one per line<br /><textarea name="joinMessages" rows="3" cols="40" maxlength="2000">${live.joinMessages.join("\n")}</textarea></label></p>
        <button>Save</button>
        <p class="note">
          Players already inside stay. The same as <code>PATCH /admin/rooms/${room.id}</code>; the lock is the one
          <code>.lock</code>/<code>.unlock</code> set in the room.
        </p>
      </form>`,
  );
});

staff.post("/admin/dashboard/rooms/:id/kick", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  if (!Number.isInteger(id) || !roomById(c.var.config, id)) return c.json({ error: "no such room" }, 404);
  const form = await c.req.formData();
  const userId = Number(form.get("userId"));
  if (!Number.isInteger(userId) || userId < 1) return c.json({ error: "userId must be a positive integer" }, 400);
  const reason = String(form.get("reason") ?? "").slice(0, 100) || "Kicked by staff";
  // Wherever the player is now (the directory's kick ends the session; its token dies).
  const kicked = await kickPlayer(c.env, adminActor(c), userId, reason);
  return c.redirect(
    `/admin/dashboard/rooms/${id}?done=${encodeURIComponent(kicked ? `Kicked user ${userId}` : `User ${userId} is not online`)}`,
    303,
  );
});

/** The gag beside kick: issue 11's gag (the room's placeGag, the one `.gag` uses), audited as "gag". */
staff.post("/admin/dashboard/rooms/:id/gag", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  if (!Number.isInteger(id) || !roomById(c.var.config, id)) return c.json({ error: "no such room" }, 404);
  const form = await c.req.formData();
  const userId = Number(form.get("userId"));
  if (!Number.isInteger(userId) || userId < 1) return c.json({ error: "userId must be a positive integer" }, 400);
  const minutes = Number(form.get("minutes") ?? 10);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
    return c.json({ error: "minutes must be an integer from 1 to 1440" }, 400);
  }
  const reason = String(form.get("reason") ?? "").slice(0, 100);
  const room = await gagPlayer(c.env, adminActor(c), userId, minutes, reason);
  const done = room === null ? `User ${userId} is not in a room` : `Gagged user ${userId} for ${minutes} min`;
  return c.redirect(`/admin/dashboard/rooms/${id}?done=${encodeURIComponent(done)}`, 303);
});

staff.post("/admin/dashboard/rooms/:id/settings", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  if (!Number.isInteger(id) || !roomById(c.var.config, id)) return c.json({ error: "no such room" }, 404);
  const form = await c.req.formData();
  const capacity = Number(form.get("capacity"));
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > c.var.config.maxRoomCapacity) {
    return c.json({ error: `capacity must be 1 to ${c.var.config.maxRoomCapacity}` }, 400);
  }
  const joinMessages = String(form.get("joinMessages") ?? "")
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0);
  if (joinMessages.length > 32 || joinMessages.some((l) => l.length > 255)) {
    return c.json({ error: "at most 32 join messages of 255 characters" }, 400);
  }
  const patch = { capacity, guests: form.get("guests") === "1", locked: form.get("locked") === "1", joinMessages };
  await configureRoom(c.env, adminActor(c), id, patch);
  return c.redirect(`/admin/dashboard/rooms/${id}?done=Settings%20saved`, 303);
});

staff.post("/admin/dashboard/rooms/:id/message", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  if (!Number.isInteger(id) || !roomById(c.var.config, id)) return c.json({ error: "no such room" }, 404);
  const text = String((await c.req.formData()).get("text") ?? "")
    .trim()
    .slice(0, 200);
  if (!text) return c.json({ error: "text is empty" }, 400);
  await messageRoom(c.env, adminActor(c), id, text);
  return c.redirect(`/admin/dashboard/rooms/${id}?done=${encodeURIComponent("Sent to the room")}`, 303);
});

// ------------------------------------------------------------------ users

staff.get("/admin/dashboard/users", withConfig, staffOnly, async (c) => {
  const q = (c.req.query("q") ?? "").trim().slice(0, 31);
  const rows = (await searchUsers(c.env.DB, q, 0, 50)).users;
  return page(
    c,
    opts(c, "Users"),
    html`<form class="card" method="get"><input name="q" value="${q}" placeholder="name or nick" /> <button>Search</button></form>
      <div class="card">
        <table>
          <thead><tr><th>Name</th><th>Nick</th><th>Level</th></tr></thead>
          <tbody>
            ${rows.map(
              (u) => html`<tr>
                <td><a href="/admin/dashboard/users/${u.id}">${u.username}</a></td><td>${u.nick}</td><td>${u.adminLevel}</td>
              </tr>`,
            )}
          </tbody>
        </table>
        ${rows.length === 50 ? html`<p class="note">First 50 shown: narrow the search.</p>` : ""}
      </div>`,
  );
});

staff.get("/admin/dashboard/users/:id", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  const account = Number.isInteger(id) ? await getAccount(c.env.DB, id) : null;
  if (!account) return page(c, { ...opts(c, "No such user"), flash: null }, html``, 404);
  const csrf = staffOf(c).csrf;
  const [bans, profile] = await Promise.all([
    listBans(c.env.DB, { active: true, userId: account.id, limit: 20 }),
    q.profileById(c.env.DB, account.id),
  ]);
  // Issue 12's player view: ratings, castes and stats per game type, recent games.
  const view = profile ? await playerViewOf(c.env.DB, profile) : null;
  // A ban from before the bans table (users.banned_until) still shows until it runs out.
  const legacy = account.bannedUntil !== null && account.bannedUntil > Date.now();
  return page(
    c,
    opts(c, `User ${account.username}`),
    html`<div class="card">
        <table>
          <tr><th>Id</th><td>${account.id}</td></tr>
          <tr><th>Name as registered</th><td>${account.displayName}</td></tr>
          <tr><th>Nick / team</th><td>${account.nick} / ${account.team}</td></tr>
          <tr><th>Admin level</th><td>${account.adminLevel}</td></tr>
          <tr><th>Banned</th><td data-testid="ban-state">
            ${bans.length === 0 && !legacy ? "no" : ""}
            ${bans.map((b) => html`<div>${banUntil(b)}: ${b.reason}</div>`)}
            ${legacy ? html`<div>until ${when(account.bannedUntil)}: ${account.bannedReason ?? ""} (old ban field)</div>` : ""}
          </td></tr>
        </table>
      </div>
      <div data-testid="user-stats">${view ? playerResults(c.var.config, view) : ""}</div>
      <form class="card" method="post" action="/admin/dashboard/users/${account.id}/ban" data-confirm="Ban ${account.username}?">
        ${csrfField(csrf)}
        <label>Ban for <input name="hours" type="number" min="1" max="87600" value="24" /> hours</label>
        <label>reason <input name="reason" maxlength="100" required value="" /></label>
        <button class="danger" name="ban">Ban</button>
      </form>
      ${bans.map(
        (b) => html`<div class="card">Ban ${b.id} (${banUntil(b)}, by ${b.createdBy})
          ${liftForm(b, csrf, `/admin/dashboard/users/${account.id}`)}</div>`,
      )}
      <form class="card" method="post" action="/admin/dashboard/users/${account.id}/level">
        ${csrfField(csrf)}
        <label>Admin level <input name="level" type="number" min="0" max="255" value="${account.adminLevel}" /></label>
        <button>Save</button>
      </form>
      <form class="card" method="post" action="/admin/dashboard/users/${account.id}/password" data-confirm="Set a new password for ${account.username}?">
        ${csrfField(csrf)}
        <label>New password <input name="password" type="password" autocomplete="new-password" maxlength="15" required /></label>
        <button>Reset password</button>
        <span class="note">Tell the player yourself; it is never shown or logged.</span>
      </form>
      <p><a href="/admin/dashboard/audit?target=user:${account.id}">This user in the audit log</a></p>`,
  );
});

staff.post("/admin/dashboard/users/:id/ban", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  if (!Number.isInteger(id) || id < 1) return c.json({ error: "no such user" }, 404);
  const form = await c.req.formData();
  const hours = Number(form.get("hours") ?? 24);
  const reason = String(form.get("reason") ?? "")
    .trim()
    .slice(0, 100);
  if (!Number.isInteger(hours) || hours < 1 || hours > 87_600) {
    return c.json({ error: "hours must be an integer from 1 to 87600" }, 400);
  }
  if (!reason) return c.json({ error: "a ban needs a reason" }, 400);
  // An account ban (issue 11's bans table): stored and audited, then live sessions are kicked.
  const placed = await banAccount(c.env, adminActor(c), {
    userId: id,
    expiresAt: Date.now() + hours * 3_600_000,
    reason,
  });
  if (!placed) return c.json({ error: "no such user" }, 404);
  if (!placed.ok) return c.json({ error: placed.message }, 400);
  return c.redirect(`/admin/dashboard/users/${id}?done=Banned`, 303);
});

/** Lifts one ban; back to `back` (a dashboard path) with the outcome. */
staff.post("/admin/dashboard/bans/:id/lift", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  if (!Number.isInteger(id) || id < 1) return c.json({ error: "no such ban" }, 404);
  const back = String((await c.req.formData()).get("back") ?? "");
  const to = back.startsWith("/admin/dashboard/") && !back.includes("?") ? back : "/admin/dashboard/bans";
  const lifted = await liftBanEverywhere(c.env, id, adminActor(c));
  return c.redirect(`${to}?done=${encodeURIComponent(lifted ? "Ban lifted" : "That ban is no longer in force")}`, 303);
});

staff.post("/admin/dashboard/users/:id/level", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  const level = Number((await c.req.formData()).get("level"));
  if (!Number.isInteger(level) || level < 0 || level > MAX_ADMIN_LEVEL)
    return c.json({ error: `level must be 0 to ${MAX_ADMIN_LEVEL}` }, 400);
  if (!Number.isInteger(id)) return c.json({ error: "no such user" }, 404);
  const result = await patchUser(c.env.DB, id, { adminLevel: level }, adminActor(c));
  if (!result.ok) return c.json({ error: result.message }, result.status);
  return c.redirect(`/admin/dashboard/users/${id}?done=Level%20saved`, 303);
});

staff.post("/admin/dashboard/users/:id/password", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  if (!Number.isInteger(id) || id < 1) return c.json({ error: "no such user" }, 404);
  const password = String((await c.req.formData()).get("password") ?? "");
  const result = await resetPassword(c.env.DB, id, password, adminActor(c));
  if (!result.ok) return c.json({ error: result.message }, result.status);
  // Resetting one's own password ends one's own session too: sign in again.
  if (id === staffOf(c).account.id) return c.redirect("/admin/signin", 303);
  return c.redirect(`/admin/dashboard/users/${id}?done=Password%20reset`, 303);
});

// ------------------------------------------------------------------ bans and games

staff.get("/admin/dashboard/bans", withConfig, staffOnly, async (c) => {
  const rows = await listBans(c.env.DB, { active: true, limit: 200 });
  const csrf = staffOf(c).csrf;
  return page(
    c,
    opts(c, "Bans in force"),
    html`<div class="card">
        ${
          rows.length === 0
            ? html`<p class="note">Nobody is banned.</p>`
            : html`<table data-testid="bans">
              <thead><tr><th>Who</th><th>Until (UTC)</th><th>Reason</th><th>By</th><th></th></tr></thead>
              <tbody>
                ${rows.map(
                  (b) => html`<tr>
                    <td>${banSubject(b)}</td><td>${banUntil(b)}</td><td>${b.reason}</td><td>${b.createdBy}</td>
                    <td>${liftForm(b, csrf, "/admin/dashboard/bans")}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`
        }
        ${rows.length === 200 ? html`<p class="note">The newest 200 shown; <code>GET /admin/bans</code> pages on.</p>` : ""}
      </div>
      <form class="card" method="post" action="/admin/dashboard/bans" data-confirm="Place this ban?">
        ${csrfField(csrf)}
        <h2>Ban an address or a guest name</h2>
        <p><label>Kind <select name="kind"><option value="address">address (IPv4 or CIDR)</option><option value="guest">guest name</option></select></label>
          <label>Address or name <input name="subject" required maxlength="64" placeholder="203.0.113.0/24 or a guest's name" /></label></p>
        <p><label>For <input name="hours" type="number" min="0" max="87600" value="24" /> hours (0: permanent)</label>
          <label>reason <input name="reason" maxlength="100" required /></label>
          <button class="danger" name="place">Ban</button></p>
        <p class="note">Players it covers who are online now are kicked. Accounts are banned from their user page.</p>
      </form>
      <p class="note">
        Account, address and guest-name bans (<code>/admin/bans</code>, <code>.ban</code> in a room, this dashboard).
        Lifted and expired bans stay in the history: <a href="/admin/dashboard/audit?action=ban.">ban actions in the audit log</a>.
      </p>`,
  );
});

/** An address or guest-name ban (issue 11's placeBan: stored and audited, then enforced on live sessions). */
staff.post("/admin/dashboard/bans", withConfig, staffOnly, async (c) => {
  const form = await c.req.formData();
  const kind = form.get("kind");
  if (kind !== "address" && kind !== "guest") return c.json({ error: "kind must be address or guest" }, 400);
  const subject = String(form.get("subject") ?? "")
    .trim()
    .slice(0, 64);
  const hours = Number(form.get("hours") ?? 24);
  const reason = String(form.get("reason") ?? "")
    .trim()
    .slice(0, 100);
  if (!subject) return c.json({ error: "an address or a guest name is needed" }, 400);
  if (!Number.isInteger(hours) || hours < 0 || hours > 87_600) {
    return c.json({ error: "hours must be an integer from 0 (permanent) to 87600" }, 400);
  }
  if (!reason) return c.json({ error: "a ban needs a reason" }, 400);
  const expiresAt = hours === 0 ? null : Date.now() + hours * 3_600_000;
  const placed = await placeBan(
    c.env,
    kind === "address"
      ? { kind, address: subject, reason, expiresAt }
      : { kind, guestName: subject, reason, expiresAt },
    adminActor(c),
  );
  if (!placed.ok) return c.json({ error: placed.message }, 400);
  const done = `Ban ${placed.ban.id} placed${placed.kicked > 0 ? `, ${placed.kicked} kicked` : ""}`;
  return c.redirect(`/admin/dashboard/bans?done=${encodeURIComponent(done)}`, 303);
});

function banSubject(b: Ban) {
  if (b.kind === "account") return html`account <a href="/admin/dashboard/users/${b.userId}">${b.userId}</a>`;
  if (b.kind === "address") return html`address <code>${b.address}</code>`;
  return html`guest name ${b.guestName}`;
}

function banUntil(b: Ban): string {
  return b.expiresAt === null ? "permanent" : `until ${when(b.expiresAt)}`;
}

function liftForm(b: Ban, csrf: string, back: string) {
  return html`<form class="inline" method="post" action="/admin/dashboard/bans/${b.id}/lift" data-confirm="Lift ban ${b.id}?">
    ${csrfField(csrf)}<input type="hidden" name="back" value="${back}" /><button name="lift">Lift</button>
  </form>`;
}

const HISTORY_PAGE = 50;

staff.get("/admin/dashboard/games", withConfig, staffOnly, async (c) => {
  const beforeRaw = c.req.query("before") ?? "";
  const before = /^\d{1,10}$/.test(beforeRaw) ? Number(beforeRaw) : undefined;
  // Issue 12's queries and views: the history paged by id, the games an admin must decide.
  const [rooms, history, undecided] = await Promise.all([
    liveRooms(c.env, c.var.config),
    q.listGames(c.env.DB, { ...(before === undefined ? {} : { before }), limit: HISTORY_PAGE }),
    q.listGames(c.env.DB, { needsDecision: true, limit: 50 }),
  ]);
  const reports = await Promise.all(undecided.map((g) => q.reportsOf(c.env.DB, g.id)));
  const games = rooms.flatMap((r) => r.status.games.map((g) => ({ room: r.room, game: g, players: r.status.players })));
  const csrf = staffOf(c).csrf;
  const last = history.at(-1);
  return page(
    c,
    opts(c, "Games"),
    html`<div class="card">
        <h2>Live (${games.length})</h2>
        ${
          games.length === 0
            ? html`<p class="note">No game is open.</p>`
            : html`<table>
              <thead><tr><th>Game</th><th>Map</th><th>Room</th><th>Host</th><th>Players</th><th>State</th></tr></thead>
              <tbody>
                ${games.map(
                  ({ room, game, players }) => html`<tr>
                    <td>${game.name}</td><td>${game.map}</td>
                    <td><a href="/admin/dashboard/rooms/${room.id}">${room.name}</a></td>
                    <td>${players.find((p) => p.userId === game.hostUserId)?.nick ?? game.hostUserId}</td>
                    <td>${game.players}/${game.maxPlayers}</td>
                    <td>${game.elapsedSeconds > 0 ? `in progress, ${game.elapsedSeconds} s` : "open"}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`
        }
      </div>
      <div class="card" data-testid="disputed">
        <h2>To decide (${undecided.length})</h2>
        ${
          undecided.length === 0
            ? html`<p class="note">No game is disputed or flagged.</p>`
            : undecided.map((g, i) => {
                const v = summaryView(g);
                return html`<form class="card" method="post" action="/admin/dashboard/games/${g.id}/resolve"
                  data-game="${g.id}" data-confirm="Decide game ${g.id}?">
                  ${csrfField(csrf)}
                  <p><a href="/games/${g.id}">Game ${g.id}</a> ${g.name} · ${v.gameTypeName} · ${g.map}: ${statusText(v)}</p>
                  <table>
                    <thead><tr><th></th><th>Report</th><th>By user</th><th>At (UTC)</th><th>Placings (user:place)</th></tr></thead>
                    <tbody>
                      ${(reports[i] ?? []).map(
                        (r) => html`<tr>
                          <td><input type="radio" name="reportId" value="${r.id}" ${r.id === g.result_report_id ? "checked" : ""} aria-label="report ${r.id}" /></td>
                          <td>${r.id}</td><td><a href="/admin/dashboard/users/${r.reporter_id}">${r.reporter_id}</a></td>
                          <td>${when(r.at)}</td><td><code>${r.placings}</code></td>
                        </tr>`,
                      )}
                    </tbody>
                  </table>
                  <button name="rate" value="1">Rate with this report</button>
                  <button name="rate" value="0">Keep unrated</button>
                </form>`;
              })
        }
        <p class="note">The same decision as <code>POST /admin/games/:id/resolve</code>; audited as <code>game.resolve</code>.</p>
      </div>
      <div class="card">
        <h2>History</h2>
        ${recordedGamesTable(c.var.config, history.map(summaryView))}
        ${history.length === HISTORY_PAGE && last ? html`<p><a href="/admin/dashboard/games?before=${last.id}">Older games</a></p>` : ""}
      </div>`,
  );
});

/** Decides a disputed or flagged game through the Results object (issue 12's resolve, which audits it). */
staff.post("/admin/dashboard/games/:id/resolve", withConfig, staffOnly, async (c) => {
  const id = Number(c.req.param("id"));
  if (!Number.isInteger(id) || id < 1) return c.json({ error: "no such game" }, 404);
  const form = await c.req.formData();
  const rate = form.get("rate");
  if (rate !== "1" && rate !== "0") return c.json({ error: "rate must be 1 or 0" }, 400);
  const reportRaw = form.get("reportId");
  const reportId = reportRaw === null || reportRaw === "" ? undefined : Number(reportRaw);
  if (reportId !== undefined && !(Number.isInteger(reportId) && reportId > 0)) {
    return c.json({ error: "reportId must be a positive integer" }, 400);
  }
  const answer = await resultsStub(c.env).resolve(id, {
    ...(reportId === undefined ? {} : { reportId }),
    rate: rate === "1",
    actor: actorOf(c),
  });
  if (!answer.ok) return c.json({ error: answer.error }, answer.error === "no such game" ? 404 : 409);
  return c.redirect(`/admin/dashboard/games?done=${encodeURIComponent(`Game ${id} is ${answer.status}`)}`, 303);
});

// ------------------------------------------------------------------ audit log

staff.get("/admin/dashboard/audit", withConfig, staffOnly, async (c) => {
  const action = (c.req.query("action") ?? "").trim().slice(0, 64);
  const actor = (c.req.query("actor") ?? "").trim().slice(0, 100);
  const target = (c.req.query("target") ?? "").trim().slice(0, 100);
  const beforeRaw = Number(c.req.query("before"));
  const before = Number.isInteger(beforeRaw) && beforeRaw > 0 ? beforeRaw : undefined;
  // The admin API's exact filters; an action ending in "." is a prefix ("ban." = ban.create, ban.lift).
  const result = await queryAudit(c.env.DB, {
    ...(action ? (action.endsWith(".") ? { actionPrefix: action } : { action }) : {}),
    ...(actor ? { actor } : {}),
    ...(target ? { target } : {}),
    ...(before ? { before } : {}),
    limit: 50,
  });
  const next = new URLSearchParams({ action, actor, target, before: String(result.next ?? "") });
  return page(
    c,
    opts(c, "Audit log"),
    html`<form class="card" method="get">
        <input name="action" value="${action}" placeholder="action (kick, ban.create, ban.…)" />
        <input name="actor" value="${actor}" placeholder="actor (staff:name, user:12, admin-token)" />
        <input name="target" value="${target}" placeholder="target (user:12, room:0, ban:3)" />
        <button>Filter</button>
      </form>
      <div class="card">
        <table data-testid="audit">
          <thead><tr><th>When (UTC)</th><th>Who</th><th>What</th><th>Target</th><th>Reason</th><th>Detail</th></tr></thead>
          <tbody>
            ${result.entries.map(
              (r) => html`<tr>
                <td>${when(r.at)}</td><td>${r.actor}</td><td>${r.action}</td><td>${r.target ?? ""}</td>
                <td>${r.reason ?? ""}</td><td><code>${JSON.stringify(r.detail)}</code></td>
              </tr>`,
            )}
          </tbody>
        </table>
        ${result.next !== null ? html`<p><a href="?${next.toString()}">Older entries</a></p>` : ""}
      </div>`,
  );
});

dashboard.route("/", staff);
