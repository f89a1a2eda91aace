/**
 * The public pages, no sign-in (what Gate of Storms's site and Mariusnet's feeds give players):
 * `/` who is online and the games open, `/players/:name`, `/games`, `/games/:id`, `/rankings`,
 * and `/ServerStatus.xml` in the shape of Mariusnet's public feed. Each is cached a few seconds
 * (cache.ts). Everything shown is escaped. Game history, castes, stats and rankings come with the
 * ranked issue's results: until then the pages say so instead of inventing data. Addresses of
 * players are never shown here.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import { normalizeUserName } from "../../../protocol/text.ts";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import { page, when } from "../dashboard/layout.ts";
import { cachedPublic } from "./cache.ts";
import { GAME_NAME, type LiveRoom, liveGameId, liveRooms } from "./live.ts";
import { serverStatusXml } from "./server-status-xml.ts";

export const publicPages = new Hono<AppEnv>();

const NO_HISTORY = "Game results are not recorded yet (they arrive with ranked play); only live games are shown.";

function gamesTable(rooms: LiveRoom[]) {
  const games = rooms.flatMap((r) => r.status.games.map((g) => ({ room: r.room, game: g })));
  if (games.length === 0) return html`<p class="note">No game is open right now.</p>`;
  return html`<table>
    <thead><tr><th>Game</th><th>Map</th><th>Players</th><th>Room</th><th>State</th></tr></thead>
    <tbody>
      ${games.map(
        ({ room, game }) => html`<tr>
          <td><a href="/games/${liveGameId(room.id, game.hostUserId)}">${game.name}</a></td><td>${game.map}</td>
          <td>${game.players}/${game.maxPlayers}</td><td>${room.name}</td>
          <td>${game.elapsedSeconds > 0 ? `in progress, ${Math.floor(game.elapsedSeconds / 60)} min` : "open"}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

publicPages.get("/", withConfig, (c) =>
  cachedPublic(c, async () => {
    const rooms = await liveRooms(c.env, c.var.config);
    const total = rooms.reduce((n, r) => n + r.status.players.length, 0);
    return page(
      c,
      { title: "Online now", who: null, public: true },
      html`<div class="card">
          <p><b>${total}</b> ${total === 1 ? "player" : "players"} online.</p>
          ${rooms
            .filter((r) => r.status.players.length > 0)
            .map(
              (r) => html`<h2>${r.room.name} <span class="note">${GAME_NAME[r.room.game]} · ${r.room.type}</span></h2>
                <ul>
                  ${r.status.players.map(
                    (p) =>
                      html`<li>
                        ${p.guest ? html`${p.nick} <span class="note">(guest)</span>` : html`<a href="/players/${encodeURIComponent(p.userName)}">${p.nick}</a>`}
                        ${p.inGame ? html` <span class="note">in a game</span>` : ""}${p.away ? html` <span class="note">away</span>` : ""}
                      </li>`,
                  )}
                </ul>`,
            )}
        </div>
        <div class="card"><h2>Games</h2>${gamesTable(rooms)}</div>
        <div class="card"><h2>Recent games</h2><p class="note">${NO_HISTORY}</p></div>
        <p class="note">Also as <a href="/status.json">/status.json</a> (Gate of Storms's shape) and
          <a href="/ServerStatus.xml">/ServerStatus.xml</a> (Mariusnet's).</p>`,
    );
  }),
);

publicPages.get("/games", withConfig, (c) =>
  cachedPublic(c, async () => {
    const rooms = await liveRooms(c.env, c.var.config);
    return page(
      c,
      { title: "Games", who: null, public: true },
      html`<div class="card"><h2>Live</h2>${gamesTable(rooms)}</div>
        <div class="card"><h2>History</h2><p class="note">${NO_HISTORY}</p></div>`,
    );
  }),
);

publicPages.get("/games/:id", withConfig, (c) =>
  cachedPublic(c, async () => {
    const m = /^(\d{1,5})-(\d{1,10})$/.exec(c.req.param("id"));
    const rooms = m ? await liveRooms(c.env, c.var.config) : [];
    const room = rooms.find((r) => r.room.id === Number(m?.[1]));
    const game = room?.status.games.find((g) => g.hostUserId === Number(m?.[2]));
    if (!room || !game) {
      return page(
        c,
        { title: "No such game", who: null, public: true },
        html`<p class="card">This game is not open any more. ${NO_HISTORY}</p>`,
        404,
      );
    }
    const host = room.status.players.find((p) => p.userId === game.hostUserId);
    return page(
      c,
      { title: game.name, who: null, public: true },
      html`<div class="card">
        <table>
          <tr><th>Map</th><td>${game.map}</td></tr>
          <tr><th>Room</th><td>${room.room.name} (${GAME_NAME[room.room.game]})</td></tr>
          <tr><th>Host</th><td>${host?.nick ?? `player ${game.hostUserId}`}</td></tr>
          <tr><th>Players</th><td>${game.players} of ${game.maxPlayers}</td></tr>
          <tr><th>State</th><td>${game.elapsedSeconds > 0 ? `in progress for ${game.elapsedSeconds} s` : "waiting to start"}</td></tr>
        </table>
        <p class="note">Teams, per-player stats and the film link come with recorded results and films.</p>
      </div>`,
    );
  }),
);

publicPages.get("/rankings", withConfig, (c) =>
  cachedPublic(c, async () =>
    page(
      c,
      { title: "Rankings", who: null, public: true },
      html`<div class="card">
        <p>No rankings yet: ranked results are not recorded yet. When they are, this page lists them per game type.</p>
        <p class="note">Ranked rooms: ${
          c.var.config.rooms
            .filter((r) => r.type === "ranked")
            .map((r) => r.name)
            .join(", ") || "none"
        }.</p>
      </div>`,
    ),
  ),
);

publicPages.get("/players/:name", withConfig, (c) =>
  cachedPublic(c, async () => {
    const name = normalizeUserName(c.req.param("name").slice(0, 64));
    const row = name
      ? await c.env.DB.prepare(
          "SELECT id, display_name, nick, team, city, state, country, quote, created_at, last_login_at FROM users WHERE username = ?",
        )
          .bind(name)
          .first<{
            id: number;
            display_name: string;
            nick: string;
            team: string;
            city: string;
            state: string;
            country: string;
            quote: string;
            created_at: number;
            last_login_at: number | null;
          }>()
      : null;
    if (!row) return page(c, { title: "No such player", who: null, public: true }, html``, 404);
    const rooms = await liveRooms(c.env, c.var.config);
    const here = rooms.find((r) => r.status.players.some((p) => p.userId === row.id));
    const where = [row.city, row.state, row.country].filter((x) => x).join(", ");
    return page(
      c,
      { title: row.nick || row.display_name, who: null, public: true },
      html`<div class="card">
          <table>
            <tr><th>Account</th><td>${row.display_name}</td></tr>
            <tr><th>Team</th><td>${row.team || "—"}</td></tr>
            ${where ? html`<tr><th>From</th><td>${where}</td></tr>` : ""}
            ${row.quote ? html`<tr><th>Quote</th><td>${row.quote}</td></tr>` : ""}
            <tr><th>Member since</th><td>${when(row.created_at).slice(0, 10)}</td></tr>
            <tr><th>Last seen</th><td>${here ? html`online now in ${here.room.name}` : when(row.last_login_at)}</td></tr>
          </table>
        </div>
        <div class="card"><h2>Caste and stats</h2><p class="note">No ranked results are recorded yet, so no caste or stats per game type.</p></div>
        <div class="card"><h2>Recent games</h2><p class="note">${NO_HISTORY}</p></div>`,
    );
  }),
);

publicPages.get("/ServerStatus.xml", withConfig, (c) =>
  cachedPublic(c, async () =>
    c.body(serverStatusXml(await liveRooms(c.env, c.var.config)), 200, {
      "Content-Type": "application/xml; charset=utf-8",
    }),
  ),
);
